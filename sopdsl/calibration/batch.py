"""The tallies of a batch of customers read off their rows' columns at once.

Each customer's rows before the cut-off are read in time order (rows of the same minute in
the order given), as a customer at a time would read them: a `delivered` row with a channel
is a send; an open, click or reply answers the latest send on its channel (on the latest
send's channel when it names none), and one on a channel with no send before it is reported;
the last `friend_added` or `friend_deleted` says whether they are a friend at the cut-off.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sopdsl.calibration.nearest import first_after, last_before
from sopdsl.calibration.rows import NONE, Coded, Names
from sopdsl.calibration.sends import ANSWERS, SendBlock


@dataclass
class Sorted:
    """A batch's rows before the cut-off in each customer's time order."""

    customer: np.ndarray
    rows: Coded

    def named(self, events: Names, name: str) -> np.ndarray:
        """Which rows are events of `name`."""
        number = events.get(name)
        return (self.rows.event == number if number is not None
                else np.zeros(len(self.customer), dtype=bool))


def before_cut_off(customer: np.ndarray, rows: Coded) -> tuple[Sorted, np.ndarray]:
    """The rows before the cut-off in each customer's time order, and which rows are at or
    after it."""
    later = rows.time >= 0
    keep = np.flatnonzero(~later)
    # Stable: rows of the same minute stay in the order given.
    order = keep[np.lexsort((rows.time[keep], customer[keep]))]
    return Sorted(customer[order], Coded(*(getattr(rows, name)[order]
                                           for name in Coded.__slots__))), later


@dataclass
class Sends:
    """A batch's sends, answers and deletions as `SendBlock.tally` takes them, and the
    answers on a channel with no send before them as (customer, row) pairs."""

    sends: np.ndarray
    answers: np.ndarray
    deletions: np.ndarray
    unsent: np.ndarray


def on_channels(rows: Sorted, events: Names) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are sends (a `delivered` row with a channel), and each row's channel: its
    own, else its customer's latest send's before it (NONE when neither)."""
    customer, channel = rows.customer, rows.rows.channel
    position = np.arange(len(customer))
    is_send = rows.named(events, "delivered") & (channel != NONE)
    latest = np.maximum.accumulate(np.where(is_send, position, -1))
    has_latest = latest >= 0
    has_latest[has_latest] = customer[latest[has_latest]] == customer[has_latest]
    return is_send, np.where(channel != NONE, channel,
                             np.where(has_latest, channel[np.maximum(latest, 0)], NONE))


def sends(rows: Sorted, events: Names, channels: Names, purposes: Names,
          block: SendBlock) -> Sends:
    """The sends, answers and deletions of the batch; channels and purposes numbered in
    `block` in the order their sends come."""
    customer, coded = rows.customer, rows.rows
    channel = coded.channel
    position = np.arange(len(customer))
    is_send, answered = on_channels(rows, events)
    kind = np.full(len(customer), -1, dtype=np.int64)
    for index, name in enumerate(ANSWERS):
        kind[rows.named(events, name)] = index
    answering = (kind >= 0) & (answered != NONE)
    # An answer counts when its customer sent on its channel at an earlier row.
    width = len(channels)
    sent_keys, first = np.unique((customer * width + channel)[is_send], return_index=True)
    first_send = position[is_send][first]
    keys = customer * width + answered
    at = np.minimum(np.searchsorted(sent_keys, keys), max(len(sent_keys) - 1, 0))
    counted = answering & (len(sent_keys) > 0)
    counted[counted] = (sent_keys[at[counted]] == keys[counted]) & (
        first_send[at[counted]] < position[counted])
    unsent = np.flatnonzero(answering & ~counted)

    send_rows = np.flatnonzero(is_send)
    names = channels.named()
    to_block = np.full(width, -1, dtype=np.int64)
    for number in _in_order(channel[send_rows]):
        to_block[number] = block.channel(names[number])
    purpose_names = purposes.named()
    purpose_of = np.full(len(purposes), -1, dtype=np.int64)
    for number in _in_order(coded.purpose[send_rows]):
        if number != NONE:
            purpose_of[number] = block.purpose(purpose_names[number])
    answer_rows = np.flatnonzero(counted)
    deleted = np.flatnonzero(rows.named(events, "friend_deleted"))
    return Sends(
        np.column_stack((customer[send_rows], to_block[channel[send_rows]],
                         coded.time[send_rows], purpose_of[coded.purpose[send_rows]]))
        .astype(float),
        np.column_stack((customer[answer_rows], to_block[answered[answer_rows]],
                         kind[answer_rows], coded.time[answer_rows])).astype(float),
        np.column_stack((customer[deleted], coded.time[deleted])).astype(float),
        np.column_stack((customer[unsent], unsent)))


def unsent_reports(rows: Sorted, unsent: np.ndarray, events: Names, channels: Names,
                   file: str) -> Iterator[tuple[int, tuple[str, str, int, str, str]]]:
    """(customer, problem) of each answer on a channel with no send before it."""
    names, channel_names = events.named(), channels.named()
    coded = rows.rows
    for customer, row in unsent.tolist():
        name, channel = names[coded.event[row]], channel_names[coded.channel[row]]
        yield customer, ("E615", file, int(coded.line[row]),
                         f"`{name}` on {channel} before any send on {channel}",
                         "a response follows a `delivered` row of its channel; check the "
                         "time zone and the channel column")


def friends(rows: Sorted, events: Names, customers: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether each customer is a friend at the cut-off (their last `friend_added` or
    `friend_deleted` says; a friend without either), and when each last arrived (NaN: never)."""
    added = rows.named(events, "friend_added")
    either = np.flatnonzero(added | rows.named(events, "friend_deleted"))
    friend = np.ones(customers, dtype=bool)
    last = _last_of_each(rows.customer[either])
    friend[rows.customer[either[last]]] = added[either[last]]
    arrived = np.full(customers, math.nan)
    joins = np.flatnonzero(added)
    last = _last_of_each(rows.customer[joins])
    arrived[rows.customer[joins[last]]] = rows.rows.time[joins[last]]
    return friend, arrived


def first_counts(names: np.ndarray, numbers: Names) -> Counter:
    """How many of each name, in the order the names first come."""
    found, first, counts = np.unique(names, return_index=True, return_counts=True)
    named = numbers.named()
    order = np.argsort(first, kind="stable")
    return Counter({named[number]: count
                    for number, count in zip(found[order].tolist(), counts[order].tolist())})


def after_clicks(rows: Sorted, events: Names, purposes: Names, following: np.ndarray,
                 window: float) -> tuple[int, list[tuple[str, int]], list[tuple[str, bool]]]:
    """For the clicks with a whole window before the cut-off: how many; for each event that
    may follow a click (`following` rows), in the order first met among those clicks'
    customers, how many clicks it followed within the window; and for each click answering
    a send of a content purpose, the purpose and whether a purchase followed it."""
    customer, coded = rows.customer, rows.rows
    clicks = np.flatnonzero(rows.named(events, "click") & (coded.time + window <= 0))
    if not len(clicks):
        return 0, [], []
    who, when = customer[clicks], coded.time[clicks]
    named = events.named()
    clicked = np.zeros(int(customer[-1]) + 1, dtype=bool)
    clicked[who] = True
    candidates = np.flatnonzero(following & clicked[customer])
    followed = []
    for number in _in_order(coded.event[candidates]):
        of_event = np.flatnonzero(coded.event == number)
        then = first_after(who, when, customer[of_event], coded.time[of_event],
                           inclusive=False)
        followed.append((named[number], int(np.count_nonzero(then <= when + window))))
    return len(clicks), followed, _purposes(rows, events, purposes, clicks, window)


def _purposes(rows: Sorted, events: Names, purposes: Names, clicks: np.ndarray,
              window: float) -> list[tuple[str, bool]]:
    """For each click answering a send of a content purpose (the latest send at or before it
    on its channel, on any channel when it names none): the purpose, and whether a purchase
    followed within the window."""
    customer, coded = rows.customer, rows.rows
    send_rows = np.flatnonzero(rows.named(events, "delivered") & (coded.channel != NONE))
    if not len(send_rows):
        return []
    who, when, channel = customer[clicks], coded.time[clicks], coded.channel[clicks]
    width = int(max(coded.channel.max(), 0)) + 1
    own = last_before(who * width + channel, when,
                      customer[send_rows] * width + coded.channel[send_rows],
                      coded.time[send_rows], inclusive=True)
    anywhere = last_before(who, when, customer[send_rows], coded.time[send_rows],
                           inclusive=True)
    send = np.where(channel != NONE, own, anywhere)
    purpose = np.where(send >= 0, coded.purpose[send_rows[np.maximum(send, 0)]], NONE)
    chosen = np.flatnonzero(purpose != NONE)
    if not len(chosen):
        return []
    bought = np.flatnonzero(rows.named(events, "purchase"))
    then = first_after(who[chosen], when[chosen], customer[bought], coded.time[bought],
                       inclusive=False)
    names = purposes.named()
    return list(zip((names[number] for number in purpose[chosen].tolist()),
                    (then <= when[chosen] + window).tolist()))


def _in_order(numbers: np.ndarray) -> list[int]:
    """The distinct numbers in the order first met."""
    found, first = np.unique(numbers, return_index=True)
    return found[np.argsort(first, kind="stable")].tolist()


def _last_of_each(customer: np.ndarray) -> np.ndarray:
    """The index of each customer's last row (rows grouped by customer)."""
    return np.flatnonzero(np.r_[customer[1:] != customer[:-1], True]) if len(customer) else (
        np.zeros(0, dtype=np.int64))

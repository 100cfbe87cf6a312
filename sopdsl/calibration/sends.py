"""Sends and their answers, gathered for a block of customers and tallied together with NumPy.

Each send is answered by the first answer of a kind on its channel at or after it, within the
response window, before the next send on its channel and before the cut-off; an unfriend by
the first `friend_deleted` before the next send on any channel. A send whose content has a
purpose counts for the purpose too. Times are run-time minutes, the cut-off at 0.
"""

from __future__ import annotations

from collections.abc import Callable
import numpy as np

from sopdsl.calibration.nearest import first_after
from sopdsl.calibration.responses import Responses

# The answers read off the events, and the tallies kept of each channel's sends.
ANSWERS = ("open", "click", "reply")
TALLIES = ("open", "click", "click_opened", "reply", "reply_opened", "unfriend")
NO_PURPOSE = -1


class SendBlock:
    """Channel and purpose names numbered once for every block of customers whose sends,
    answers and deletions are tallied together."""

    def __init__(self) -> None:
        self.channels: dict[str, int] = {}
        self.purposes: dict[str, int] = {}

    def channel(self, name: str) -> int:
        """The number of a channel."""
        found = self.channels.get(name)
        if found is None:
            found = self.channels[name] = len(self.channels)
        return found

    def purpose(self, name: str | None) -> int:
        """The number of a purpose, NO_PURPOSE for none."""
        if name is None:
            return NO_PURPOSE
        found = self.purposes.get(name)
        if found is None:
            found = self.purposes[name] = len(self.purposes)
        return found

    def tally(self, sends: np.ndarray, answers: np.ndarray, deletions: np.ndarray,
              window: float, channel_tally: Callable[[str, str], Responses],
              purpose_tally: Callable[[str, str, str], Responses]) -> None:
        """Add a block's sends to their tallies: `sends` rows (customer, channel, time,
        purpose), each customer's in time order; `answers` (customer, channel, kind, time);
        `deletions` (customer, time); customers and channels by number."""
        if len(sends):
            _tally(self, sends, answers, deletions, window, channel_tally, purpose_tally)


def _tally(block: SendBlock, sends: np.ndarray, answers: np.ndarray, deletions: np.ndarray,
           window: float, channel_tally: Callable[[str, str], Responses],
           purpose_tally: Callable[[str, str, str], Responses]) -> None:
    customer, channel = sends[:, 0].astype(np.int64), sends[:, 1].astype(np.int64)
    # The sends were added in time order per customer; ordered by customer and channel, the
    # answers of each tally are added in the order a customer at a time would add them.
    order = np.lexsort((np.arange(len(sends)), channel, customer))
    end_any = _next_later(customer, sends[:, 2])[order]
    sends = sends[order]
    customer, channel, sent = customer[order], channel[order], sends[:, 2]
    purpose = sends[:, 3].astype(np.int64)
    same = (customer[1:] == customer[:-1]) & (channel[1:] == channel[:-1])
    next_on_channel = np.r_[np.where(same, sent[1:], np.inf), np.inf]
    cut = np.minimum(sent + window, 0.0)
    end = np.minimum(cut, next_on_channel)
    end_any = np.minimum(cut, end_any)

    channels = len(block.channels)
    group = (answers[:, 0].astype(np.int64) * channels + answers[:, 1].astype(np.int64)) * 3 \
        + answers[:, 2].astype(np.int64)
    first = {kind: first_after((customer * channels + channel) * 3 + index, sent, group,
                               answers[:, 3], inclusive=True)
             for index, kind in enumerate(ANSWERS)}
    unfriend = first_after(customer, sent, deletions[:, 0].astype(np.int64), deletions[:, 1],
                           inclusive=True)
    opened = first["open"] < end
    everyone = np.ones(len(sent), dtype=bool)
    # Each tally: which sends count, when each was answered, until when it was watched.
    kinds = {"open": (everyone, first["open"], end), "unfriend": (everyone, unfriend, end_any)}
    for kind in ("click", "reply"):
        kinds[kind] = (everyone, first[kind], end)
        kinds[f"{kind}_opened"] = (opened, first[kind], end)

    names = {number: name for name, number in block.channels.items()}
    purposes = {number: name for name, number in block.purposes.items()}
    for number in np.unique(channel).tolist():
        on_channel = channel == number
        for kind in TALLIES:
            _add(channel_tally(names[number], kind), on_channel, kinds[kind], sent, window)
        for which in np.unique(purpose[on_channel & (purpose != NO_PURPOSE)]).tolist():
            of_purpose = on_channel & (purpose == which)
            for kind in TALLIES:
                _add(purpose_tally(names[number], purposes[which], kind), of_purpose,
                     kinds[kind], sent, window)


def _add(tally: Responses, sends: np.ndarray, kind: tuple[np.ndarray, np.ndarray, np.ndarray],
         sent: np.ndarray, window: float) -> None:
    """Add the chosen sends to one tally: answered ones by delay, the others by watched
    minutes."""
    counted, answer, end = kind
    chosen = sends & counted
    answered = chosen & (answer < end)
    silent = chosen & ~answered
    tally.add(answer[answered] - sent[answered], end[silent] - sent[silent], window)


def _next_later(customer: np.ndarray, time: np.ndarray) -> np.ndarray:
    """For each of a customer's sends (in time order) the time of their next later send,
    inf when there is none."""
    changed = np.r_[True, (customer[1:] != customer[:-1]) | (time[1:] != time[:-1])]
    run = np.cumsum(changed)
    after = np.searchsorted(run, run, side="right")
    later = np.full(len(time), np.inf)
    inside = after < len(time)
    inside[inside] = customer[after[inside]] == customer[inside]
    later[inside] = time[after[inside]]
    return later

"""One pass over customers and events into the sufficient statistics calibration needs.

Customers are read one at a time with their events (see `customers_io`); their sends are
tallied a block of customers at a time (see `sends`); only counts, sums and per-customer
triples (x, t_x, T) are kept, never rows. Times are run-time minutes with
the cut-off (`--until`) at 0: everything the estimators see happened before it.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calibration.responses import Responses
from sopdsl.calibration.sends import ANSWERS, SendBlock
from sopdsl.checker.program import Program
from sopdsl.customers_io import EventRecord
from sopdsl.data_rows import DataProblems
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData

# How long after a send an open, click, reply or unfriend still counts as its answer.
RESPONSE_WINDOW = 7 * MINUTES_PER_DAY
# How long after a click a purchase or another event counts as the click's doing
# (the scenario's default `within` for `after_click`).
AFTER_CLICK_WINDOW = 3 * MINUTES_PER_DAY
# Customers whose sends are tallied together: large enough for NumPy to pay, small enough
# that the block's rows take a few megabytes.
BLOCK = 4096
# Events with a behaviour of their own in a scenario: they get no `daily` rate block.
OWN_BEHAVIOUR = frozenset(("friend_added", "friend_deleted", "delivered", "open", "click",
                           "reply", "purchase", "task_done"))
# Attribute kinds whose values are shares; numbers get a normal distribution.
SHARE_KINDS = frozenset(("enum", "bool"))
_ANSWER_KINDS = {name: index for index, name in enumerate(ANSWERS)}
_TIME = attrgetter("event.time")
# A send with a channel: its time, channel and content purpose.
_Send = tuple[float, str, "str | None"]


@dataclass
class Purchases:
    """Per buyer: BG/NBD's x (repeat purchases), t_x and T (weeks), and for repeat buyers the
    number and mean value of their repeat purchases (Gamma-Gamma)."""

    x: array = field(default_factory=lambda: array("d"))
    t_x: array = field(default_factory=lambda: array("d"))
    T: array = field(default_factory=lambda: array("d"))
    repeat_x: array = field(default_factory=lambda: array("d"))
    repeat_mean: array = field(default_factory=lambda: array("d"))

    def add(self, times: list[float], values: list[float | None], end: float) -> None:
        """One buyer's purchase times (sorted, weeks) and values, watched until `end`."""
        self.x.append(len(times) - 1)
        self.t_x.append(times[-1] - times[0])
        self.T.append(end - times[0])
        repeats = values[1:]
        if repeats and all(value is not None and value > 0 for value in repeats):
            self.repeat_x.append(len(repeats))
            self.repeat_mean.append(sum(repeats) / len(repeats))


@dataclass
class Tallies:
    """Everything the estimators read, gathered in one pass."""

    customers: int = 0
    stock: int = 0
    tags: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)
    shares: dict[str, Counter] = field(default_factory=dict)
    numbers: dict[str, list[float]] = field(default_factory=dict)  # n, sum, sum of squares
    arrivals: int = 0
    first_arrival: float = 0.0  # the earliest friend_added before the cut-off
    first_time: float = 0.0  # the earliest event before the cut-off
    joined_days: float = 0.0  # customer-days from arrival, for customers who arrived
    joined: int = 0
    by_day: Purchases = field(default_factory=lambda: Purchases())
    by_time: Purchases = field(default_factory=lambda: Purchases())
    timed: bool = False  # some purchase has a time of day: the data is not by day
    midnight: float = 0.0  # the cut-off's minute of the day
    values: list[float] = field(default_factory=lambda: [0, 0.0, 0.0])  # n, sum log, sum log^2
    clicks: int = 0  # clicks with a whole after-click window before the cut-off
    after_click: Counter = field(default_factory=Counter)  # event -> clicks it followed
    # purpose -> those clicks that answered a send of its content, and those a purchase followed
    purpose_clicks: Counter = field(default_factory=Counter)
    purpose_bought: Counter = field(default_factory=Counter)
    events: Counter = field(default_factory=Counter)  # other events before the cut-off
    channels: dict[tuple[str, str], Responses] = field(default_factory=dict)
    # (channel, purpose, kind): the same tallies over the sends of one content purpose
    purposes: dict[tuple[str, str, str], Responses] = field(default_factory=dict)
    later: int = 0
    later_line: int = 0

    def purchases(self) -> Purchases:
        """The buyers' statistics at the data's resolution: by time when any purchase has a
        time of day, else by day."""
        return self.by_time if self.timed else self.by_day

    def responses(self, channel: str, kind: str) -> Responses:
        """The tally of one channel's answers of one kind (`open`, `click_opened`, ...)."""
        tally = self.channels.get((channel, kind))
        if tally is None:
            tally = self.channels[(channel, kind)] = Responses()
        return tally

    def purpose_responses(self, channel: str, purpose: str, kind: str) -> Responses:
        """The tally of one channel's answers of one kind to sends of one content purpose."""
        tally = self.purposes.get((channel, purpose, kind))
        if tally is None:
            tally = self.purposes[(channel, purpose, kind)] = Responses()
        return tally

    def exposure_days(self) -> float:
        """Customer-days observed: from arrival for those who arrived, else from the data's
        first event."""
        return self.joined_days + (self.customers - self.joined) * (-self.first_time
                                                                     / MINUTES_PER_DAY)


def collect(histories: Iterable[tuple[CustomerData, list[EventRecord]]], program: Program,
            problems: DataProblems, events_file: str, midnight: float = 0.0,
            progress: Callable[[int], None] | None = None) -> Tallies:
    """The tallies of every customer and their events before the cut-off, which is `midnight`
    minutes into its day."""
    tallies = Tallies(midnight=midnight)
    block = SendBlock()
    for number, (customer, records) in enumerate(histories, start=1):
        _customer(tallies, block, program, customer, records, problems, events_file)
        if len(block) == BLOCK:
            _tally_sends(tallies, block)
        if progress is not None and number % 1000 == 0:
            progress(1000)
    _tally_sends(tallies, block)
    if tallies.later:
        problems.report("W614", events_file, tallies.later_line,
                        f"{tallies.later:,} events at or after --until are not used",
                        hint="calibration reads what happened before --until; responses after "
                             "it count as not (yet) seen")
    return tallies


def _tally_sends(tallies: Tallies, block: SendBlock) -> None:
    block.tally(RESPONSE_WINDOW, tallies.responses, tallies.purpose_responses)


def _customer(tallies: Tallies, block: SendBlock, program: Program, customer: CustomerData,
              records: list[EventRecord], problems: DataProblems, events_file: str) -> None:
    before = [record for record in records if not record.event.time >= 0]
    if len(before) < len(records):
        if not tallies.later:
            tallies.later_line = next(record.line for record in records
                                      if record.event.time >= 0)
        tallies.later += len(records) - len(before)
    before.sort(key=_TIME)
    tallies.customers += 1
    if before:
        tallies.first_time = min(tallies.first_time, before[0].event.time)
    friend, arrived, purchases, clicks, sends, following = _read(
        tallies, block, program, before, problems, events_file)
    _profile(tallies, program, customer, friend, arrived)
    _purchases(tallies, latent_purchases(purchases, [r.event.time for r in clicks]))
    _after_clicks(tallies, clicks, sends, following)


def _read(tallies: Tallies, block: SendBlock, program: Program, before: list[EventRecord],
          problems: DataProblems, events_file: str
          ) -> tuple[bool, float | None, list[Event], list[EventRecord], list[_Send],
                     dict[str, list[float]]]:
    """One pass over a customer's rows before the cut-off, in time order: arrivals and other
    events counted; sends, answers and deletions added to the block (an answer on a channel
    with no send before it reported); and whether they are a friend at the end, when they
    last arrived, their purchases, clicks and sends, and the times of each event that may
    follow a click."""
    customer = block.next_customer()
    # Bound once: this loop runs for every event row of the data.
    send, answer, delete = block.sends.append, block.answers.append, block.deletions.append
    number, kinds, others = block.channel, _ANSWER_KINDS, tallies.events
    friend, arrived = True, None
    purchases: list[Event] = []
    clicks: list[EventRecord] = []
    sends: list[_Send] = []
    following: dict[str, list[float]] = {}
    sent: set[str] = set()
    latest: str | None = None
    for record in before:
        event = record.event
        name = event.name
        if name == "delivered":
            if record.channel:
                latest = record.channel
                sent.add(latest)
                purpose = _send_purpose(program, record)
                sends.append((event.time, latest, purpose))
                send((customer, number(latest), event.time, block.purpose(purpose)))
        elif name in kinds:
            if name == "click":
                clicks.append(record)
            channel = record.channel or latest
            if channel is None:
                continue  # no send to answer: the data has no sends for this customer
            if channel not in sent:
                problems.report("E615", events_file, record.line,
                                f"`{name}` on {channel} before any send on {channel}",
                                hint="a response follows a `delivered` row of its channel; "
                                     "check the time zone and the channel column")
                continue
            answer((customer, number(channel), kinds[name], event.time))
        elif name == "friend_deleted":
            friend = False
            delete((customer, event.time))
        elif name == "friend_added":
            friend, arrived = True, event.time
            tallies.arrivals += 1
            tallies.first_arrival = min(tallies.first_arrival, arrived)
        elif name == "purchase":
            purchases.append(event)
            following.setdefault(name, []).append(event.time)
        elif name not in OWN_BEHAVIOUR:
            others[name] += 1
            following.setdefault(name, []).append(event.time)
    return friend, arrived, purchases, clicks, sends, following


def _profile(tallies: Tallies, program: Program, customer: CustomerData, friend: bool,
             arrived: float | None) -> None:
    """Arrivals' exposure, stock and the stock's shares: a friend at the cut-off is in the
    stock."""
    if arrived is not None:
        tallies.joined += 1
        tallies.joined_days += -arrived / MINUTES_PER_DAY
    if not friend:
        return
    tallies.stock += 1
    tallies.tags.update(set(customer.tags))
    tallies.stages[customer.stage or (program.settings.stages[0]
                                      if program.settings.stages else "")] += 1
    for name, value in customer.attributes.items():
        kind = program.attributes[name].type
        if kind in SHARE_KINDS:
            tallies.shares.setdefault(name, Counter())[str(value).lower()
                                                        if kind == "bool" else value] += 1
        elif kind == "number":
            sums = tallies.numbers.setdefault(name, [0, 0.0, 0.0])
            sums[0] += 1
            sums[1] += value
            sums[2] += value * value


def latent_purchases(purchases: list, clicks: list[float]) -> list:
    """The purchases, in time order, that are not after-click candidates: a click's first
    purchase within its window, each purchase claimed by one click at most. The simulator adds
    after-click purchases to the latent process, so the latent fit must not count them."""
    purchases = sorted(purchases, key=lambda event: event.time)
    claimed = set()
    times = [event.time for event in purchases]
    for click in sorted(clicks):
        at = bisect.bisect_right(times, click)
        while at < len(times) and at in claimed:
            at += 1
        if at < len(times) and _within(click, times[at]):
            claimed.add(at)
    return [event for index, event in enumerate(purchases) if index not in claimed]


def _within(click: float, time: float) -> bool:
    """Whether an event at `time` falls in the after-click window of a click at `click`."""
    return click < time <= click + AFTER_CLICK_WINDOW


def _purchases(tallies: Tallies, purchases: list) -> None:
    """Both readings of a buyer's purchases; `purchases()` picks the one the data's resolution
    calls for."""
    if not purchases:
        return
    for event in purchases:
        amount = event.amount
        if amount is not None and amount > 0:
            tallies.values[0] += 1
            tallies.values[1] += math.log(amount)
            tallies.values[2] += math.log(amount) ** 2
    by_day, by_time, timed = readings(purchases, tallies.midnight)
    tallies.timed = tallies.timed or timed
    tallies.by_day.add(*by_day)
    tallies.by_time.add(*by_time)


Reading = tuple[list[float], list["float | None"], float]


def readings(purchases: list, midnight: float) -> tuple[Reading, Reading, bool]:
    """A buyer's purchases before the cut-off (`midnight` minutes into its day) read by day and
    by time, each as `Purchases.add` takes them, and whether any has a time of day.

    By day (dates without a time of day, as in the papers' data): a day's purchases are one
    transaction and T runs to the last whole day before the cut-off. By time: each purchase
    counts at its moment and T runs to the cut-off.
    """
    week = 7 * MINUTES_PER_DAY
    days: dict[int, float | None] = {}
    timed = False
    purchases = sorted(purchases, key=lambda event: event.time)
    for event in purchases:
        local = event.time + midnight
        timed = timed or bool(local % MINUTES_PER_DAY)
        day = math.floor(local / MINUTES_PER_DAY)
        known = days.get(day, 0.0)
        days[day] = None if known is None or event.amount is None else known + event.amount
    order = sorted(days)
    last_day = math.ceil(midnight / MINUTES_PER_DAY) - 1
    return (([day / 7 for day in order], [days[day] for day in order], last_day / 7),
            ([event.time / week for event in purchases],
             [event.amount for event in purchases], 0.0), timed)


def _after_clicks(tallies: Tallies, clicks: list[EventRecord], sends: list[_Send],
                  following: dict[str, list[float]]) -> None:
    """For each click with a whole window before the cut-off: which events followed in it,
    and for a click answering a send of a content purpose, whether a purchase did."""
    found = [r for r in clicks if r.event.time + AFTER_CLICK_WINDOW <= 0]
    if not found:
        return
    times = [r.event.time for r in found]
    tallies.clicks += len(times)
    for name, followed in following.items():
        tallies.after_click[name] += sum(
            any(_within(click, t) for t in followed) for click in times)
    bought = following.get("purchase", [])
    for record, purpose in zip(found, _answered_purposes(sends, found)):
        if purpose is not None:
            tallies.purpose_clicks[purpose] += 1
            click = record.event.time
            tallies.purpose_bought[purpose] += any(_within(click, t) for t in bought)


def _send_purpose(program: Program, record: EventRecord) -> str | None:
    """A send's content purpose: its row's, else the one the playbook declares for its content."""
    return record.purpose or (program.purpose_of(record.event.content)
                              if record.event.content else None)


def _answered_purposes(sends: list[_Send], clicks: list[EventRecord]) -> list[str | None]:
    """The content purpose of the send each click answers: the latest send before it on its
    channel (any channel for a click without one), as `_read` reads answers."""
    out = []
    for click in clicks:
        answered = [purpose for time, channel, purpose in sends if time <= click.event.time
                    and (click.channel is None or channel == click.channel)]
        out.append(answered[-1] if answered else None)
    return out

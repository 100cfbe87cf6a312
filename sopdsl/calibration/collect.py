"""One pass over customers and events into the sufficient statistics calibration needs.

Customers are read one at a time with their events (see `customers_io`) and tallied a batch
of customers at a time, off their rows' columns (see `rows`, `batch`, `buyers`, `sends`);
only counts, sums and per-customer triples (x, t_x, T) are kept, never rows. Times are
run-time minutes with the cut-off (`--until`) at 0: everything the estimators see happened
before it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calibration import batch as rows_of
from sopdsl.calibration.buyers import (
    AFTER_CLICK_WINDOW, WEEK, Purchases, by_day, latent_rows,
)
from sopdsl.calibration.responses import Responses
from sopdsl.calibration.rows import GatheredRows, Numbering
from sopdsl.calibration.sends import SendBlock
from sopdsl.checker.program import Program
from sopdsl.customers_io import EventRecord
from sopdsl.data_rows import DataProblems, Report
from sopdsl.event_blocks import BlockRows
from sopdsl.histories import HeldProblems
from sopdsl.runtime.replay import CustomerData

# How long after a send an open, click, reply or unfriend still counts as its answer.
RESPONSE_WINDOW = 7 * MINUTES_PER_DAY
# Customers tallied together: large enough for NumPy to pay, small enough that the batch's
# rows take a few megabytes.
BLOCK = 4096
# Events with a behaviour of their own in a scenario: they get no `daily` rate block.
OWN_BEHAVIOUR = frozenset(("friend_added", "friend_deleted", "delivered", "open", "click",
                           "reply", "purchase", "task_done"))
# Attribute kinds whose values are shares; numbers get a normal distribution.
SHARE_KINDS = frozenset(("enum", "bool"))


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


def collect(histories: Iterable[tuple[CustomerData, Sequence[EventRecord] | Sequence[BlockRows]]],
            program: Program, problems: DataProblems, events_file: str, midnight: float = 0.0,
            progress: Callable[[int], None] | None = None,
            reading: HeldProblems | None = None) -> Tallies:
    """The tallies of every customer and their events (records, or rows left in their blocks)
    before the cut-off, which is `midnight` minutes into its day.

    `reading` holds the problems found reading each customer (taken as each comes): they are
    reported in reading order, each customer's before those found tallying them.
    """
    tallies = Tallies(midnight=midnight)
    numbering = Numbering(program)
    sends = SendBlock()
    people: list[CustomerData] = []
    batch = GatheredRows(numbering)
    reports: dict[int, list[Report]] = {}
    for number, (customer, rows) in enumerate(histories, start=1):
        if reading is not None and (taken := reading.take()):
            reports[len(people)] = taken
        people.append(customer)
        batch.add(rows)
        if len(people) == BLOCK:
            _tally(tallies, program, numbering, sends, people, batch, reports, problems,
                   events_file)
            people, batch, reports = [], GatheredRows(numbering), {}
        if progress is not None and number % 1000 == 0:
            progress(1000)
    _tally(tallies, program, numbering, sends, people, batch, reports, problems, events_file)
    if reading is not None:
        problems.add(reading.take())
    if tallies.later:
        problems.report("W614", events_file, tallies.later_line,
                        f"{tallies.later:,} events at or after --until are not used",
                        hint="calibration reads what happened before --until; responses after "
                             "it count as not (yet) seen")
    return tallies


def _tally(tallies: Tallies, program: Program, numbering: Numbering, block: SendBlock,
           people: list[CustomerData], batch: GatheredRows, reports: dict[int, list[Report]],
           problems: DataProblems, events_file: str) -> None:
    """Add a batch of customers to the tallies, and report the problems of each in turn."""
    events = numbering.events
    customer, coded = batch.columns()
    rows, later = rows_of.before_cut_off(customer, coded)
    count = int(np.count_nonzero(later))
    if count:
        if not tallies.later:
            tallies.later_line = int(coded.line[np.flatnonzero(later)[0]])
        tallies.later += count
    tallies.customers += len(people)
    times = rows.rows.time
    if len(times):
        tallies.first_time = min(tallies.first_time, float(times.min()))
    sent = rows_of.sends(rows, events, numbering.channels, numbering.purposes, block)
    block.tally(sent.sends, sent.answers, sent.deletions, RESPONSE_WINDOW, tallies.responses,
                tallies.purpose_responses)
    for who, report in rows_of.unsent_reports(rows, sent.unsent, events, numbering.channels,
                                              events_file):
        reports.setdefault(who, []).append((*report, 1))
    for who in sorted(reports):
        problems.add(reports[who])
    _profile(tallies, program, rows, events, people)
    own = np.array([name in OWN_BEHAVIOUR for name in events.named()], dtype=bool)
    others = ~own[rows.rows.event]
    tallies.events.update(rows_of.first_counts(rows.rows.event[others], events))
    bought = rows.named(events, "purchase")
    _purchases(tallies, rows, events, np.flatnonzero(bought))
    clicks, followed, purposes = rows_of.after_clicks(rows, events, numbering.purposes,
                                                      bought | others, AFTER_CLICK_WINDOW)
    tallies.clicks += clicks
    for name, found in followed:
        tallies.after_click[name] += found
    for name, found in purposes:
        tallies.purpose_clicks[name] += 1
        tallies.purpose_bought[name] += found


def _profile(tallies: Tallies, program: Program, rows: rows_of.Sorted, events: rows_of.Names,
             people: list[CustomerData]) -> None:
    """Arrivals, their exposure, stock and the stock's shares: a friend at the cut-off is in
    the stock."""
    added = np.flatnonzero(rows.named(events, "friend_added"))
    if len(added):
        tallies.arrivals += len(added)
        tallies.first_arrival = min(tallies.first_arrival, float(rows.rows.time[added].min()))
    friend, arrived = rows_of.friends(rows, events, len(people))
    arrived = arrived[~np.isnan(arrived)]
    if len(arrived):
        tallies.joined += len(arrived)
        # Added in customer order, as one customer at a time adds them.
        tallies.joined_days = float(np.add.accumulate(
            np.r_[tallies.joined_days, -arrived / MINUTES_PER_DAY])[-1])
    first_stage = program.settings.stages[0] if program.settings.stages else ""
    for index in np.flatnonzero(friend).tolist():
        customer = people[index]
        tallies.stock += 1
        tallies.tags.update(set(customer.tags))
        tallies.stages[customer.stage or first_stage] += 1
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


def _purchases(tallies: Tallies, rows: rows_of.Sorted, events: rows_of.Names,
               bought: np.ndarray) -> None:
    """Both readings of the buyers' latent purchases; `purchases()` picks the one the data's
    resolution calls for."""
    if not len(bought):
        return
    customer, coded = rows.customer, rows.rows
    clicks = np.flatnonzero(rows.named(events, "click"))
    latent = bought[latent_rows(customer[bought], coded.time[bought], customer[clicks],
                                coded.time[clicks], AFTER_CLICK_WINDOW)]
    if not len(latent):
        return
    buyer, times, amounts = customer[latent], coded.time[latent], coded.amount[latent]
    logs = list(map(math.log, amounts[amounts > 0].tolist()))
    if logs:
        # In order, as one purchase at a time adds them.
        values = tallies.values
        values[0] += len(logs)
        values[1] = float(np.add.accumulate(np.r_[values[1], logs])[-1])
        values[2] = float(np.add.accumulate(np.r_[values[2], [log ** 2 for log in logs]])[-1])
    tallies.by_time.extend(buyer, times / WEEK, amounts, 0.0)
    day_buyer, days, day_values, end, timed = by_day(buyer, times, amounts, tallies.midnight)
    tallies.by_day.extend(day_buyer, days, day_values, end)
    tallies.timed = tallies.timed or timed

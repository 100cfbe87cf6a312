"""Journey triggers, indexed by what sets them off: events, state changes, segments and time."""

from __future__ import annotations

import abc
import calendar
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from sopdsl.syntax import ast
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import WEEKDAYS, Clock, week_index
from sopdsl.runtime.customer import Customer
from sopdsl.runtime.drift import time_can_bring_in
from sopdsl.lunar import FESTIVAL_NAMES, FESTIVALS, LunarDay
from sopdsl.runtime.evaluate import ExprCompiler, Pred
from sopdsl.runtime.yearly import as_yearly, day_in_year
from sopdsl.checker.program import Program

from sopdsl.runtime.journey_program import YEAR, every_weeks


class Schedule(abc.ABC):
    """A trigger that fires at computable moments; `next_after` gives the first after a time."""

    __slots__ = ("journey", "label")
    # What invalidates a cached next moment besides firing: "activity", "attributes" or None.
    depends: str | None = None
    # False when `next_after` reads nothing of the customer: the same moments for everyone.
    per_customer = True

    def __init__(self, journey: str | None, label: str) -> None:
        self.journey = journey  # None for the daily segment check
        self.label = label

    @abc.abstractmethod
    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        """The first moment strictly after `after` at which this fires, None when never."""

    def first_mark(self, now: float) -> float:
        """Where `next_after` starts for a customer followed from `now`: moments before it
        passed and do not fire."""
        return now


class DateSchedule(Schedule):
    """`when birthday - 3d at 10:00`: yearly from a date attribute, solar or lunar
    (`day_in_year` says on which day of each year)."""

    __slots__ = ("attribute", "lunar", "offset", "at")
    depends = "attributes"

    def __init__(self, journey: str, label: str, attribute: str, offset: int, at: int | None,
                 lunar: bool = False) -> None:
        super().__init__(journey, label)
        self.attribute, self.lunar, self.offset, self.at = attribute, lunar, offset, at

    def yearly(self, customer: Customer) -> dt.date | LunarDay | None:
        """The date that recurs, None when the customer has none."""
        return as_yearly(customer.attributes.get(self.attribute), self.lunar)

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        day = self.yearly(customer)
        if day is None:
            return None
        spread = abs(self.offset) // YEAR + 1  # years an offset can move the moment by, rounded up
        year = clock.date_of(after).year
        # From a year earlier: a lunar year's days can fall in the next solar year.
        for year in range(year - spread - 1, year + spread + 2):
            t = clock.at(day_in_year(day, year), 0) + self.offset
            if self.at is not None:
                t = clock.at(clock.date_of(t), self.at)
            if t > after:
                return t
        return None


class FestivalSchedule(DateSchedule):
    """`when mid_autumn - 3d at 10:00`: yearly on a festival's day, the same for everyone."""

    __slots__ = ("festival",)
    depends = None
    per_customer = False

    def __init__(self, journey: str, label: str, festival: str, offset: int,
                 at: int | None) -> None:
        super().__init__(journey, label, festival, offset, at, lunar=True)
        self.festival = FESTIVALS[FESTIVAL_NAMES[festival]][1]

    def yearly(self, customer: Customer) -> LunarDay:
        return self.festival


class EverySchedule(Schedule):
    """`when every day|WEEKDAY|Nw on WEEKDAY at HH:MM`: a broadcast to the journey's audience."""

    __slots__ = ("weekday", "weeks", "at")
    per_customer = False

    def __init__(self, journey: str, label: str, weekday: int | None, weeks: int, at: int):
        super().__init__(journey, label)
        self.weekday, self.weeks, self.at = weekday, weeks, at

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        if self.weekday is None:
            return clock.next_time(after, self.at, strict=True)
        t = clock.next_weekday(after, self.weekday, self.at, strict=True)
        while week_index(clock.date_of(t)) % self.weeks:
            t = clock.next_weekday(t, self.weekday, self.at, strict=True)
        return t


class MonthlySchedule(Schedule):
    """`when every month on D at HH:MM`: a day past a month's end (31 in April) and `last` are
    the month's last day."""

    __slots__ = ("day", "at")
    per_customer = False

    def __init__(self, journey: str, label: str, day: int | None, at: int) -> None:
        super().__init__(journey, label)
        self.day, self.at = day, at  # day None: the last

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        start = clock.date_of(after)
        for months in range(3):
            year, month = divmod(start.month - 1 + months, 12)
            t = clock.at(month_day(start.year + year, month + 1, self.day), self.at)
            if t > after:
                return t
        raise AssertionError("a day of the month recurs within two months")


class DatedSchedule(Schedule):
    """`when every day at 10:00 in 2026-11-01..2026-11-11`: a schedule's moments on those local
    days only, both included."""

    __slots__ = ("inner", "first", "last")

    def __init__(self, inner: Schedule, first: dt.date, last: dt.date) -> None:
        super().__init__(inner.journey, f"{inner.label} in {first}..{last}")
        self.inner, self.first, self.last = inner, first, last

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        t = self.inner.next_after(customer, clock, max(after, clock.at(self.first, 0) - 1))
        while t is not None and clock.date_of(t) < self.first:
            t = self.inner.next_after(customer, clock, t)
        return t if t is not None and clock.date_of(t) <= self.last else None


class MomentSchedule(Schedule):
    """`when at 2026-06-18 20:00` and `when campaign 618 starts peak`: once, at a local date
    and time, the same moment for every customer followed before it."""

    __slots__ = ("day", "at")
    per_customer = False

    def __init__(self, journey: str, label: str, day: dt.date, at: int) -> None:
        super().__init__(journey, label)
        self.day, self.at = day, at

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        t = clock.at(self.day, self.at)
        return t if t > after else None


class InactiveSchedule(Schedule):
    """`when inactive D`: D after the last open, click, reply, purchase or store visit."""

    __slots__ = ("minutes",)
    depends = "activity"

    def __init__(self, journey: str, label: str, minutes: int) -> None:
        super().__init__(journey, label)
        self.minutes = minutes

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        history = customer.history
        # With no activity yet, inactivity counts from becoming a friend, else from being known.
        # `is None`, not falsiness: minute 0.0, the start of the forecast or plan, is a time.
        start = history.last_activity
        if start is None:
            start = history.last_added if history.last_added is not None else customer.since
        t = start + self.minutes
        return t if t > after else None


class CurrentMembers(Schedule):
    """`when enter SEGMENT including current`: once, at the moment a customer is first
    followed, when they are in the segment then."""

    __slots__ = ("is_in",)

    def __init__(self, journey: str, label: str, is_in: Pred) -> None:
        super().__init__(journey, label)
        self.is_in = is_in

    def first_mark(self, now: float) -> float:
        return -math.inf  # the first moment followed is itself a moment this fires at

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        since = customer.since
        return since if after < since and self.is_in(customer, since) else None


class SegmentCheck(Schedule):
    """The daily re-evaluation of `when enter SEGMENT` segments, at local midnight. `by_time`:
    the segments time alone can bring a customer into; `by_refunds`: those it can only when a
    refund (a negative purchase amount) leaves a windowed sum. A customer outside every other
    segment can enter one only at an event or change of state, where it is checked anyway."""

    __slots__ = ("by_time", "by_refunds")
    per_customer = False

    def __init__(self, program: Program, segments: Iterable[str]) -> None:
        super().__init__(None, "daily segment check")
        exprs = {name: program.segments[name].expr for name in segments}
        self.by_time = frozenset(n for n, e in exprs.items() if time_can_bring_in(e, program))
        self.by_refunds = frozenset(n for n, e in exprs.items() if n not in self.by_time
                                    and time_can_bring_in(e, program, refunds=True))

    def next_after(self, customer: Customer, clock: Clock, after: float) -> float | None:
        return clock.next_time(after, 0, strict=True)


@dataclass
class Triggers:
    """Every journey's triggers, indexed for the interpreter."""

    on_event: dict[str, list[tuple[str, str | None, str]]] = field(default_factory=dict)
    on_stage: dict[str, list[str]] = field(default_factory=dict)
    on_tag: dict[str, list[str]] = field(default_factory=dict)
    segments: dict[str, Pred] = field(default_factory=dict)  # with `when enter` journeys
    on_segment: dict[str, list[str]] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)


def index_triggers(program: Program, compiler: ExprCompiler, for_groups: bool = False,
                   ) -> Triggers:
    """The triggers of every journey for customers (`for_groups`: for customer groups) in
    declaration order (the program must be valid)."""
    index = Triggers()
    for name, journey in program.journeys.items():
        if journey.for_groups != for_groups:
            continue
        for clause in journey.clauses:
            if isinstance(clause, ast.When):
                for trigger in clause.triggers:
                    _add(index, program, compiler, name, trigger)
    if index.segments:
        index.schedules.append(SegmentCheck(program, index.segments))
    return index


def _add(
    index: Triggers, program: Program, compiler: ExprCompiler, journey: str, trigger: ast.Trigger,
) -> None:
    match trigger:
        case ast.EventTrigger() if program.is_date_trigger(trigger.event):
            name = trigger.event.name.name
            index.schedules.append(_yearly(program, journey, name, name, 0, None))
        case ast.EventTrigger():
            event, content = trigger.event.name.name, trigger.event.content
            label = event if content is None else f"{event}({content.name})"
            index.on_event.setdefault(event, []).append(
                (journey, content.name if content else None, label))
        case ast.DateTrigger():
            offset = trigger.offset.minutes if trigger.offset else 0
            sign = -1 if trigger.sign == "-" else 1
            index.schedules.append(_yearly(
                program, journey, _date_label(trigger), trigger.attribute.name, sign * offset,
                trigger.at.minutes if trigger.at else None))
        case ast.EveryTrigger(unit="month"):
            day = None if trigger.month_day == "last" else trigger.month_day
            index.schedules.append(_within_dates(trigger, MonthlySchedule(
                journey, f"every month on {trigger.month_day} at {trigger.at.text}", day,
                trigger.at.minutes)))
        case ast.EveryTrigger():
            index.schedules.append(_within_dates(trigger, _every(journey, trigger)))
        case ast.OnceTrigger():
            index.schedules.append(MomentSchedule(
                journey, f"at {trigger.date.text} {trigger.at.text}", trigger.date.value,
                trigger.at.minutes))
        case ast.CampaignTrigger():
            at = f" at {trigger.at.text}" if trigger.at else ""
            day = phase_first_day(program, trigger)
            if day is not None:
                index.schedules.append(MomentSchedule(
                    journey, f"campaign {trigger.campaign.name} starts {trigger.phase.name}{at}",
                    day, trigger.at.minutes if trigger.at else 0))
        case ast.InactiveTrigger():
            index.schedules.append(InactiveSchedule(
                journey, f"inactive {trigger.duration.text}", trigger.duration.minutes))
        case ast.StageTrigger():
            index.on_stage.setdefault(trigger.stage.name, []).append(journey)
        case ast.TagAddedTrigger():
            index.on_tag.setdefault(trigger.tag.value, []).append(journey)
        case ast.EnterTrigger():
            segment = trigger.segment.name
            index.segments[segment] = compiler.segment(segment)
            index.on_segment.setdefault(segment, []).append(journey)
            if trigger.current:
                index.schedules.append(CurrentMembers(
                    journey, f"enter {segment} including current", index.segments[segment]))


def _yearly(program: Program, journey: str, label: str, name: str, offset: int,
            at: int | None) -> DateSchedule:
    """The schedule of a yearly trigger on a date attribute or, when none is declared, a
    festival (the checker has seen to it that it is one or the other)."""
    info = program.attributes.get(name)
    if info is None:
        return FestivalSchedule(journey, label, name, offset, at)
    return DateSchedule(journey, label, name, offset, at, lunar=info.type == "lunar_date")


def _date_label(trigger: ast.DateTrigger) -> str:
    label = trigger.attribute.name
    if trigger.offset:
        label += f" {trigger.sign} {trigger.offset.text}"
    return label + (f" at {trigger.at.text}" if trigger.at else "")


def _within_dates(trigger: ast.EveryTrigger, schedule: Schedule) -> Schedule:
    if trigger.first is None or trigger.last is None:
        return schedule
    return DatedSchedule(schedule, trigger.first.value, trigger.last.value)


def _every(journey: str, trigger: ast.EveryTrigger) -> EverySchedule:
    at = trigger.at.minutes
    if trigger.unit == "day":
        return EverySchedule(journey, f"every day at {trigger.at.text}", None, 1, at)
    weekday = WEEKDAYS.index(trigger.weekday or "monday")
    if trigger.unit == "weekday":
        label = f"every {trigger.weekday} at {trigger.at.text}"
        return EverySchedule(journey, label, weekday, 1, at)
    weeks = every_weeks(trigger)
    label = f"every {trigger.interval.text if trigger.interval else '1w'} on {trigger.weekday}"
    return EverySchedule(journey, f"{label} at {trigger.at.text}", weekday, weeks, at)


def phase_first_day(program: Program, trigger: ast.CampaignTrigger) -> dt.date | None:
    """The first day of the phase a `campaign ... starts PHASE` trigger names (None for a
    campaign or phase that does not exist: lint compiles playbooks with errors too)."""
    decl = program.campaigns.get(trigger.campaign.name)
    phases = decl.phases if decl is not None else []
    return next((p.start.value for p in phases if p.name.name == trigger.phase.name), None)


def month_day(year: int, month: int, day: int | None) -> dt.date:
    """Day `day` of a month, or its last day when the month is shorter or `day` is None."""
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, last if day is None else min(day, last))


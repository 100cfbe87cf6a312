"""Timing without a customer: when an instruction wakes, from what is known of the local time.

The instructions' own `wake_at` (the function a run calls) runs on a reference clock whose
minute 0 is a Monday midnight in UTC, so a known time of day and weekday are a moment on it.
What is not known is tried in full: every minute of the day, every weekday, and the earliest
wake-up wins. A local time that the instruction fixes whatever it started from (`wait ... at
10:00` ends at 10:00) is known afterwards. Daylight-saving jumps are not modelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import WEEK_ANCHOR, Clock
from sopdsl.runtime.steps import Instruction

REFERENCE = Clock(dt.datetime.combine(WEEK_ANCHOR, dt.time()), "UTC")
_VARIES = -1  # among the minutes of the day wake-ups fall on: more than one


@dataclass(frozen=True, slots=True)
class LocalTime:
    """What is known of the local time at a moment: the minute of the day, the weekday."""

    minute: int | None = None
    weekday: int | None = None  # Monday 0 .. Sunday 6

    def after(self, minutes: int) -> LocalTime:
        """The local time `minutes` later (the weekday follows only from a known time of day)."""
        if self.minute is None:
            return LocalTime()
        days, minute = divmod(self.minute + minutes, MINUTES_PER_DAY)
        return LocalTime(minute, None if self.weekday is None else (self.weekday + days) % 7)


def static_wake(instruction: Instruction, local: LocalTime) -> tuple[int, LocalTime]:
    """Minutes until the instruction lets control go on, and the local time then.

    Exact when the parts of the local time it reads are known; otherwise the least over every
    value they can have, with what is then the same for all of them known afterwards.
    """
    reads = instruction.reads_clock
    if not reads:
        delay = int(instruction.wake_at(REFERENCE, 0.0))
        return delay, local.after(delay)
    tries_weekdays = local.weekday is None and "weekday" in reads
    weekdays = range(7) if tries_weekdays else (local.weekday or 0,)
    starts = _Starts(instruction)
    for weekday in weekdays:
        day = weekday * MINUTES_PER_DAY
        if local.minute is None:
            starts.scan(day, day + MINUTES_PER_DAY - 1)
        else:
            starts.scan(day + local.minute, day + local.minute)
    weekday_known = local.weekday is not None or tries_weekdays
    return starts.least, LocalTime(_same(starts.minutes),
                                   _same(starts.weekdays) if weekday_known else None)


@dataclass
class _Starts:
    """Wake-ups over ranges of start minutes: the least delay, the local times they end at.

    A wake-up never comes before its start and never earlier for a later start, so a range
    whose ends wake at one moment all wake then (the latest start waits least), and one whose
    ends wake on one date with no wait at an end waits nothing at best and ends on that date.
    """

    instruction: Instruction
    least: int = 2**62
    minutes: set[int] = field(default_factory=set)
    weekdays: set[int] = field(default_factory=set)

    def scan(self, first: int, last: int) -> None:
        pending = [(first, last)]
        while pending:
            lo, hi = pending.pop()
            a, b = self._wake(lo), self._wake(hi)
            if a == b:
                self._end(b - hi, b)
            elif hi - lo == 1:
                self._end(a - lo, a)
                self._end(b - hi, b)
            elif REFERENCE.date_of(a) == REFERENCE.date_of(b) and min(a - lo, b - hi) == 0:
                self._end(0, a)
                self.minutes.add(_VARIES)
            else:
                middle = (lo + hi) // 2
                pending += [(middle, hi), (lo, middle)]

    def _wake(self, start: int) -> int:
        return int(self.instruction.wake_at(REFERENCE, start))

    def _end(self, delay: int, wake: int) -> None:
        self.least = min(self.least, delay)
        self.minutes.add(int(REFERENCE.minute_of_day(wake)))
        self.weekdays.add(REFERENCE.weekday(wake))


def _same(values: set[int]) -> int | None:
    return next(iter(values)) if len(values) == 1 and _VARIES not in values else None

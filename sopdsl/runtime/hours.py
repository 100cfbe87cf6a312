"""Daily hours: quiet hours and staff working hours, the moments they give (inside, the next
moment outside, the next working moment, due times) and the working time between two moments.

`DailyHours` is a window of the local day; on its own it answers questions about times of day
(the lint rules, which know no dates). `ClockHours` puts it on a run-time `Clock`, so every day's
window is read on the wall clock of the playbook's zone, summer time included, and on the working
days of a `workdays` calendar only (staff hours; quiet hours hold every day).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

from sopdsl.builtins import DEFAULT_STAFF_HOURS, MINUTES_PER_DAY
from sopdsl.calendars import Workdays
from sopdsl.runtime.clock import Clock

_ONE_DAY = dt.timedelta(days=1)
# The longest run of days off a calendar may have: past it, the hours have no working day.
_MAX_DAYS_OFF = 366
Stretch = tuple[float, float]  # run-time minutes: start (inside), end (outside)


def clock_text(minute: int) -> str:
    """A minute of the day as `HH:MM`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class DailyHours:
    """`start`-`end` of every day, in minutes since midnight; the start is inside, the end is
    not. It wraps midnight when end < start (`21:30-08:30`) and is empty when they are equal;
    `0`-`MINUTES_PER_DAY` is around the clock."""

    start: int
    end: int

    @property
    def wraps(self) -> bool:
        """Whether the window runs past midnight into the next day."""
        return self.end < self.start

    @property
    def length(self) -> int:
        """Minutes a day."""
        return self.end - self.start + (MINUTES_PER_DAY if self.wraps else 0)

    @property
    def text(self) -> str:
        """`21:30-08:30`."""
        return f"{clock_text(self.start)}-{clock_text(self.end)}"

    def contains(self, minute: float) -> bool:
        """Whether a minute of the day is inside: 23:00 and 07:00 are inside `21:30-08:30`,
        08:30 is not."""
        if self.wraps:
            return minute >= self.start or minute < self.end
        return self.start <= minute < self.end

    def minutes_in(self, start: int, length: int) -> int:
        """Minutes of these hours in `[start, start + length)`, `start` a minute of the day, on
        days of 24 hours (whole days at once, then the rest)."""
        return self._since_midnight(start + length) - self._since_midnight(start)

    def least_minutes_in(self, length: int) -> tuple[int, int]:
        """The fewest minutes of these hours a window of `length` can hold, and the first start
        time (from the end of the hours on) that gives it."""
        return _least_minutes_in(self, length)

    def _since_midnight(self, minute: int) -> int:
        """Minutes of these hours from midnight of day 0 up to `minute`."""
        days, rest = divmod(minute, MINUTES_PER_DAY)
        spans = ((0, self.end), (self.start, MINUTES_PER_DAY)) if self.wraps \
            else ((self.start, self.end),)
        return sum(days * (high - low) + max(0, min(rest, high) - low) for low, high in spans)


def _clock_minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# When staff work unless told otherwise: what lint and `plan` assume.
DEFAULT_WORKING_HOURS = DailyHours(*(_clock_minute(t) for t in DEFAULT_STAFF_HOURS))


@functools.cache
def _least_minutes_in(hours: DailyHours, length: int) -> tuple[int, int]:
    starts = [(hours.end + offset) % MINUTES_PER_DAY for offset in range(MINUTES_PER_DAY)]
    least = min(starts, key=lambda start: hours.minutes_in(start, length))
    return hours.minutes_in(least, length), least


class ClockHours:
    """Daily hours on the run-time clock: each working day's window from its local start to its
    local end, so a window is 23 or 25 hours of real time apart from the next across a
    summer-time change, and the hours of work in it are the wall clock's. A window belongs to
    the date it starts on; a day off has none."""

    __slots__ = ("daily", "clock", "workdays", "_days", "_last", "_due")

    def __init__(self, daily: DailyHours, clock: Clock, workdays: Workdays | None = None) -> None:
        self.daily, self.clock = daily, clock
        self.workdays = workdays or Workdays()
        # Each date's window, once worked out: every send and delivery asks for one.
        self._days: dict[dt.date, Stretch | None] = {}
        # The last answer of `_day_of` and the moments [low, high) it holds for: most calls
        # come in time order, many from the same window.
        self._last: tuple[float, float, tuple[dt.date, Stretch] | None] = (0.0, 0.0, None)
        # The last answer of `due_after` and the moments [low, high) it holds for (its second
        # window would push the first out of `_last` at every call).
        self._due: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def window(self, t: float) -> Stretch:
        """The window `t` falls in, else the next one; (inf, inf) for empty hours."""
        return self._day_of(t)[1]

    def _day_of(self, t: float) -> tuple[dt.date, Stretch]:
        """The window `t` falls in, else the next one, and the local date it starts on."""
        low, high, last = self._last
        if low <= t < high:
            return last  # type: ignore[return-value]
        day = self.clock.date_of(t)
        if self.daily.length == 0:
            return day, (math.inf, math.inf)
        # A window that wraps midnight may have started the day before.
        day, window = self._next(day - _ONE_DAY)
        while window[1] <= t:
            day, window = self._next(day + _ONE_DAY)
        # The first window ending after t is also the answer for every moment from t to its end.
        found = (day, window)
        self._last = (min(low, t) if found == last else t, window[1], found)
        return found

    def _next(self, day: dt.date) -> tuple[dt.date, Stretch]:
        """The first working day from `day` on, and its window."""
        for _ in range(_MAX_DAYS_OFF):
            window = self._on(day)
            if window is not None:
                return day, window
            day += _ONE_DAY
        raise AssertionError(f"`workdays {self.workdays.name}` has a year without working days")

    def _on(self, day: dt.date) -> Stretch | None:
        """The window that starts on the local date `day`, None on a day off."""
        if day in self._days:
            return self._days[day]
        daily, clock = self.daily, self.clock
        found = self._days[day] = (
            (clock.at(day, daily.start),
             clock.at(day + _ONE_DAY if daily.wraps else day, daily.end))
            if self.workdays.is_workday(day) else None)
        return found

    def inside(self, t: float) -> bool:
        """Whether `t` is inside the hours."""
        return self.window(t)[0] <= t

    def release(self, t: float) -> float:
        """`t`, or the end of the window it falls in: the first moment outside from `t` on."""
        start, end = self.window(t)
        return end if start <= t else t

    def next_open(self, t: float) -> float:
        """`t`, or the start of the next window: the first moment inside from `t` on."""
        return max(t, self.window(t)[0])

    def due_after(self, t: float) -> float:
        """The end of the window after the one `t` falls in (or comes before): "by the end of
        the next working day"."""
        low, high, due = self._due
        if low <= t < high:
            return due
        # Every moment from t to the end of its window has that window, so the same answer.
        end = self.window(t)[1]
        due = self.window(end)[1]
        self._due = (t, end, due)
        return due

    def after_working(self, t: float, minutes: float) -> float:
        """The moment `minutes` of these hours have passed from `t` (inf for empty hours)."""
        day, window = self._day_of(t)
        left = minutes
        while window[0] < math.inf:
            start = max(window[0], t)
            if window[1] - start >= left:
                return start + left
            left -= window[1] - start
            day, window = self._next(day + _ONE_DAY)
        return math.inf

    def windows(self, since: float, until: float) -> list[Stretch]:
        """Every window that ends after `since` and starts before `until`, in order."""
        found = []
        day, window = self._day_of(since)
        while window[0] < until:
            found.append(window)
            day, window = self._next(day + _ONE_DAY)
        return found

    def minutes_between(self, a: float, b: float) -> float:
        """Minutes of the hours inside `[a, b)`, one window (one day) at a time."""
        if b <= a:
            return 0.0
        return sum(min(end, b) - max(start, a) for start, end in self.windows(a, b))


def due_time(created: float, due_in: float | None, wall: bool, hours: ClockHours) -> float | None:
    """When work made at `created` with `due D` is due: D of the staff's working time later,
    each whole day of D a working day (`due 1d` is one working day of the hours, `due 2h` two
    working hours; days off under the `workdays` calendar hold none); `due D wall` is D of
    wall-clock time. None without a due."""
    if due_in is None:
        return None
    if wall:
        return created + due_in
    days, rest = divmod(due_in, MINUTES_PER_DAY)
    return hours.after_working(created, days * hours.daily.length + rest)


class WorkingTime:
    """When staff work, and the quiet hours when no customer may be messaged."""

    __slots__ = ("staff", "quiet")

    def __init__(self, staff: ClockHours, quiet: ClockHours | None) -> None:
        self.staff, self.quiet = staff, quiet

    def work_window(self, t: float, due: float | None = None) -> Stretch:
        """Staff work asked for at `t`: from the next working moment to `due`, or without a
        due time to the end of that working day."""
        start = self.staff.next_open(t)
        if due is not None and due > start:
            return start, due
        return start, self.staff.window(start)[1]

    def send_window(self, earliest: float) -> Stretch:
        """A staff-confirmed send allowed from `earliest`: confirmed from the next working
        moment, delivered from the end of the quiet hours that moment falls in; until the
        working day ends or quiet hours begin."""
        start = self.staff.next_open(earliest)
        if self.quiet is None:
            return start, self.staff.window(start)[1]
        start = self.quiet.release(start)
        return start, min(self.staff.window(start)[1], self.quiet.window(start)[0])

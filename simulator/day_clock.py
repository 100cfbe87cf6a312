"""A Clock that answers date and time-of-day questions from a table of the simulated days.

The interpreter asks for the local date or minute of the day on almost every step (quiet hours,
waits `at`, daily WeCom limits); converting through the time zone each time is a large share of
a simulation. Days whose UTC offset is the same at both ends are answered from the table; other
moments (summer-time switch days, times outside the table) go through the time zone as before.
"""

from __future__ import annotations

import bisect
import datetime as dt

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import Clock



class DayTableClock(Clock):
    """`Clock` with a precomputed table of local days from `first` for `days` days."""

    __slots__ = ("_starts", "_dates", "_plain", "_last")

    def __init__(self, epoch: dt.datetime, timezone: str, first: dt.date, days: int) -> None:
        super().__init__(epoch, timezone)
        self._last = (0.0, 0.0, -1)  # the last day found: [its start, the next day's), index
        dates = [first + dt.timedelta(days=k) for k in range(days + 1)]
        starts = [self.at(day, 0) for day in dates]
        self._starts = starts
        self._dates = dates[:-1]
        # A day can use the table when it is 24 hours long with one offset throughout.
        self._plain = [
            starts[k + 1] - starts[k] == MINUTES_PER_DAY
            and self.local(starts[k]).utcoffset() == self.local(starts[k + 1] - 1e-3).utcoffset()
            for k in range(days)
        ]

    def _day(self, t: float) -> int:
        low, high, index = self._last
        if low <= t < high:
            return index
        index = bisect.bisect_right(self._starts, t) - 1
        if 0 <= index < len(self._dates) and self._plain[index]:
            self._last = (self._starts[index], self._starts[index + 1], index)
            return index
        return -1

    def date_of(self, t: float) -> dt.date:
        """The local calendar date at `t`."""
        index = self._day(t)
        return self._dates[index] if index >= 0 else super().date_of(t)

    def minute_of_day(self, t: float) -> float:
        """Minutes since local midnight at `t`."""
        index = self._day(t)
        return t - self._starts[index] if index >= 0 else super().minute_of_day(t)

    def weekday(self, t: float) -> int:
        """The local weekday at `t`, Monday 0 .. Sunday 6."""
        return self.date_of(t).weekday()

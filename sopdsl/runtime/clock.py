"""Run-time time: float minutes since an epoch, mapped to wall-clock time in the playbook's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sopdsl.builtins import MINUTES_PER_DAY

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A Monday: `every 2w on friday` fires in the weeks whose index from here is a multiple of 2,
# so every driver (simulator, planner, any start date) agrees on which Fridays those are.
WEEK_ANCHOR = dt.date(1970, 1, 5)
class Clock:
    """Maps run-time minutes to local dates and times; naive datetimes are read as local."""

    __slots__ = ("epoch", "tz", "_epoch_utc", "_at_cache")

    def __init__(self, epoch: dt.datetime, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)
        self.epoch = epoch if epoch.tzinfo else epoch.replace(tzinfo=self.tz)
        self._epoch_utc = self.epoch.astimezone(dt.timezone.utc)
        self._at_cache: dict[tuple[int, int], float] = {}

    def local(self, t: float) -> dt.datetime:
        """The local wall-clock datetime at run-time `t`."""
        return (self._epoch_utc + dt.timedelta(minutes=t)).astimezone(self.tz)

    def minutes(self, when: dt.datetime) -> float:
        """Run-time minutes of a datetime (naive means local in the playbook's zone)."""
        aware = when if when.tzinfo else when.replace(tzinfo=self.tz)
        return (aware - self._epoch_utc).total_seconds() / 60

    def date_of(self, t: float) -> dt.date:
        """The local calendar date at `t`."""
        return self.local(t).date()

    def minute_of_day(self, t: float) -> float:
        """Minutes since local midnight at `t`."""
        local = self.local(t)
        return local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7

    def weekday(self, t: float) -> int:
        """The local weekday at `t`, Monday 0 .. Sunday 6."""
        return self.local(t).weekday()

    def at(self, day: dt.date, minute_of_day: int) -> float:
        """Run-time minutes of a local date at a time of day (minutes since midnight; 24:00 is
        the next day's midnight)."""
        key = (day.toordinal(), minute_of_day)
        found = self._at_cache.get(key)
        if found is None:
            days, minute = divmod(minute_of_day, MINUTES_PER_DAY)
            day += dt.timedelta(days=days)
            hour, minute = divmod(minute, 60)
            found = self.minutes(dt.datetime(day.year, day.month, day.day, hour, minute))
            self._at_cache[key] = found
        return found

    def next_time(self, t: float, minute_of_day: int, strict: bool = False) -> float:
        """The first moment at or after `t` (after, when strict) that is the given time of day."""
        day = self.date_of(t)
        for offset in range(3):
            candidate = self.at(day + dt.timedelta(days=offset), minute_of_day)
            if candidate > t or (candidate == t and not strict):
                return candidate
        raise AssertionError("a time of day recurs within three days")

    def next_weekday(
        self, t: float, weekday: int, minute_of_day: int = 0, strict: bool = False,
    ) -> float:
        """The first moment at or after `t` (after, when strict) on `weekday` at the time of day."""
        day = self.date_of(t)
        day += dt.timedelta(days=(weekday - day.weekday()) % 7)
        for offset in (0, 7, 14):
            candidate = self.at(day + dt.timedelta(days=offset), minute_of_day)
            if candidate > t or (candidate == t and not strict):
                return candidate
        raise AssertionError("a weekday recurs within two weeks")

    def period_key(self, t: float, unit: str) -> tuple[int, ...]:
        """The calendar `day`, `week` (ISO) or `month` containing `t`, as a comparable key."""
        day = self.date_of(t)
        if unit == "day":
            return (day.toordinal(),)
        if unit == "week":
            year, week, _ = day.isocalendar()
            return (year, week)
        return (day.year, day.month)

    def period_start(self, t: float, unit: str) -> float:
        """The first moment of the calendar `day`, `week` (Monday on) or `month` holding `t`."""
        day = self.date_of(t)
        if unit == "week":
            day -= dt.timedelta(days=day.weekday())
        elif unit == "month":
            day = day.replace(day=1)
        return self.at(day, 0)


def week_index(day: dt.date) -> int:
    """Whole weeks from the fixed anchor Monday to the week containing `day`."""
    return (day - WEEK_ANCHOR).days // 7

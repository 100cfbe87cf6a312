"""Calendars of dates: which dates staff work on (the playbook's `workdays`).

`every_day` (the default) and `mon_fri` are rules of the week. `china` is the statutory holiday
calendar of the People's Republic of China with its 调休 make-up working days, read from the
`chinesecalendar` package, which knows only the years the State Council has published. A date
outside them counts as `mon_fri` would, with no statutory holidays, and the checker warns of it
(W333) wherever a run is dated, so the assumption is never silent.
"""

from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar

# The names `workdays` takes, with what each means (docs/playbooks.md lists them too).
WORKDAY_CALENDARS = {
    "every_day": "staff work every day",
    "mon_fri": "staff work Monday to Friday",
    "china": "mainland China's working days: no statutory holidays, 调休 weekends worked",
}
DEFAULT_WORKDAYS = "every_day"


@functools.cache
def china_years() -> range:
    """The years the statutory holiday calendar covers."""
    years = {day.year for day in (*chinese_calendar.holidays, *chinese_calendar.workdays)}
    return range(min(years), max(years) + 1)


def years_text(years: range) -> str:
    """`2004-2026`."""
    return f"{years.start}-{years.stop - 1}"


class Workdays:
    """One `workdays` calendar: whether a date is a working day for staff."""

    __slots__ = ("name",)

    def __init__(self, name: str = DEFAULT_WORKDAYS) -> None:
        if name not in WORKDAY_CALENDARS:
            raise ValueError(f"unknown workdays calendar {name!r}")
        self.name = name

    @property
    def every_day(self) -> bool:
        """Whether every date is a working day (no calendar to consult)."""
        return self.name == "every_day"

    def is_workday(self, day: dt.date) -> bool:
        """Whether staff work on `day` (under `china`, Monday to Friday in a year the
        statutory calendar does not know yet)."""
        if self.name == "every_day":
            return True
        if self.name == "mon_fri" or day.year not in china_years():
            return day.weekday() < 5
        return chinese_calendar.is_workday(day)

    def is_holiday(self, day: dt.date) -> bool:
        """Whether `day` is a day off: the negation of `is_workday`."""
        return not self.is_workday(day)


def is_statutory_holiday(day: dt.date) -> bool:
    """Whether `day` is a day of a published statutory holiday break: weekends inside the break
    count, 调休 working days do not; none in a year the calendar does not know yet."""
    if day.year not in china_years():
        return False
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return bool(on_holiday and name is not None)

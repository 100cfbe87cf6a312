"""Yearly days: a date attribute's day in a year, solar or lunar, and the festivals'.

The one rule `when birthday`, `when lunar_birthday - 3d`, `when mid_autumn` and `today is ...`
read: a solar date recurs on its month and day (Feb 29 on Feb 28 in common years), a lunar date
on `sopdsl.lunar.solar_day` of its lunar year.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sopdsl.builtins import YEARLY_TYPES
from sopdsl.checker.program import Program
from sopdsl.lunar import LunarDay, as_lunar, festival_day, solar_day, to_lunar


def as_date(value: object) -> dt.date | None:
    """A date attribute's value as a date (dates, datetimes and ISO strings), else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def anniversary(day: dt.date, year: int) -> dt.date:
    """`day`'s anniversary in `year`; a Feb 29 date falls on Feb 28 in common years."""
    try:
        return day.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def as_yearly(value: object, lunar: bool) -> dt.date | LunarDay | None:
    """A yearly attribute's value: a lunar date when the attribute is `lunar_date`."""
    return as_lunar(value) if lunar else as_date(value)


def day_in_year(value: dt.date | LunarDay, year: int) -> dt.date:
    """The day a yearly date falls on in `year` (for a lunar date: in that lunar year, which
    may end in January or February of the next solar year)."""
    if isinstance(value, LunarDay):
        return solar_day(value, year)
    return anniversary(value, year)


def is_yearly_day(value: dt.date | LunarDay, day: dt.date) -> bool:
    """Whether `day` is the yearly date's day of its year."""
    if isinstance(value, LunarDay):
        return solar_day(value, to_lunar(day).year) == day  # type: ignore[arg-type]
    return anniversary(value, day.year) == day


def is_festival(name: str, day: dt.date) -> bool:
    """Whether `day` is the festival (its ASCII or Chinese name)."""
    return festival_day(name, to_lunar(day).year) == day  # type: ignore[arg-type]


class YearlyAttributes:
    """A program's yearly attributes (dates and lunar dates), read as yearly days."""

    def __init__(self, program: Program) -> None:
        # Each yearly attribute with whether it is lunar.
        self.lunar = {name: info.type == "lunar_date" for name, info in program.attributes.items()
                      if info.type in YEARLY_TYPES}

    def normalized(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """The attributes with each yearly one's value as `as_yearly` reads it."""
        lunar = self.lunar
        return {name: as_yearly(value, lunar[name]) if name in lunar and value is not None
                else value for name, value in attributes.items()}

"""Tests for the run-time clock: local dates and times, next moments, periods."""

from __future__ import annotations

import datetime as dt

import pytest

from runtime_kit import CLOCK, at, show
from sopdsl.runtime.clock import Clock, week_index

def test_minutes_round_trip_through_local_time():
    """A naive datetime is local time, and minutes map back to the same wall-clock time."""
    t = CLOCK.minutes(dt.datetime(2026, 12, 1, 10, 15))
    assert t == 24 * 60 + 10 * 60 + 15
    assert CLOCK.local(t).replace(tzinfo=None) == dt.datetime(2026, 12, 1, 10, 15)
    utc = dt.datetime(2026, 12, 1, 2, 15, tzinfo=dt.timezone.utc)
    assert CLOCK.minutes(utc) == t


def test_date_weekday_and_minute_of_day():
    """The local date, weekday and minute of day of a run-time minute."""
    t = at("12-05 23:45")
    assert CLOCK.date_of(t) == dt.date(2026, 12, 5)
    assert CLOCK.weekday(t) == 5
    assert CLOCK.minute_of_day(t) == 23 * 60 + 45


def test_next_time_is_at_or_after_unless_strict():
    """At exactly the time of day the next time is now; strictly, it is tomorrow."""
    assert show(CLOCK.next_time(at("12-01 10:00"), 600)) == "12-01 10:00"
    assert show(CLOCK.next_time(at("12-01 10:00"), 600, strict=True)) == "12-02 10:00"
    assert show(CLOCK.next_time(at("12-01 23:59"), 600)) == "12-02 10:00"


def test_next_weekday():
    """The next Saturday 10:00 from a Tuesday, from a Saturday before and after 10:00."""
    assert show(CLOCK.next_weekday(at("12-01 15:00"), 5, 600)) == "12-05 10:00"
    assert show(CLOCK.next_weekday(at("12-05 09:00"), 5, 600)) == "12-05 10:00"
    assert show(CLOCK.next_weekday(at("12-05 11:00"), 5, 600)) == "12-12 10:00"


@pytest.mark.parametrize(("when", "unit", "start", "key"), [
    ("12-03 15:00", "day", "12-03 00:00", (dt.date(2026, 12, 3).toordinal(),)),
    ("12-03 15:00", "week", "11-30 00:00", (2026, 49)),
    ("12-31 23:59", "month", "12-01 00:00", (2026, 12)),
])
def test_calendar_periods(when, unit, start, key):
    """Calendar periods start at local midnight, on Monday, on the 1st."""
    assert show(CLOCK.period_start(at(when), unit)) == start
    assert CLOCK.period_key(at(when), unit) == key


def test_daylight_saving_day_is_23_hours():
    """In a zone with summer time, the spring-forward day is 23 hours of run time."""
    clock = Clock(dt.datetime(2026, 3, 1), "America/New_York")
    assert clock.at(dt.date(2026, 3, 8), 720) - clock.at(dt.date(2026, 3, 7), 720) == 23 * 60
    assert clock.at(dt.date(2026, 3, 9), 720) - clock.at(dt.date(2026, 3, 8), 720) == 24 * 60


def test_week_index_counts_whole_weeks_from_a_fixed_monday():
    """Consecutive weeks alternate parity, and every day of a week has the same index."""
    monday = dt.date(2026, 11, 30)
    assert week_index(monday) == week_index(monday + dt.timedelta(days=6))
    assert week_index(monday + dt.timedelta(days=7)) == week_index(monday) + 1

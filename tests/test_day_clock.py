"""Tests for the simulator's table of days: the same answers as the clock it stands for."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.day_clock import DayTableClock
from sopdsl.builtins import MINUTES_PER_DAY as DAY
from sopdsl.runtime.clock import Clock

# Summer time starts on 2026-03-08 in New York: the table's eighth day is 23 hours long.
START = dt.datetime(2026, 3, 1)
ZONE = "America/New_York"
CLOCK = Clock(START, ZONE)
TABLE = DayTableClock(START, ZONE, START.date() - dt.timedelta(days=2), 20)


@settings(max_examples=150, deadline=None, derandomize=True)
# Moments in thousandths of a minute: the time zone's answer rounds to whole microseconds.
@given(st.lists(st.integers(-3 * DAY * 1000, 25 * DAY * 1000).map(lambda m: m / 1000),
                min_size=1, max_size=40))
def test_the_table_answers_as_the_clock_in_any_order(moments: list[float]) -> None:
    """Dates, weekdays and minutes of the day from the table (and its last day found) equal
    the time zone's, before, inside and after the table and across the summer-time switch."""
    for t in moments:
        assert TABLE.date_of(t) == CLOCK.date_of(t)
        assert TABLE.weekday(t) == CLOCK.weekday(t)
        assert abs(TABLE.minute_of_day(t) - CLOCK.minute_of_day(t)) < 1e-6

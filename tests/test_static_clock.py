"""Tests for static timing: an instruction's wake-up from what is known of the local time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.runtime import steps
from sopdsl.runtime.static_clock import REFERENCE, LocalTime, static_wake

UNKNOWN = LocalTime()
TUESDAY_2015 = LocalTime(20 * 60 + 15, 1)


@pytest.mark.parametrize(("instruction", "local", "expected"), [
    # Known: the next day's 10:00 is 13h45m after Tuesday 20:15, on Wednesday.
    (steps.Wait("s", 1440, 600), TUESDAY_2015, (825, LocalTime(600, 2))),
    # 22:15 is on Tuesday, whose 10:00 has passed: the day after.
    (steps.Wait("s", 120, 600), TUESDAY_2015, (825, LocalTime(600, 2))),
    (steps.WaitUntilTime("s", 600), TUESDAY_2015, (825, LocalTime(600, 2))),
    (steps.WaitUntilDay("s", 5, 600), TUESDAY_2015, (3 * 1440 + 825, LocalTime(600, 5))),
    (steps.WaitUntilDay("s", 1, None), TUESDAY_2015, (0, TUESDAY_2015)),
    # Unknown: the earliest over every start. `wait 2h at 10:00` from 09:59 wakes a minute
    # later; `wait 1d at 10:00` from 23:59 after 10h01m; either way it is 10:00 then.
    (steps.Wait("s", 120, 600), UNKNOWN, (1, LocalTime(600, None))),
    (steps.Wait("s", 1440, 600), UNKNOWN, (601, LocalTime(600, None))),
    (steps.WaitUntilTime("s", 600), UNKNOWN, (0, LocalTime(600, None))),
    # On a Friday evening the coming Saturday 10:00 is 13h45m away; a Saturday is all known.
    (steps.WaitUntilDay("s", 5, 600), LocalTime(20 * 60 + 15, None), (825, LocalTime(600, 5))),
    (steps.WaitUntilDay("s", 5, None), UNKNOWN, (0, LocalTime(None, 5))),
    # What reads no clock shifts what is known; a weekday without the time of day is lost.
    (steps.Wait("s", 300, None), TUESDAY_2015, (300, LocalTime(75, 2))),
    (steps.Wait("s", 300, None), LocalTime(None, 3), (300, UNKNOWN)),
    (steps.Send("s", "a", "sms", None), TUESDAY_2015, (0, TUESDAY_2015)),
])
def test_static_wake(instruction, local, expected):
    """The wake-up in minutes and the local time after it, by the instruction's own rule."""
    assert static_wake(instruction, local) == expected


def _tried_in_full(instruction, local: LocalTime) -> tuple[int, LocalTime]:
    """Every start the unknown parts allow, one by one, by the instruction's own wake-up."""
    reads = instruction.reads_clock
    minutes = range(1440) if local.minute is None else [local.minute]
    weekdays = range(7) if local.weekday is None and "weekday" in reads else [local.weekday or 0]
    ends = []
    for weekday in weekdays:
        for minute in minutes:
            start = weekday * 1440 + minute
            wake = instruction.wake_at(REFERENCE, start)
            ends.append((int(wake - start), int(wake % 1440), int(wake // 1440 % 7)))
    known_weekday = local.weekday is not None or "weekday" in reads
    minute = {m for _, m, _ in ends}
    weekday = {w for _, _, w in ends}
    return min(d for d, _, _ in ends), LocalTime(
        minute.pop() if len(minute) == 1 else None,
        weekday.pop() if len(weekday) == 1 and known_weekday else None)


TIMED = st.one_of(
    st.builds(steps.Wait, st.just("s"), st.integers(0, 4 * 1440), st.integers(0, 1439)),
    st.builds(steps.WaitUntilTime, st.just("s"), st.integers(0, 1439)),
    st.builds(steps.WaitUntilDay, st.just("s"), st.integers(0, 6), st.none() | st.integers(0, 1439)),
)


@settings(max_examples=40, deadline=None)
@given(instruction=TIMED, minute=st.none() | st.integers(0, 1439),
       weekday=st.none() | st.integers(0, 6))
def test_static_wake_is_the_least_over_every_start(instruction, minute, weekday):
    """Splitting ranges of starts finds what trying every start finds."""
    local = LocalTime(minute, weekday)
    assert static_wake(instruction, local) == _tried_in_full(instruction, local)

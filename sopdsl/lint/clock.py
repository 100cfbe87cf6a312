"""Times of day: quiet hours that may wrap midnight, and staff working time in a window."""

from __future__ import annotations

import functools

DAY = 24 * 60


def inside(hours: tuple[int, int], minute: int) -> bool:
    """Whether a minute of the day is inside `start-end` (start included, end excluded).

    `21:30-08:30` wraps midnight: 23:00 and 07:00 are inside, 08:30 is not.
    """
    start, end = hours
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end


def clock_text(minute: int) -> str:
    """A minute of the day as `HH:MM`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hours_text(hours: tuple[int, int]) -> str:
    """`21:30-08:30`."""
    return f"{clock_text(hours[0])}-{clock_text(hours[1])}"


def working_minutes(start: int, length: int, hours: tuple[int, int]) -> int:
    """Minutes of working time in the window `[start, start + length)` (start: minute of day)."""
    return _working_since_midnight(start + length, hours) - _working_since_midnight(start, hours)


def _working_since_midnight(minute: int, hours: tuple[int, int]) -> int:
    """Working minutes from midnight of day 0 up to `minute`: whole days, then the last one."""
    first, last = hours
    spans = [(first, last)] if first <= last else [(0, last), (first, DAY)]
    days, rest = divmod(minute, DAY)
    return sum(days * (high - low) + max(0, min(rest, high) - low) for low, high in spans)


@functools.cache
def least_working_minutes(length: int, hours: tuple[int, int]) -> tuple[int, int]:
    """The fewest working minutes a window of `length` can hold, and the first start time
    (from the end of the working day on) that gives it."""
    starts = [(hours[1] + offset) % DAY for offset in range(DAY)]
    least = min(starts, key=lambda start: working_minutes(start, length, hours))
    return working_minutes(least, length, hours), least

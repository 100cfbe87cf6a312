"""A plain block of event rows turned into columns at once, and into event records from them.

A block is taken at once only when no row of it needs a row's own checks: every line has the
header's columns, the required cells are filled and written without spaces around them, the
events are known, the customers in order, the times written exactly `YYYY-MM-DD HH:MM` on
days without a clock change, channels, purposes and amounts well formed. Anything else sends
the whole block a row at a time through `Columns`, `EventNames` and `event_record_of`, so
every diagnostic stays where and as it is; what a block gives equals what that path gives.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from sopdsl.builtins import CHANNELS, PURPOSES
from sopdsl.customers_io import (
    Columns, EventNames, EventRecord, Moments, finite_number,
)
from sopdsl.data_rows import PlainBlock
from sopdsl.runtime.customer import Event

_CHANNELS = frozenset((*CHANNELS, ""))
_PURPOSES = frozenset((*PURPOSES, ""))
# `YYYY-MM-DD HH:MM` as code points: where the digits are, and the separators.
_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15])
_DASHES = np.array([4, 7])
_ZERO, _NINE, _DASH, _COLON = ord("0"), ord("9"), ord("-"), ord(":")


class PlainEvents:
    """A plain block's event rows as columns, its customers' rows in runs: `runs` holds
    (customer, start, end) with rows start..end-1 of the block."""

    __slots__ = ("first", "customers", "events", "times", "contents", "amounts", "channels",
                 "journeys", "steps", "purposes", "runs", "latest")

    def __init__(self, first: int, customers: tuple[str, ...], events: tuple[str, ...],
                 times: np.ndarray, contents: list[str | None],
                 amounts: list[float | int | None], channels: list[str | None],
                 journeys: list[str | None], steps: list[str | None],
                 purposes: list[str | None]) -> None:
        self.first, self.customers, self.events, self.times = first, customers, events, times
        self.contents, self.amounts, self.channels = contents, amounts, channels
        self.journeys, self.steps, self.purposes = journeys, steps, purposes
        self.latest = float(times.max()) if len(times) else -math.inf  # the latest time
        self.runs: list[tuple[str, int, int]] = []
        start, count = 0, len(customers)
        while start < count:
            # The customers are in order: a customer's rows end where bisection says, found
            # in C instead of by comparing row after row.
            end = bisect_right(customers, customers[start], start)
            self.runs.append((customers[start], start, end))
            start = end

    def pairs(self, start: int, end: int) -> list[tuple[int, EventRecord]]:
        """The (line, event record) pairs of rows start..end-1."""
        lines = range(self.first + start, self.first + end)
        return list(zip(lines, [
            EventRecord(customer, Event(event, when, content, amount), line, channel, journey,
                        step, purpose)
            for customer, event, when, content, amount, line, channel, journey, step, purpose
            in zip(self.customers[start:end], self.events[start:end],
                   self.times[start:end].tolist(), self.contents[start:end],
                   self.amounts[start:end], lines, self.channels[start:end],
                   self.journeys[start:end], self.steps[start:end], self.purposes[start:end])]))


class BlockRows:
    """One customer's rows start..end-1 of a plain block, not turned into records."""

    __slots__ = ("block", "start", "end")

    def __init__(self, block: PlainEvents, start: int, end: int) -> None:
        self.block, self.start, self.end = block, start, end

    def pairs(self) -> list[tuple[int, EventRecord]]:
        """The rows' (line, event record) pairs."""
        return self.block.pairs(self.start, self.end)


def block_events(block: PlainBlock, columns: Columns, names: EventNames, moments: Moments,
                 previous: str) -> PlainEvents | None:
    """The block's rows as columns, their customers not before `previous`; None when some row
    needs to be read on its own."""
    header, fields = block.header, block.fields
    at = {column: index for index, column in enumerate(header)}  # a repeated column: its last
    if set(map(len, fields)) != {len(header)} or not columns.known.issuperset(at) or not all(
            column in at for column in columns.required):
        return None
    columns.seen.update(at)  # known columns: what the first row's check would note, silently
    cells = list(zip(*fields))
    for column in columns.required:
        values = cells[at[column]]
        if not all(values) or tuple(map(str.strip, values)) != values:
            return None
    customers, events = cells[at["customer_id"]], cells[at["event"]]
    if customers[0] < previous or list(customers) != sorted(customers) or not all(
            map(names.events.__contains__, set(events))):
        return None
    times = _times(cells[at["time"]], moments)
    count = len(fields)
    channels = _named(cells, at, "channel", _CHANNELS, count)
    purposes = _named(cells, at, "purpose", _PURPOSES, count)
    amounts = _amounts(cells, at, count)
    if times is None or channels is None or purposes is None or amounts is None:
        return None
    contents, journeys, steps = (_texts(cells, at, column, count)
                                 for column in ("content", "journey", "step"))
    return PlainEvents(block.first, customers, events, times, contents, amounts, channels,
                       journeys, steps, purposes)


def _times(cells: tuple[str, ...], moments: Moments) -> np.ndarray | None:
    """Run-time minutes of time cells all written `YYYY-MM-DD HH:MM` (or with a `T`) on days
    without a clock change; None when one is not."""
    text = np.array(cells)
    if text.dtype != np.dtype("<U16"):
        return None
    points = text.view(np.uint32).reshape(len(cells), 16)
    digits = points[:, _DIGITS]
    if not (((digits >= _ZERO) & (digits <= _NINE)).all() and (points[:, _DASHES] == _DASH).all()
            and (points[:, 13] == _COLON).all()
            and np.isin(points[:, 10], (ord(" "), ord("T"))).all()):
        return None
    numbers = (digits - _ZERO).astype(np.int64)
    hours = numbers[:, 8] * 10 + numbers[:, 9]
    minutes = numbers[:, 10] * 10 + numbers[:, 11]
    if not ((hours < 24).all() and (minutes < 60).all()):
        return None
    # A day as the number YYYYMMDD; a month or day out of range has no midnight below.
    dates = numbers[:, :8] @ 10 ** np.arange(7, -1, -1)
    _, first, which = np.unique(dates, return_index=True, return_inverse=True)
    midnights = [moments.midnight(cells[row][:10]) for row in first.tolist()]
    # A midnight off the whole minute would add in another order than `Moments.quick` does.
    if not all(midnight is not None and midnight.is_integer() for midnight in midnights):
        return None
    return np.array(midnights)[which.ravel()] + (hours * 60 + minutes)


def _named(cells: list[tuple[str, ...]], at: dict[str, int], column: str,
           names: frozenset[str], count: int) -> list[str | None] | None:
    """A column of names (None for an empty cell); None when a cell is not one of them."""
    if column not in at:
        return [None] * count
    values = cells[at[column]]
    return [value or None for value in values] if names.issuperset(values) else None


def _amounts(cells: list[tuple[str, ...]], at: dict[str, int],
             count: int) -> list[float | int | None] | None:
    """The amount column (None for an empty cell); None when a cell is not a finite number."""
    if "amount" not in at:
        return [None] * count
    values = cells[at["amount"]]
    amounts = [finite_number(value) if value else None for value in values]
    if any(amount is None for amount, value in zip(amounts, values) if value):
        return None
    return amounts


def _texts(cells: list[tuple[str, ...]], at: dict[str, int], column: str,
           count: int) -> list[str | None]:
    """A text column's cells as `text_cell` reads them."""
    if column not in at:
        return [None] * count
    return [value.strip() or None for value in cells[at[column]]]

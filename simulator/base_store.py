"""Real customers held compactly between replications: profiles and events before the start as
columns of numbers and codes, decoded a block of customers at a time as they are replayed.

A base is held for every replication (and shipped with each to a worker), so it is kept to a
few arrays: per event a time, an amount and two codes (about 24 bytes, instead of an `Event`
object and its strings), per customer an id and a code per profile field. Decoding gives back
values equal to and of the same types as those read (amounts are read as plain numbers), so
replications do not change.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from sopdsl.event_blocks import BlockRows, PlainEvents
from sopdsl.runtime.evaluate import plain_number
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData

_NO_AMOUNT = math.nan  # amounts read are finite, so NaN can stand for none
_DECODED_TOGETHER = 1024  # customers whose columns are sliced and converted at once


class Interned:
    """A column of values held as codes into the distinct values seen (by type and value, so
    `1`, `1.0` and `True` stay apart)."""

    __slots__ = ("values", "codes", "_index")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.codes = array("i")
        self._index: dict[Hashable, int] = {}

    def extend(self, values: Iterable[Any]) -> None:
        """Append each value in turn."""
        self.codes.extend(self.codes_of(values))

    def codes_of(self, values: Iterable[Any]) -> list[int]:
        """The codes of the values (new ones numbered), without appending them."""
        values = list(values)
        try:
            distinct = dict.fromkeys(values)
        except TypeError:  # some value is unhashable
            distinct = None
        # Values of one class (and None): equal keys are then equal values of that class, as
        # `_code` keys them, so each distinct one is coded once.
        if distinct is not None and len({v.__class__ for v in distinct} - {type(None)}) <= 1:
            coded = {value: self._code(value) for value in distinct}
            return list(map(coded.__getitem__, values))
        return [self._code(value) for value in values]

    def _code(self, value: Any) -> int:
        """The value's code, a new one when it is new."""
        # A string is its own key: no key of another type (a tuple) is equal to it.
        key = value if value.__class__ is str else (value.__class__, value)
        try:
            code = self._index.get(key)
        except TypeError:  # unhashable: kept as it is
            key, code = None, None
        if code is None:
            code = len(self.values)
            self.values.append(value)
            if key is not None:
                self._index[key] = code
        return code

    def __getitem__(self, index: int) -> Any:
        return self.values[self.codes[index]]

    def between(self, first: int, stop: int) -> list[Any]:
        """The values from `first` to `stop` (excluded)."""
        return list(map(self.values.__getitem__, self.codes[first:stop]))

    def __len__(self) -> int:
        return len(self.codes)

    def __getstate__(self) -> tuple[list[Any], array]:
        return self.values, self.codes  # the index only serves adding

    def __setstate__(self, state: tuple[list[Any], array]) -> None:
        self.values, self.codes = state
        self._index = {}


class _BlockColumns:
    """A plain block's event columns as the base holds them: names and contents coded."""

    __slots__ = ("block", "names", "contents", "amounts")

    def __init__(self, block: PlainEvents, names: Interned, contents: Interned) -> None:
        self.block = block
        self.names = np.array(names.codes_of(block.events), dtype=np.int32)
        self.contents = np.array(contents.codes_of(block.contents), dtype=np.int32)
        self.amounts = np.array(block.amounts, dtype=float)  # None is NaN, no amount


class HeldCustomers:
    """Customers as read (profiles without a history of their own, as `customer_of` makes
    them) and each one's events before the start, in reading order.

    Customers whose rows are left in plain blocks (`add_rows`) are kept as pieces of their
    blocks and taken into the columns a block at a time, before anything is read back.
    """

    def __init__(self, attributes: tuple[str, ...]) -> None:
        self.ids: list[str] = []
        self.owners = Interned()
        self.stages = Interned()
        self.tags = Interned()
        self.scores = Interned()
        self.attributes = {name: Interned() for name in attributes}
        self.offsets = array("q", [0])
        self.times = array("d")
        self.amounts = array("d")
        self.names = Interned()
        self.contents = Interned()
        # Customers added by their rows in blocks, not in the columns yet: each one's profile
        # and pieces (ids are held at once, so the size is current).
        self._pending: list[tuple[CustomerData, Sequence[BlockRows]]] = []
        self._columns: _BlockColumns | None = None
        self._last: PlainEvents | None = None  # the block of the last pending piece

    @property
    def size(self) -> int:
        """How many customers are held."""
        return len(self.ids)

    def add(self, data: CustomerData, events: list[Event]) -> None:
        """Hold one customer and their events."""
        self._take_pending()
        self.ids.append(data.id)
        self._profiles([data])
        self.times.extend([event.time for event in events])
        self.amounts.extend([_NO_AMOUNT if event.amount is None else event.amount
                             for event in events])
        self.names.extend([event.name for event in events])
        self.contents.extend([event.content for event in events])
        self.offsets.append(len(self.times))

    def add_rows(self, data: CustomerData, pieces: Sequence[BlockRows]) -> None:
        """Hold one customer and those of their rows, left in plain blocks, before the start
        (as `add` would hold their events)."""
        if pieces:
            # A block at a time (a customer's rows may end in the next one), so that a
            # block's rows are freed once taken.
            if self._last is not None and pieces[-1].block is not self._last:
                self._take_pending()
            self._last = pieces[-1].block
        self.ids.append(data.id)
        self._pending.append((data, pieces))

    def finish(self) -> None:
        """Take what is pending into the columns and let go of the last block read."""
        self._take_pending()
        self._columns = None

    def _profiles(self, profiles: list[CustomerData]) -> None:
        """Hold the customers' profiles (their ids are held)."""
        self.owners.extend([data.owner for data in profiles])
        self.stages.extend([data.stage for data in profiles])
        self.tags.extend([data.tags for data in profiles])
        self.scores.extend([data.score for data in profiles])
        for name, column in self.attributes.items():
            column.extend([data.attributes.get(name) for data in profiles])

    def _take_pending(self) -> None:
        """Take the pending customers' rows before the start into the columns, the pieces of
        one block at once."""
        pending, self._pending, self._last = self._pending, [], None
        if not pending:
            return
        self._profiles([data for data, _ in pending])
        owners = np.repeat(np.arange(len(pending)), [len(pieces) for _, pieces in pending])
        flat = [piece for _, pieces in pending for piece in pieces]
        counts = np.zeros(len(pending), dtype=np.int64)
        at = 0
        while at < len(flat):
            block = flat[at].block
            end = at + 1
            while end < len(flat) and flat[end].block is block:
                end += 1
            columns = self._block_columns(block)
            starts = np.array([piece.start for piece in flat[at:end]], dtype=np.int64)
            lengths = np.array([piece.end for piece in flat[at:end]], dtype=np.int64) - starts
            rows = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(
                int(lengths.sum()))
            before = block.times[rows] < 0
            rows = rows[before]
            counts += np.bincount(np.repeat(owners[at:end], lengths)[before],
                                  minlength=len(pending))
            self.times.frombytes(np.ascontiguousarray(block.times[rows]).tobytes())
            self.amounts.frombytes(columns.amounts[rows].tobytes())
            self.names.codes.frombytes(columns.names[rows].tobytes())
            self.contents.codes.frombytes(columns.contents[rows].tobytes())
            at = end
        self.offsets.frombytes((np.cumsum(counts) + self.offsets[-1]).tobytes())

    def _block_columns(self, block: PlainEvents) -> _BlockColumns:
        """The block's columns coded (the last block's kept: its customers come together)."""
        if self._columns is None or self._columns.block is not block:
            self._columns = _BlockColumns(block, self.names, self.contents)
        return self._columns

    def __getstate__(self) -> dict[str, Any]:
        self.finish()
        return vars(self)

    def profiles(self, first: int, stop: int) -> list[CustomerData]:
        """The profiles of customers `first` to `stop` (excluded)."""
        self.finish()
        columns = [(name, column.between(first, stop))
                   for name, column in self.attributes.items()]
        out = []
        for number, (id_, owner, tags, score, stage) in enumerate(zip(
                self.ids[first:stop], self.owners.between(first, stop),
                self.tags.between(first, stop), self.scores.between(first, stop),
                self.stages.between(first, stop))):
            attributes = {}
            for name, values in columns:
                value = values[number]
                if value is not None:
                    attributes[name] = value
            out.append(CustomerData(id_, owner, attributes, tags, score, stage))
        return out

    def events(self, index: int) -> list[Event]:
        """One customer's events before the start, in the order read."""
        self.finish()
        return self._events(self.offsets[index], self.offsets[index + 1])

    def _events(self, start: int, stop: int) -> list[Event]:
        """The events held from `start` to `stop` (excluded), in the order read."""
        # NaN (no amount) is the only value unequal to itself.
        return [Event(name, time, content, plain_number(amount) if amount == amount else None)
                for name, time, content, amount in zip(
                    self.names.between(start, stop), self.times[start:stop].tolist(),
                    self.contents.between(start, stop), self.amounts[start:stop].tolist())]

    def __iter__(self) -> Iterator[tuple[CustomerData, list[Event]]]:
        self.finish()
        offsets = self.offsets
        for first in range(0, self.size, _DECODED_TOGETHER):
            stop = min(first + _DECODED_TOGETHER, self.size)
            events, start = self._events(offsets[first], offsets[stop]), offsets[first]
            for index, data in enumerate(self.profiles(first, stop), first):
                yield data, events[offsets[index] - start:offsets[index + 1] - start]

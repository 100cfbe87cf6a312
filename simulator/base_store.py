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
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

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

    def add(self, value: Any) -> None:
        """Append one value."""
        self.extend((value,))

    def extend(self, values: Iterable[Any]) -> None:
        """Append each value in turn."""
        index, found, codes = self._index, self._index.get, self.codes
        for value in values:
            # A string is its own key: no key of another type (a tuple) is equal to it.
            key = value if value.__class__ is str else (value.__class__, value)
            try:
                code = found(key)
            except TypeError:  # unhashable: kept as it is
                key, code = None, None
            if code is None:
                code = len(self.values)
                self.values.append(value)
                if key is not None:
                    index[key] = code
            codes.append(code)

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


class HeldCustomers:
    """Customers as read (profiles without a history of their own, as `customer_of` makes
    them) and each one's events before the start, in reading order."""

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

    @property
    def size(self) -> int:
        """How many customers are held."""
        return len(self.ids)

    def add(self, data: CustomerData, events: list[Event]) -> None:
        """Hold one customer and their events."""
        self.ids.append(data.id)
        self.owners.add(data.owner)
        self.stages.add(data.stage)
        self.tags.add(data.tags)
        self.scores.add(data.score)
        for name, column in self.attributes.items():
            column.add(data.attributes.get(name))
        self.times.extend([event.time for event in events])
        self.amounts.extend([_NO_AMOUNT if event.amount is None else event.amount
                             for event in events])
        self.names.extend([event.name for event in events])
        self.contents.extend([event.content for event in events])
        self.offsets.append(len(self.times))

    def profiles(self, first: int, stop: int) -> list[CustomerData]:
        """The profiles of customers `first` to `stop` (excluded)."""
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
        return self._events(self.offsets[index], self.offsets[index + 1])

    def _events(self, start: int, stop: int) -> list[Event]:
        """The events held from `start` to `stop` (excluded), in the order read."""
        # NaN (no amount) is the only value unequal to itself.
        return [Event(name, time, content, plain_number(amount) if amount == amount else None)
                for name, time, content, amount in zip(
                    self.names.between(start, stop), self.times[start:stop].tolist(),
                    self.contents.between(start, stop), self.amounts[start:stop].tolist())]

    def __iter__(self) -> Iterator[tuple[CustomerData, list[Event]]]:
        offsets = self.offsets
        for first in range(0, self.size, _DECODED_TOGETHER):
            stop = min(first + _DECODED_TOGETHER, self.size)
            events, start = self._events(offsets[first], offsets[stop]), offsets[first]
            for index, data in enumerate(self.profiles(first, stop), first):
                yield data, events[offsets[index] - start:offsets[index + 1] - start]

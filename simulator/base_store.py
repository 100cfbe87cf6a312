"""Real customers held compactly between replications: profiles and events before the start as
columns of numbers and codes, each customer decoded only while it is replayed.

A base is held for every replication (and shipped with each to a worker), so it is kept to a
few arrays: per event a time, an amount and two codes (about 24 bytes, instead of an `Event`
object and its strings), per customer an id and a code per profile field. Decoding gives back
values equal to and of the same types as those read (amounts are read as plain numbers), so
replications do not change.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable, Iterator
from typing import Any

from sopdsl.runtime.evaluate import plain_number
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData

_NO_AMOUNT = math.nan  # amounts read are finite, so NaN can stand for none


class Interned:
    """A column of values held as codes into the distinct values seen (by type and value, so
    `1`, `1.0` and `True` stay apart)."""

    __slots__ = ("values", "codes", "_index")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.codes = array("i")
        self._index: dict[tuple[type, Hashable], int] = {}

    def add(self, value: Any) -> None:
        """Append one value."""
        try:
            key = (value.__class__, value)
            code = self._index.get(key)
        except TypeError:  # unhashable: kept as it is
            key, code = None, None
        if code is None:
            code = len(self.values)
            self.values.append(value)
            if key is not None:
                self._index[key] = code
        self.codes.append(code)

    def __getitem__(self, index: int) -> Any:
        return self.values[self.codes[index]]

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
        for event in events:
            self.times.append(event.time)
            self.amounts.append(_NO_AMOUNT if event.amount is None else event.amount)
            self.names.add(event.name)
            self.contents.add(event.content)
        self.offsets.append(len(self.times))

    def customer(self, index: int) -> CustomerData:
        """One customer's profile."""
        attributes = {}
        for name, column in self.attributes.items():
            value = column[index]
            if value is not None:
                attributes[name] = value
        return CustomerData(self.ids[index], self.owners[index], attributes, self.tags[index],
                            self.scores[index], self.stages[index])

    def events(self, index: int) -> list[Event]:
        """One customer's events before the start, in the order read."""
        start, stop = self.offsets[index], self.offsets[index + 1]
        names, contents = self.names.values, self.contents.values
        return [Event(names[name], time, contents[content],
                      None if math.isnan(amount) else plain_number(amount))
                for time, amount, name, content in zip(
                    self.times[start:stop], self.amounts[start:stop],
                    self.names.codes[start:stop], self.contents.codes[start:stop])]

    def __iter__(self) -> Iterator[tuple[CustomerData, list[Event]]]:
        for index in range(self.size):
            yield self.customer(index), self.events(index)

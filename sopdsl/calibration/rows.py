"""A batch of customers' event rows as NumPy columns, names numbered, for tallies that read
every customer of the batch at once.

Rows come from a plain block's columns (`BlockRows`: no object is made per row) or, for rows
read one at a time and sends from a push ledger, from event records. A customer's rows keep
the order they were given in; customers are numbered in the batch from 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sopdsl.checker.program import Program
from sopdsl.customers_io import EventRecord
from sopdsl.event_blocks import BlockRows, PlainEvents

NONE = -1  # the number of an empty channel or purpose cell


class Names(dict):
    """Names numbered in the order met (None is NONE)."""

    def __init__(self) -> None:
        super().__init__({None: NONE})

    def __missing__(self, name: str) -> int:
        number = self[name] = len(self) - 1
        return number

    def named(self) -> list[str]:
        """The names by number."""
        return [name for name in self if name is not None]


class Coded:
    """Rows as columns: event, channel and send purpose numbers, times, amounts (NaN: none)
    and lines."""

    __slots__ = ("event", "channel", "purpose", "time", "amount", "line")

    def __init__(self, event: np.ndarray, channel: np.ndarray, purpose: np.ndarray,
                 time: np.ndarray, amount: np.ndarray, line: np.ndarray) -> None:
        self.event, self.channel, self.purpose = event, channel, purpose
        self.time, self.amount, self.line = time, amount, line


class Numbering:
    """The names of events, channels and purposes, numbered once for every batch, and the
    purposes the playbook declares for contents."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.events, self.channels, self.purposes = Names(), Names(), Names()
        self._declared: dict[str, str | None] = {}
        self._block: PlainEvents | None = None
        self._coded: Coded | None = None

    def block(self, block: PlainEvents) -> Coded:
        """A plain block's rows coded (the last block's kept: its customers come together)."""
        if block is not self._block:
            count = len(block.customers)
            amounts = block.amounts
            self._block, self._coded = block, Coded(
                self._numbers(self.events, block.events, count),
                self._numbers(self.channels, block.channels, count),
                self._numbers(self.purposes, self._send_purposes(block.purposes,
                                                                 block.contents), count),
                block.times,
                np.full(count, math.nan) if amounts.count(None) == count else np.fromiter(
                    (math.nan if amount is None else amount for amount in amounts),
                    dtype=float, count=count),
                np.arange(block.first, block.first + count, dtype=np.int64))
        assert self._coded is not None
        return self._coded

    def records(self, records: Sequence[EventRecord]) -> Coded:
        """Event records coded."""
        count = len(records)
        events = [record.event for record in records]
        return Coded(
            self._numbers(self.events, [event.name for event in events], count),
            self._numbers(self.channels, [record.channel for record in records], count),
            self._numbers(self.purposes, self._send_purposes(
                [record.purpose for record in records], [event.content for event in events]),
                count),
            np.fromiter((event.time for event in events), dtype=float, count=count),
            np.fromiter((math.nan if event.amount is None else event.amount
                         for event in events), dtype=float, count=count),
            np.fromiter((record.line for record in records), dtype=np.int64, count=count))

    def _send_purposes(self, purposes: Sequence[str | None],
                       contents: Sequence[str | None]) -> Sequence[str | None]:
        """A send's content purpose: its row's, else the one the playbook declares for its
        content (read for sends only, where it is the same)."""
        if not any(contents):
            return purposes
        declared = self._declared
        out = []
        for purpose, content in zip(purposes, contents):
            if purpose is None and content:
                if content not in declared:
                    declared[content] = self.program.purpose_of(content)
                purpose = declared[content]
            out.append(purpose)
        return out

    @staticmethod
    def _numbers(names: Names, values: Sequence[str | None], count: int) -> np.ndarray:
        return np.fromiter(map(names.__getitem__, values), dtype=np.int64, count=count)


class GatheredRows:
    """The rows of a batch of customers, gathered a customer at a time."""

    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering
        self.customers = 0
        # (coded rows, start, end, customer) in the order given
        self.pieces: list[tuple[Coded, int, int, int]] = []

    def add(self, rows: Sequence[EventRecord] | Sequence[BlockRows]) -> None:
        """The next customer's rows: records, or rows left in their blocks."""
        customer = self.customers
        self.customers += 1
        if not rows:
            return
        if rows[0].__class__ is BlockRows:
            for piece in rows:
                assert isinstance(piece, BlockRows)
                self.pieces.append((self.numbering.block(piece.block), piece.start, piece.end,
                                    customer))
        else:
            records = [row for row in rows if isinstance(row, EventRecord)]
            self.pieces.append((self.numbering.records(records), 0, len(records), customer))

    def columns(self) -> tuple[np.ndarray, Coded]:
        """Each row's customer, and the rows, in the order given."""
        parts: list[tuple[np.ndarray, Coded]] = []
        at = 0
        pieces = self.pieces
        while at < len(pieces):
            # The pieces of one block in a row, taken together.
            coded = pieces[at][0]
            end = at + 1
            while end < len(pieces) and pieces[end][0] is coded:
                end += 1
            chunk = pieces[at:end]
            starts = np.array([piece[1] for piece in chunk], dtype=np.int64)
            lengths = np.array([piece[2] for piece in chunk], dtype=np.int64) - starts
            owners = np.array([piece[3] for piece in chunk], dtype=np.int64)
            offsets = np.cumsum(lengths) - lengths
            index = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
            parts.append((np.repeat(owners, lengths), _take(coded, index)))
            at = end
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, Coded(empty, empty, empty, np.zeros(0), np.zeros(0), empty)
        return np.concatenate([part[0] for part in parts]), Coded(*(
            np.concatenate([getattr(part[1], name) for part in parts])
            for name in Coded.__slots__))


def _take(coded: Coded, index: np.ndarray) -> Coded:
    return Coded(*(getattr(coded, name)[index] for name in Coded.__slots__))

"""Customers with their events, read side by side from two files sorted by customer id.

Reading has two stages, so that the second can run where customers are planned: `follow`
reads the rows and checks what needs the whole files (columns, event names, order, events of
customers not in the customers file); `convert` turns one customer's rows into values,
checking each cell. Given the clock's `Moments`, `follow` converts the events of plain blocks
at once (`event_blocks`): those rows have no cell to report; with `whole`, they stay the
block's columns (`BlockRows`) for a reader that takes them as such. Problems stay with the customer
whose rows showed them, so they are reported in reading order wherever `convert` ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopdsl.checker.program import Program
from sopdsl.customers_io import (
    EventNames, EventRecord, Moments, after_start, customer_columns, customer_of, event_columns,
    event_record_of, row_customer,
)
from sopdsl.data_rows import DataProblems, PlainBlock, Report, read_blocks, read_rows
from sopdsl.event_blocks import BlockRows, block_events
from sopdsl.gc_threshold import fewer_collections
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData
from sopdsl.syntax.files import display_path


class HeldProblems(DataProblems):
    """Problems kept in the order found, to be reported later (no limit per file here)."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[Report] = []

    def report(self, code: str, file: str, line: int, message: str,
               hint: str | None = None, column: int = 1) -> None:
        """Keep one problem at `file:line:column`."""
        self.reports.append((code, file, line, message, hint, column))

    def take(self) -> list[Report]:
        """The problems kept since the last call."""
        taken, self.reports = self.reports, []
        return taken


@dataclass(frozen=True)
class DataFiles:
    """The names the customers and events files are shown by."""

    customers: str
    events: str


@dataclass(slots=True)
class CustomerRows:
    """One customer's rows as read (an event row of a plain block already converted, or left
    in its block's columns), and the problems found reading up to them; `converted` when every
    event row is a record (or in its block)."""

    line: int
    row: dict[str, Any]
    events: list[Any]  # (line, row or record) pairs, or `BlockRows`
    reports: list[Report]
    converted: bool = False


def data_files(customers: Path, events: Path | None) -> DataFiles:
    """How the files are named in problems (an absent events file: the customers file's name)."""
    name = display_path(customers)
    return DataFiles(name, display_path(events) if events is not None else name)


def follow(customers: Path, events: Path | None, program: Program, held: HeldProblems,
           moments: Moments | None = None, whole: bool = False) -> Iterator[CustomerRows]:
    """Each customer's rows, the two files read side by side in customer id order.

    Rows out of order stop the reading (`held.fatal`); a repeated customer is skipped, and
    events of customers not in the customers file are reported. What is found after the last
    customer stays in `held`. With `moments`, the events of plain blocks come converted: as
    records, or with `whole` as `BlockRows` (a customer's rows in one block as one item).
    """
    with fewer_collections():
        yield from _joined(customers, events, program, held, moments, whole)


def _joined(customers: Path, events: Path | None, program: Program, held: HeldProblems,
            moments: Moments | None, whole: bool) -> Iterator[CustomerRows]:
    files = data_files(customers, events)
    columns = customer_columns(files.customers, program, held)
    people = ((line, row) for line, row in read_rows(customers, held)
              if columns.check(line, row))
    pending = (_event_rows(events, files.events, program, held, moments, whole) if events
               else iter(()))
    current = next(pending, None)
    previous: str | None = None
    for line, row in people:
        customer = row_customer(row)
        if previous is not None and customer <= previous:
            if customer == previous:
                held.report("E608", files.customers, line,
                                f"customer `{customer}` is listed twice")
                continue
            held.report("E607", files.customers, line,
                            f"customer `{customer}` comes after `{previous}`",
                            hint="sort the file by customer_id (LC_ALL=C sort)")
            held.fatal = True
            return
        previous = customer
        own: list[Any] = []
        converted = True
        while current is not None and current[0] <= customer:
            if current[0] == customer:
                own.extend(current[1])
                converted = converted and current[2]
            else:
                _orphans(held, files.events, customer=current[0], rows=current[1])
            current = next(pending, None)
        if held.fatal:
            return
        yield CustomerRows(line, row, own, held.take(), converted)
    while current is not None:
        _orphans(held, files.events, customer=current[0], rows=current[1])
        current = next(pending, None)


def convert(rows: CustomerRows, program: Program, moments: Moments, files: DataFiles,
            problems: DataProblems) -> tuple[CustomerData, list[Event]]:
    """The customer and their events; bad cells are reported and left out."""
    customer, records = convert_records(rows, program, moments, files, problems)
    return customer, [record.event for record in records]


def convert_records(rows: CustomerRows, program: Program, moments: Moments, files: DataFiles,
                    problems: DataProblems,
                    later: bool = False,
                    command: str = "plan") -> tuple[CustomerData, list[EventRecord]]:
    """The customer and their event rows (channel, journey and step with each event); bad
    cells are reported and left out, and events at or after the clock's epoch too (`E610` as
    `command` says it) unless `later`."""
    customer = customer_of(files.customers, rows.line, rows.row, program, problems)
    if later and rows.converted:  # nothing left to check or report
        return customer, [record for _, record in rows.events]
    records = []
    for line, row in rows.events:
        if row.__class__ is EventRecord:
            if later or not after_start(files.events, line, row.event.time, problems, later,
                                        command):
                records.append(row)
        elif (record := event_record_of(files.events, line, row, moments, problems, later,
                                        customer.id, command)) is not None:
            records.append(record)
    return customer, records


def as_pairs(rows: CustomerRows) -> CustomerRows:
    """The rows with those left in their blocks as (line, record) pairs."""
    events = []
    for item in rows.events:
        if item.__class__ is BlockRows:
            events.extend(item.pairs())
        else:
            events.append(item)
    return CustomerRows(rows.line, rows.row, events, rows.reports, rows.converted)


def _event_rows(path: Path, name: str, program: Program, held: HeldProblems,
                moments: Moments | None, whole: bool
                ) -> Iterator[tuple[str, list[Any], bool]]:
    """(customer, [(line, row)...], converted) of the events with the columns and a known
    event, checked to be in customer order: with `moments`, a plain block's rows as records
    (with `whole`, as one `BlockRows`), a customer's together (`converted`); any other row on
    its own."""
    columns = event_columns(name, held)
    names = EventNames(name, program, held)
    previous = ""
    for item in read_blocks(path, held):
        plain = isinstance(item, PlainBlock)
        block = (block_events(item, columns, names, moments, previous)
                 if plain and moments is not None else None)
        if block is not None:
            if whole:
                for customer, start, end in block.runs:
                    yield customer, [BlockRows(block, start, end)], True
            else:
                pairs = block.pairs(0, len(block.customers))
                for customer, start, end in block.runs:
                    yield customer, pairs[start:end], True
            previous = block.runs[-1][0]
            continue
        for line, row in item.rows(held) if plain else (item,):
            if not (columns.check(line, row) and names.known(line, row)):
                continue
            customer = row_customer(row)
            if customer < previous:
                held.report("E607", name, line,
                            f"an event of `{customer}` comes after events of `{previous}`",
                            hint="sort the file by customer_id (LC_ALL=C sort); within one "
                                 "customer, events may be in any order")
                held.fatal = True
                return
            previous = customer
            yield customer, [(line, row)], False


def _orphans(held: HeldProblems, name: str, customer: str,
             rows: list[Any]) -> None:
    for line, _ in as_pairs(CustomerRows(0, {}, rows, [])).events:
        held.report("E609", name, line,
                    f"event for customer `{customer}`, who is not in the customers file")

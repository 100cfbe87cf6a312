"""Tests for customers joined with their events: sorted files, problems in reading order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from programs import write_file
from runtime_kit import program_of
from sopdsl.customers_io import Moments
from sopdsl.data_rows import DataProblems
from sopdsl.histories import HeldProblems, convert, data_files, follow
from sopdsl.runtime.clock import Clock

PROGRAM = program_of("event webinar\n")
CLOCK = Clock(dt.datetime(2026, 12, 2), "Asia/Shanghai")


def joined(tmp_path, people: str, events: str | None = None):
    """(customer id, their event names) for each customer, and the problems in order."""
    customers = write_file(tmp_path / "c.csv", people)
    events_file = write_file(tmp_path / "e.csv", events) if events is not None else None
    files = data_files(customers, events_file)
    held, problems = HeldProblems(), DataProblems()
    found = []
    for rows in follow(customers, events_file, PROGRAM, held):
        problems.add(rows.reports)
        customer, own = convert(rows, PROGRAM, Moments(CLOCK), files, problems)
        found.append((customer.id, [e.name for e in own]))
    problems.add(held.take())
    problems.fatal |= held.fatal
    return found, problems


def codes(problems: DataProblems) -> list[tuple[str, str, int]]:
    return [(d.code, Path(d.span.file).name, d.span.line) for d in problems.finish()]


def test_each_customer_gets_their_own_events(tmp_path):
    """Events of customers not in the customers file are E609, before and after the last."""
    found, problems = joined(tmp_path, "customer_id\na\nc\nd\n", (
        "customer_id,time,event\n"
        "a,2026-12-01 10:00,reply\nb,2026-12-01 10:00,reply\nd,2026-12-01 10:00,reply\n"
        "d,2026-11-01 10:00,webinar\nz,2026-12-01 10:00,reply\n"))
    assert found == [("a", ["reply"]), ("c", []), ("d", ["reply", "webinar"])]
    assert codes(problems) == [("E609", "e.csv", 3), ("E609", "e.csv", 6)]
    assert not problems.fatal


def test_customers_out_of_order_stop_the_join(tmp_path):
    """A customer id smaller than the one before is E607 and nothing after it is planned."""
    found, problems = joined(tmp_path, "customer_id\nb\na\nc\n")
    assert found == [("b", [])]
    assert codes(problems) == [("E607", "c.csv", 3)] and problems.fatal


def test_duplicate_customers_are_skipped(tmp_path):
    """The same id twice in a row is E608; the first row counts."""
    found, problems = joined(tmp_path, "customer_id,name\na,x\na,y\nb,z\n")
    assert [c for c, _ in found] == ["a", "b"] and codes(problems) == [("E608", "c.csv", 3)]


def test_events_out_of_order_stop_the_join(tmp_path):
    """Events that go back to an earlier customer are E607 at the event's line."""
    _, problems = joined(tmp_path, "customer_id\na\nb\n",
                         "customer_id,time,event\nb,2026-12-01 10:00,reply\n"
                         "a,2026-12-01 10:00,reply\n")
    assert codes(problems) == [("E607", "e.csv", 3)] and problems.fatal


def test_problems_come_in_reading_order(tmp_path):
    """A customer's bad cells and their events' problems are reported with the customer, in
    the order the rows were read; an unknown event is reported once, at its first row."""
    found, problems = joined(tmp_path, "customer_id,score\na,x\nb,1\nc,lots\n", (
        "customer_id,time,event\n"
        "a,yesterday,reply\na,2026-12-01 10:00,clik\nb,2026-12-01 10:00,clik\n"
        "c,2026-12-03 10:00,reply\n"))
    assert found == [("a", []), ("b", []), ("c", [])]
    assert codes(problems) == [("W605", "e.csv", 3), ("E604", "c.csv", 2),
                               ("E604", "e.csv", 2), ("E604", "c.csv", 4),
                               ("E610", "e.csv", 5)]


def test_a_missing_events_file_names_the_customers_file(tmp_path):
    """Without an events file, customers are read alone."""
    found, problems = joined(tmp_path, "customer_id\na\nb\n")
    assert found == [("a", []), ("b", [])] and not problems.finish()

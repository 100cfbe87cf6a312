"""A real base read off plain blocks' columns against the same files read a row at a time, each
customer's evidence worked out on their own: profiles, events, evidence, actual outcomes and
diagnostics in order, whatever the block and batch sizes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import base_evidence
from simulator.base_store import HeldCustomers
from simulator.latent import WEEK
from simulator.real_base import read_base
from sopdsl import data_rows
from sopdsl.calibration.buyers import latent_purchases, readings
from sopdsl.customers_io import Moments
from sopdsl.data_rows import DataProblems
from sopdsl.histories import HeldProblems, convert_records, data_files, follow
from sopdsl.runtime.clock import Clock
from test_base_store import typed
from test_calibrate_columns import PROGRAM, UNTIL, data_text, written

COUNTED = ("delivered", "open", "click", "reply")


def reference_evidence(befores: list[list], midnight: float) -> tuple:
    """Each customer's (x, t_x, T, repeats valued, their sum), by day or by time as the data
    calls for, and the counts by (channel, event), worked out one customer at a time."""
    by_day, by_time, counts, timed = [], [], {}, False
    for number, before in enumerate(befores):
        purchases = latent_purchases([r.event for r in before if r.event.name == "purchase"],
                                     [r.event.time for r in before if r.event.name == "click"])
        if purchases:
            day, time, is_timed = readings(purchases, midnight)
            timed = timed or is_timed
            by_day.append(_buyer(*day))
            by_time.append(_buyer(*time))
        else:
            added = max((r.event.time for r in before if r.event.name == "friend_added"),
                        default=0.0)
            by_day.append((0.0, 0.0, -added / WEEK, 0.0, 0.0))
            by_time.append(by_day[-1])
        latest = None
        for record in sorted(before, key=lambda r: r.event.time):
            name = record.event.name
            if name == "delivered" and record.channel:
                latest = record.channel
            channel = record.channel or latest
            if name in COUNTED and channel is not None:
                column = counts.setdefault((channel, name), [0.0] * len(befores))
                column[number] += 1
    rows = by_time if timed else by_day
    return [tuple(map(float, row)) for row in rows], counts, timed


def _buyer(times: list, values: list, end: float) -> tuple:
    repeats = [v for v in values[1:] if v is not None and v > 0]
    valued = bool(repeats) and len(repeats) == len(values) - 1
    return (len(times) - 1, times[-1] - times[0], end - times[0],
            len(repeats) if valued else 0.0, sum(repeats) if valued else 0.0)


def by_rows(customers, events, later: bool) -> tuple:
    """The base as every row read on its own would hold it, its evidence, the actual rows
    after the start (with the customer's number, -1 for an arrival) and the diagnostics."""
    problems, held_problems = DataProblems(), HeldProblems()
    clock = Clock(UNTIL, PROGRAM.settings.timezone)
    moments, files = Moments(clock), data_files(customers, events)
    held, befores, actual = HeldCustomers(tuple(PROGRAM.attributes)), [], []
    for rows in follow(customers, events, PROGRAM, held_problems):
        problems.add(rows.reports)
        data, records = convert_records(rows, PROGRAM, moments, files, problems, later=later,
                                        command="simulate")
        before = [record for record in records if record.event.time < 0]
        arrival = not before and any(r.event.name == "friend_added" for r in records)
        actual.extend((-1 if arrival else held.size, record) for record in records
                      if record.event.time >= 0)
        if not arrival:
            held.add(data, [record.event for record in before])
            befores.append(before)
    problems.add(held_problems.take())
    return held, reference_evidence(befores, 0.0), actual, problems.finish()


def by_columns(customers, events, later: bool) -> tuple:
    """The base as `read_base` reads it."""
    actual: list = []
    base, diagnostics = read_base(PROGRAM, customers, events, start=UNTIL,
                                  later=(lambda n, r: actual.append((n, r))) if later else None)
    assert base is not None and base.evidence is not None
    evidence = base.evidence
    rows = [tuple(row) for row in np.column_stack(
        [evidence.x, evidence.t_x, evidence.T, evidence.spend_n, evidence.spend_sum]).tolist()]
    counts = {key: values.tolist() for key, values in evidence.counts.items()}
    return base.held, (rows, counts, base.timed), actual, diagnostics


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=data_text(), block=st.sampled_from([60, 300, 4096]),
       batch=st.sampled_from([1, 3, 4096]), later=st.booleans())
def test_a_base_read_off_columns_equals_one_read_row_by_row(tmp_path_factory, files, block,
                                                           batch, later):
    """Profiles and events type for type, each customer's evidence (count keys in the order
    first met), the rows after the start handed on in order, and the diagnostics in order."""
    customers, events = written(tmp_path_factory.mktemp("base"), files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(data_rows, "BLOCK_CHARS", block)
        patch.setattr(base_evidence, "_BATCH", batch)
        got_held, got_evidence, got_actual, got_problems = by_columns(customers, events, later)
        want_held, want_evidence, want_actual, want_problems = by_rows(customers, events, later)
    assert [typed(pair) for pair in got_held] == [typed(pair) for pair in want_held]
    assert got_evidence[0] == want_evidence[0]
    assert list(got_evidence[1].items()) == list(want_evidence[1].items())
    assert got_evidence[2] == want_evidence[2]
    assert [(n, r.line, typed(r.event)) for n, r in got_actual] == [
        (n, r.line, typed(r.event)) for n, r in want_actual]
    assert ([(d.code, d.span.line) for d in got_problems]
            == [(d.code, d.span.line) for d in want_problems])


def test_a_customer_with_events_at_the_start_is_read_row_by_row_for_its_report(tmp_path):
    """Without a back-test, a row at or after the start is reported (E610) and left out, the
    customer's other rows still held."""
    customers, events = tmp_path / "c.csv", tmp_path / "e.csv"
    customers.write_text("customer_id\nc1\nc2\n", encoding="utf-8")
    events.write_text("customer_id,time,event,amount\n"
                      "c1,2026-11-30 10:00,purchase,10\n"
                      "c1,2026-12-02 00:00,purchase,20\n"
                      "c2,2026-11-01 09:00,friend_added,\n", encoding="utf-8")
    base, diagnostics = read_base(PROGRAM, customers, events, start=UNTIL)
    assert base is not None
    assert [(d.code, d.span.line) for d in diagnostics] == [("E610", 3)]
    assert [(e.name, e.amount) for e in base.events_of(0)] == [("purchase", 10)]
    assert base.evidence is not None and base.evidence.T[1] == (31 * 1440 - 9 * 60) / WEEK

"""Calibration's tallies read off plain blocks' columns against per-row tallies of the same
files: every statistic, every diagnostic in its order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import test_collect
import test_sends
from sopdsl import data_rows
from sopdsl.calibration import collect as collect_module
from sopdsl.calibration.calibrate import _histories, builtin_program
from sopdsl.calibration.collect import collect
from sopdsl.customers_io import Moments
from sopdsl.data_rows import DataProblems
from sopdsl.histories import HeldProblems, convert_records, data_files, follow
from sopdsl.runtime.clock import Clock

PROGRAM = builtin_program()
UNTIL = dt.datetime(2026, 12, 2)
CLOCK = Clock(UNTIL, PROGRAM.settings.timezone)
NAMES = ("friend_added", "friend_deleted", "delivered", "delivered", "open", "click", "reply",
         "purchase", "purchase", "purchase", "task_done", "joined_group")
# Minutes before the cut-off: at it and after it, a minute before it, within a click's window
# of it, twice on one earlier day, and anywhere in the last weeks.
BEFORE = (0, -5, 1, 2, 60, 1440 * 2 + 1, 1440 * 2 + 2, 1440 * 3, 1440 * 3 + 1, 1440 * 8)
HEADER = "customer_id,time,event,channel,amount,purpose"


@st.composite
def data_text(draw) -> tuple[str, str]:
    """A customers file and an events file sorted by customer: customers without events and
    events without customers, sends without answers, answers before any send and on no
    channel, purchases with and without amounts (some on one day), rows at the cut-off,
    now and then a row that must be read on its own."""
    people, rows = ["customer_id,tags,stage"], [HEADER]
    for number in range(draw(st.integers(0, 25))):
        customer = f"c{number:03d}"
        listed = draw(st.integers(0, 9)) > 0
        if listed:
            people.append(f"{customer},{draw(st.sampled_from(['', 'VIP']))},"
                          f"{draw(st.sampled_from(['', 'visitor', 'customer']))}")
        for _ in range(draw(st.integers(0, 8))):
            name = draw(st.sampled_from(NAMES))
            minutes = draw(st.sampled_from(BEFORE)) or draw(st.integers(1, 30000))
            when = UNTIL - dt.timedelta(minutes=minutes)
            channel = draw(st.sampled_from(["", "private_chat", "moments"]))
            amount = draw(st.sampled_from(["", "12", "99.5", "0"])) if name == "purchase" else ""
            purpose = draw(st.sampled_from(["", "nurture"])) if name == "delivered" else ""
            time = f"{when:%Y-%m-%d %H:%M}"
            if draw(st.integers(0, 30)) == 0:
                time = f"{when:%Y-%m-%dT%H:%M:%S}"  # read on its own: the block too
            rows.append(f"{customer},{time},{name},{channel},{amount},{purpose}")
    return "\n".join(people) + "\n", "\n".join(rows) + "\n"


def written(folder: Path, files: tuple[str, str]) -> tuple[Path, Path]:
    """The customers and events files written into `folder`."""
    customers, events = folder / "c.csv", folder / "e.csv"
    customers.write_text(files[0], encoding="utf-8")
    events.write_text(files[1], encoding="utf-8")
    return customers, events


def by_columns(customers, events) -> tuple:
    """The tallies and diagnostics as `calibrate` reads the files."""
    problems, reading = DataProblems(), HeldProblems()
    tallies = collect(_histories(customers, events, PROGRAM, CLOCK, problems, {}, reading),
                      PROGRAM, problems, "e.csv", 0.0, None, reading)
    return tallies, problems


def by_rows(customers, events) -> tuple:
    """The tallies of each row read on its own, one customer at a time by the references,
    and the diagnostics: a customer's reading problems, then their answers without a send."""
    problems, held = DataProblems(), HeldProblems()
    files = data_files(customers, events)
    moments = Moments(CLOCK)
    data = []
    answers = test_sends.Tallies()
    for rows in follow(customers, events, PROGRAM, held):
        problems.add(rows.reports)
        customer, records = convert_records(rows, PROGRAM, moments, files, problems, later=True)
        data.append((customer, records))
        before = sorted((r for r in records if r.event.time < 0), key=lambda r: r.event.time)
        test_sends._reference_customer(answers, before, problems)
    problems.add(held.take())
    tallies = test_collect.reference(data)
    if tallies.later:
        problems.report("W614", "e.csv", tallies.later_line, "later")
    return tallies, answers, problems


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=data_text(), block=st.sampled_from([60, 300, 4096]),
       batch=st.sampled_from([1, 3, 4096]))
def test_column_tallies_equal_per_row_tallies(tmp_path_factory, files, block, batch):
    """Stock, arrivals, purchases, after-click counts, other events, later rows, response
    tallies by channel and purpose, and the diagnostics' codes and lines in order, whatever
    the block and batch sizes."""
    customers, events = written(tmp_path_factory.mktemp("columns"), files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(data_rows, "BLOCK_CHARS", block)
        patch.setattr(collect_module, "BLOCK", batch)
        got, got_problems = by_columns(customers, events)
        want, answers, want_problems = by_rows(customers, events)
    assert test_collect.tallies_of(got) == test_collect.tallies_of(want)
    test_sends.assert_same(got.channels, answers.channels)
    test_sends.assert_same(got.purposes, answers.purposes)
    assert ([(d.code, d.span.line) for d in got_problems.diagnostics]
            == [(d.code, d.span.line) for d in want_problems.diagnostics])


def test_the_files_meet_every_case(tmp_path):
    """Generated files hold what the property is about: answers without a send (E615), events
    of customers not listed (E609), later rows, repeat buyers, after-click purchases."""
    from hypothesis import find

    def meets(files) -> bool:
        customers, events = written(tmp_path, files)
        tallies, problems = by_columns(customers, events)
        codes = {d.code for d in problems.diagnostics}
        return ({"E615", "E609", "W614"} <= codes and len(tallies.by_time.repeat_x) > 0
                and tallies.after_click["purchase"] > 0 and tallies.stock < tallies.customers)

    find(data_text(), meets, settings=settings(max_examples=2000, deadline=None,
                                               database=None))

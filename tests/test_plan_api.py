"""The planning library without the command line: `sopdsl.plan` as a value, `write_plan` and
`stream_plan` in every format, and output files kept whole."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from pathlib import Path

import pytest

import sopdsl
from plan_kit import SAMPLE, START, plan_text
from programs import ONBOARDING, SAMPLE_DATA
from sopdsl.planning.planner import PlanInputs, PlanSettings
from sopdsl.planning.plans import stream_plan

FORMATS = ["json", "csv-hubspot", "csv-salesforce", "ics"]


@pytest.fixture(scope="module")
def planned() -> sopdsl.PlanResult:
    program = sopdsl.load(ONBOARDING)
    return sopdsl.plan(program, SAMPLE.customers, SAMPLE.events, SAMPLE.staff, start=START,
                       days=7)


@pytest.mark.parametrize("sink", FORMATS)
def test_the_plan_value_writes_as_the_streamed_plan(planned, sink: str) -> None:
    """A plan kept in memory and written afterwards is byte for byte the streamed plan."""
    fmt, _, style = sink.partition("-")
    out = io.StringIO()
    sopdsl.write_plan(planned.plan, fmt, out, style or "hubspot")
    assert out.getvalue() == plan_text("onboarding", sink=sink)[0]


def test_the_summary_counts_the_plan_it_summarises(planned) -> None:
    """Tasks per kind and in all are those of the task list."""
    plan = planned.plan
    assert planned.problems == [] and plan.tasks
    assert plan.summary.tasks == len(plan.tasks)
    assert plan.summary.by_kind == dict(Counter(task.kind for task in plan.tasks))


def test_a_start_date_is_its_midnight(planned) -> None:
    program = sopdsl.load(ONBOARDING)
    by_date = sopdsl.plan(program, SAMPLE.customers, SAMPLE.events, SAMPLE.staff,
                          start=START.date(), days=7)
    assert by_date.plan == planned.plan


def test_staff_hours_move_staff_work(planned) -> None:
    """Later staff hours start the day's staff work later."""
    program = sopdsl.load(ONBOARDING)
    late = sopdsl.plan(program, SAMPLE.customers, SAMPLE.events, SAMPLE.staff, start=START,
                       days=7, staff_hours=(13 * 60, 21 * 60)).plan
    starts = [dt.datetime.fromisoformat(t.due.start).time() for t in late.tasks
              if t.kind == "task"]
    assert starts and min(starts) >= dt.time(13)


def test_calendars_to_a_folder_are_the_streamed_calendars(planned, tmp_path: Path) -> None:
    """`ics` to a path writes one file per assignee; together they are the streamed text."""
    sopdsl.write_plan(planned.plan, "ics", tmp_path / "calendars")
    files = sorted((tmp_path / "calendars").iterdir())
    assert files and all(f.suffix == ".ics" for f in files)
    text = "".join(f.read_bytes().decode("utf-8") for f in files)
    assert text == plan_text("onboarding", sink="ics")[0]


def test_data_that_cannot_be_read_to_the_end_leaves_the_output_file(tmp_path: Path) -> None:
    """Customers out of order stop the plan: no plan, and the old file is kept as it was."""
    rows = (SAMPLE_DATA / "customers.csv").read_text(encoding="utf-8").splitlines(True)
    customers = tmp_path / "customers.csv"
    customers.write_text("".join([rows[0], *reversed(rows[1:])]), encoding="utf-8")
    out = tmp_path / "plan.json"
    out.write_text("the old plan", encoding="utf-8")
    program = sopdsl.load(ONBOARDING)
    summary, problems = stream_plan(program, PlanInputs(customers), PlanSettings(START, 7),
                                    "json", out)
    assert summary is None and problems
    assert out.read_text(encoding="utf-8") == "the old plan"
    assert sopdsl.plan(program, customers, start=START, days=7).plan is None


def test_a_complete_plan_replaces_the_output_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    out.write_text("the old plan", encoding="utf-8")
    summary, _ = stream_plan(sopdsl.load(ONBOARDING), SAMPLE, PlanSettings(START, 7), "csv", out)
    assert summary is not None
    assert out.read_bytes().decode("utf-8") == plan_text("onboarding",
                                                                     sink="csv-hubspot")[0]


def test_unknown_formats_are_refused(planned) -> None:
    with pytest.raises(ValueError, match="json, csv, ics"):
        sopdsl.write_plan(planned.plan, "xlsx", io.StringIO())
    with pytest.raises(ValueError, match="hubspot, salesforce"):
        sopdsl.write_plan(planned.plan, "csv", io.StringIO(), "pipedrive")


def test_a_playbook_with_errors_is_not_planned() -> None:
    program = sopdsl.load_text('journey j { when friend_added  send nothing via sms }\n')
    result = sopdsl.plan(program, SAMPLE.customers, start=START, days=7)
    assert result.plan is None and [d.code for d in result.problems] == ["E201"]

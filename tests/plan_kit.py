"""Helpers for the planning tests: the bundled sample data planned into text, in memory."""

from __future__ import annotations

import datetime as dt
import io

from sopdsl.api import load
from sopdsl.planning.planner import PlanInputs, PlanSettings
from sopdsl.planning.plans import stream_plan
from programs import PLAYBOOKS, SAMPLE_DATA

SAMPLE = PlanInputs(SAMPLE_DATA / "customers.csv", SAMPLE_DATA / "events.csv",
                    SAMPLE_DATA / "staff.csv", SAMPLE_DATA / "groups.csv")
START = dt.datetime(2026, 12, 2)
EXAMPLES = ("onboarding", "vip_birthday", "repurchase", "winback", "education_funnel",
            "campaign_tasks", "moments_calendar")


def plan_text(playbook: str, inputs: PlanInputs = SAMPLE, start: dt.datetime = START,
              days: int = 7, sink: str = "json", **settings) -> tuple[str, list]:
    """A bundled playbook's plan of the inputs as text (json, csv-hubspot, csv-salesforce,
    ics: every calendar one after the other)."""
    program = load(PLAYBOOKS / f"{playbook}.sop")
    assert program.ok
    out = io.StringIO()
    fmt, _, style = sink.partition("-")
    _, problems = stream_plan(program, inputs, PlanSettings(start, days, **settings), fmt, out,
                              style or "hubspot")
    return out.getvalue(), problems

"""Helpers for the planning tests: the bundled sample data planned into text, in memory."""

from __future__ import annotations

import datetime as dt
import io

from sopdsl.api import load
from sopdsl.planning.model import PlanWriter
from sopdsl.planning.planner import PlanInputs, PlanSettings, plan_files
from programs import PLAYBOOKS, SAMPLE_DATA

SAMPLE = PlanInputs(SAMPLE_DATA / "customers.csv", SAMPLE_DATA / "events.csv",
                    SAMPLE_DATA / "staff.csv")
START = dt.datetime(2026, 12, 2)
EXAMPLES = ("onboarding", "vip_birthday", "repurchase", "winback", "education_funnel",
            "campaign_tasks", "moments_calendar")


def plan_text(playbook: str, inputs: PlanInputs = SAMPLE, start: dt.datetime = START,
              days: int = 7, sink: str = "json", **settings) -> tuple[str, list]:
    """A bundled playbook's plan of the inputs as text (json, csv-hubspot, csv-salesforce,
    ics: every calendar one after the other)."""
    from sopdsl.planning.csv_file import PlanCsvWriter
    from sopdsl.planning.ics import PlanCalendars

    program = load(PLAYBOOKS / f"{playbook}.sop")
    assert program.ok
    out = io.StringIO()

    calendars: list[PlanCalendars] = []

    def make(planner):
        if sink.startswith("csv-"):
            return PlanCsvWriter(out, sink[4:])
        if sink == "ics":
            calendars.append(PlanCalendars(*planner.header()))
            return calendars[0]
        return PlanWriter(out, *planner.header())

    summary, problems = plan_files(program, inputs, PlanSettings(start, days, **settings), make)
    if calendars:
        return "".join(calendars[0].calendars().values()), problems
    return out.getvalue(), problems

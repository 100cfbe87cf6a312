"""Tests for CSV plans: HubSpot and Salesforce columns, BOM, CRLF, staff work only."""

from __future__ import annotations

import csv
import io
import json

import pytest

from golden import GOLDEN_ROOT, assert_golden
from plan_kit import plan_text
from sopdsl.planning.csv_file import HUBSPOT_COLUMNS, SALESFORCE_COLUMNS


@pytest.mark.parametrize("style", ["hubspot", "salesforce"])
def test_golden_csv(style, at_root):
    """The onboarding sample plan as CSV matches its golden file (stored with LF endings)."""
    text, _ = plan_text("onboarding", sink=f"csv-{style}")
    assert_golden(GOLDEN_ROOT / "plan" / f"onboarding.{style}.csv", text.replace("\r\n", "\n"))


def rows(style: str, playbook: str = "onboarding") -> list[dict[str, str]]:
    text, _ = plan_text(playbook, sink=f"csv-{style}")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_one_row_per_staff_task_with_the_plan_keys():
    """Rows are the plan's staff work, in plan order, keyed by the idempotency key."""
    plan, _ = plan_text("education_funnel")
    staff = [t for t in json.loads(plan)["tasks"]
             if t["kind"] in ("task", "notify", "handoff", "batch") or (
                 t["kind"] == "send" and t["assignee"] is not None and "batch" not in t)]
    assert any(t["kind"] == "batch" for t in staff)
    assert [r["Sopdsl Key"] for r in rows("hubspot", "education_funnel")] == [
        t["key"] for t in staff]
    assert [r["Sopdsl_Key__c"] for r in rows("salesforce", "education_funnel")] == [
        t["key"] for t in staff]


def test_hubspot_values():
    """HubSpot rows: TODO type, priority in capitals, local due time, owner by e-mail."""
    first = rows("hubspot")[0]
    assert list(first) == list(HUBSPOT_COLUMNS)
    assert (first["Task Type"], first["Priority"], first["Status"]) == (
        "TODO", "HIGH", "NOT_STARTED")
    assert first["Due Date"] == "2026-12-06 19:30"
    assert first["Assigned to"] == "lin@bbx-mom.example"


def test_salesforce_values():
    """Salesforce rows: API names, ISO due date, owner and contact ids, UTC reminder."""
    first = rows("salesforce")[0]
    assert list(first) == list(SALESFORCE_COLUMNS)
    assert (first["ActivityDate"], first["Status"], first["Priority"]) == (
        "2026-12-06", "Not Started", "High")
    assert (first["OwnerId"], first["WhoId"]) == ("guide_lin", "c003")
    assert first["ReminderDateTime"] == "2026-12-04T11:30:00Z"


def test_a_mass_send_is_one_row_for_all_its_customers():
    """A batch is one row of its sender, naming how many customers it reaches, with no
    customer id; its customers' own sends are no rows."""
    batches = [r for r in rows("hubspot", "moments_calendar") if r["Customer ID"] == ""]
    assert batches and all("post to " in r["Task Title"] for r in batches)
    assert all(r["Assigned to"] for r in batches)


def test_lines_end_in_crlf_and_multiline_text_is_quoted():
    """Records end with CRLF; a message over several lines stays one quoted field."""
    text, _ = plan_text("onboarding", sink="csv-hubspot")
    assert text.split("\r\n")[0] == "\ufeff" + ",".join(HUBSPOT_COLUMNS)
    notes = [r["Notes"] for r in rows("hubspot")]
    assert any("\n" in note for note in notes)

"""Tests for the plan format: keys, the JSON Schema, the streamed JSON text and priorities."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from plan_kit import EXAMPLES, plan_text
from sopdsl.planning.model import (
    Assignee, DueWindow, Plan, PlanPlaybook, PlanSummary, PlanTask, PlanWindow, PlanWriter,
    plan_json_schema, priority_band, task_key,
)

PLAYBOOK = PlanPlaybook(title="t", file="t.sop", timezone="Asia/Shanghai")
WINDOW = PlanWindow(start="2026-12-02T00:00:00+08:00", end="2026-12-09T00:00:00+08:00", days=7,
                    lookback_days=30)
SUMMARY = PlanSummary(customers=0, tasks=0, by_kind={}, dropped={})


def a_task(**changes) -> PlanTask:
    values = dict(
        key="k", kind="task", customer="c1", customer_name=None, journey="j",
        entry="2026-12-01T10:00:00+08:00", step="j/1", round=1, source="a.sop:3", priority=0,
        assignee=Assignee(staff_id="s1", name=None, role="guide", email=None),
        due=DueWindow(start="2026-12-02T09:00:00+08:00", end="2026-12-02T21:00:00+08:00"),
        channel=None, title="do it", text="do it", content=None, change=None, condition=None)
    values.update(changes)
    return PlanTask(**values)


def test_task_key_is_stable_and_depends_on_every_part():
    """The same five parts give the same key; changing any one part changes it."""
    parts = ("c1", "onboarding", "2026-12-01T10:00:00+08:00", "onboarding/3", 1)
    key = task_key(*parts)
    assert key == task_key(*parts) and len(key) == 32
    for index, other in enumerate(("c2", "other", "2026-12-01T10:00:01+08:00", "onboarding/4", 2)):
        changed = list(parts)
        changed[index] = other
        assert task_key(*changed) != key


def test_key_parts_cannot_run_into_each_other():
    """Moving text from one part to the next gives a different key."""
    assert task_key("c1", "ab", "e", "s", 1) != task_key("c1a", "b", "e", "s", 1)


@pytest.mark.parametrize("playbook", EXAMPLES)
def test_sample_plans_validate_against_the_published_schema(playbook):
    """Every bundled playbook's plan of the sample data is valid under `sopdsl schema plan`."""
    text, _ = plan_text(playbook)
    document = json.loads(text)
    jsonschema.Draft202012Validator(plan_json_schema()).validate(document)
    plan = Plan.model_validate(document)
    assert plan.summary.tasks == len(plan.tasks)


def test_schema_rejects_an_unknown_kind():
    """A task kind outside the documented ones fails validation."""
    text, _ = plan_text("onboarding")
    document = json.loads(text)
    document["tasks"][0]["kind"] = "call"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, plan_json_schema())


def test_an_empty_plan_is_a_valid_document():
    """A writer with no tasks still writes a complete, valid plan."""
    out = io.StringIO()
    writer = PlanWriter(out, PLAYBOOK, WINDOW)
    writer.write([])
    writer.close(SUMMARY)
    document = json.loads(out.getvalue())
    assert document["tasks"] == [] and document["schema"] == "sopdsl.plan"
    jsonschema.validate(document, plan_json_schema())


def test_writer_writes_nothing_until_tasks_or_the_end():
    """A plan that fails before its first task leaves its output empty."""
    out = io.StringIO()
    PlanWriter(out, PLAYBOOK, WINDOW)
    assert out.getvalue() == ""


def test_writer_puts_one_task_per_line_in_order():
    """Tasks come out one per line, in the order written, and round-trip into the model."""
    out = io.StringIO()
    writer = PlanWriter(out, PLAYBOOK, WINDOW)
    writer.write([a_task(key="a")])
    writer.write([a_task(key="b"), a_task(key="c")])
    writer.close(SUMMARY.model_copy(update={"tasks": 3}))
    task_lines = [line for line in out.getvalue().splitlines() if line.startswith("    {")]
    assert [json.loads(line.rstrip(","))["key"] for line in task_lines] == ["a", "b", "c"]
    assert [t.key for t in Plan.model_validate_json(out.getvalue()).tasks] == ["a", "b", "c"]


def test_line_and_paragraph_separators_are_escaped(tmp_path):
    """U+2028 and U+2029 in any text are written as escapes: the plan keeps one task per line
    for every line splitter (`str.splitlines` and JavaScript split on them), other non-ASCII
    text is written as it is, and the text reads back unchanged, also by the push reader."""
    from sopdsl.push.plan_reader import open_plan

    odd = "回访\u2028王芳\u2029"
    out = io.StringIO()
    writer = PlanWriter(out, PLAYBOOK.model_copy(update={"title": odd}), WINDOW)
    writer.write([a_task(key="a", text=odd, customer_name=odd), a_task(key="b")])
    writer.close(SUMMARY.model_copy(update={"tasks": 2}))
    text = out.getvalue()
    assert "\u2028" not in text and "\u2029" not in text and "回访" in text
    assert "\\u2028" in text and "\\u2029" in text
    assert len([line for line in text.splitlines() if line.startswith("    {")]) == 2
    plan = Plan.model_validate_json(text)
    assert plan.playbook.title == odd and plan.tasks[0].text == plan.tasks[0].customer_name == odd
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    read = open_plan(path)
    assert read.streamed and [task.text for task in read.tasks()] == [odd, "do it"]


def test_priority_bands():
    """Journey priorities map to high from 7, medium from 1, low at 0 and below."""
    assert [priority_band(p) for p in (9, 7, 6, 1, 0, -2)] == [
        "high", "high", "medium", "medium", "low", "low"]


def test_staff_work_is_people_work_only():
    """Tasks, alerts, handoffs and staff-confirmed sends are staff work; the rest is not."""
    assert a_task().staff_work
    assert a_task(kind="send", channel="private_chat").staff_work
    assert not a_task(kind="send", channel="sms", assignee=None).staff_work
    assert not a_task(kind="update", assignee=None).staff_work
    assert not a_task(kind="pending", assignee=None).staff_work

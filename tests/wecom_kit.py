"""Helpers for the WeCom push tests: sample plans as models, synthetic sends, a built target,
the contract server as a fixture."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache

import pytest

from plan_kit import plan_text

from sopdsl.planning.model import Plan, PlanContent, PlanTask, batch_id, group_post_id, task_key
from sopdsl.push.target import PlanRun, TargetSettings
from sopdsl.push.wecom import WecomTarget
from wecom_contract import CORP_ID, SECRET, TAGS, WecomContract

TAG_IDS = json.dumps({tag: tag_id for group in TAGS.values() for tag, tag_id in group.items()},
                     ensure_ascii=False)


@pytest.fixture(scope="module")
def contract() -> Iterator[WecomContract]:
    """The WeCom contract server, started for a test module and stopped after it."""
    server = WecomContract()
    yield server
    server.stop()


@cache
def sample_plan(playbook: str) -> Plan:
    """A bundled playbook planned over the bundled sample data."""
    return Plan.model_validate_json(plan_text(playbook)[0])


def run_of(plan: Plan) -> PlanRun:
    """The plan's run, as the push runner passes it to targets."""
    return PlanRun(plan.playbook, plan.window)


def target(base_url: str = "http://127.0.0.1:9/cgi-bin/", **settings: str) -> WecomTarget:
    """A WeCom target for the contract server's corp, with its tag ids."""
    values = {"corp_id": CORP_ID, "secret": SECRET, "base_url": base_url, "timeout": "5",
              "tag_ids": TAG_IDS, **settings}
    return WecomTarget(TargetSettings("wecom", values))


def send_task(customer: str, sender: str | None = "guide_chen", channel: str = "private_chat",
              text: str = "周末到店试饮", day: str = "2026-12-02", round_: int = 1,
              content: PlanContent | None = None) -> PlanTask:
    """A mass send (or post), made from a sample task with the given fields; sends of one
    sender and day are one batch, released at 09:00 as a daily plan's would be."""
    template = next(task for task in sample_plan("onboarding").tasks if task.kind == "send")
    assert template.assignee is not None
    content = content or PlanContent(name="promo", kind="text", title=text, text=text)
    return template.model_copy(update={
        "key": task_key(customer, "promo", f"{day}T09:00:00+08:00", "promo/1", round_),
        "customer": customer, "channel": channel, "text": content.text, "content": content,
        "batch": batch_id("promo", "promo/1", sender, f"{day}T09:00:00+08:00"),
        "round": round_, "journey": "promo", "step": "promo/1",
        "assignee": template.assignee.model_copy(update={"staff_id": sender}),
        "due": template.due.model_copy(update={"start": f"{day}T09:00:00+08:00",
                                               "end": f"{day}T21:00:00+08:00"})})


def post_task(chat_id: str, sender: str | None = "guide_chen", text: str = "早安",
              day: str = "2026-12-02", members: int = 35) -> PlanTask:
    """A plan's post to one customer group (a `batch` task naming the group)."""
    task = send_task("c1", sender, "group", text, day)
    return task.model_copy(update={
        "key": group_post_id(chat_id, "promo", task.due.start), "kind": "batch",
        "customer": None, "batch": None, "group": chat_id, "group_name": f"群{chat_id}",
        "members": members, "reach": members, "customers": []})

"""The plan format: versioned pydantic models of a task plan, its JSON Schema and its JSON text.

A plan is the work one playbook asks of staff and systems for a set of customers in a time
window. Every task carries a stable idempotency key, so tools that consume plans (CRM imports,
calendars, pushes) can tell a task they already have from a new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PLAN_SCHEMA_NAME = "sopdsl.plan"
PLAN_VERSION = 1

TaskKind = Literal["send", "task", "notify", "handoff", "update", "pending", "batch",
                   "escalation"]
# Kinds that are work for a person; `send` only when a staff member confirms it on its own.
STAFF_KINDS = frozenset(("task", "notify", "handoff", "batch", "escalation"))


class StrictModel(BaseModel):
    """A published document's part: immutable, and no keys beyond the documented ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Assignee(StrictModel):
    """Who does the work: a staff member, or a role's queue when no member is known."""

    staff_id: str | None = Field(description="The staff member's id (a WeCom userid); null when "
                                             "the work waits in the role's queue.")
    name: str | None = Field(description="The staff member's display name, when known.")
    role: str | None = Field(description="The role the work is for; null for the owner's own "
                                         "work when the owner's role is not known.")
    email: str | None = Field(description="The staff member's e-mail, when known (CRM imports "
                                          "match users by it).")


class DueWindow(StrictModel):
    """When the work should be done, as RFC 3339 times in the playbook's time zone."""

    start: str = Field(description="The earliest moment: after quiet hours (sends) and inside "
                                   "staff hours (staff work).")
    end: str = Field(description="The latest moment: the task's `due`, else the end of that "
                                 "staff day; equal to start for automatic work.")


class PlanContent(StrictModel):
    """A content item as sent, placeholders filled from the customer and the owner."""

    name: str = Field(description="The content's name in the playbook.")
    kind: str = Field(description="text, article, poster, video, coupon, miniprogram, live, file "
                                  "or link.")
    title: str | None = Field(description="The title (for `text` content: the message).")
    text: str = Field(description="The rendered message: title, text field and url.")
    url: str | None = None
    value: float | None = Field(default=None, description="A coupon's value.")
    valid: str | None = Field(default=None, description="How long a coupon is valid, e.g. 7d.")


class PlanChange(StrictModel):
    """A change of the customer's state made by a step."""

    field: Literal["tag", "untag", "score", "stage", "set"]
    name: str | None = Field(description="The tag, or the attribute for `set`.")
    value: Any = Field(description="The new value (the tag for tag and untag).")
    owner: str | None = Field(default=None, description="The customer's owner when the change "
                                                        "is made (the WeCom userid a tag is set "
                                                        "through); null when not known.")


class PlanTask(StrictModel):
    """One piece of work in the plan."""

    key: str = Field(description="Idempotency key: a hash of customer, journey, entry, step and "
                                 "round (a batch: of journey, step, sender and release "
                                 "moment). The same work has the same key in every plan.")
    kind: TaskKind = Field(description="send, task, notify, handoff, update (a change of the "
                                       "customer's tags, stage, score or attributes), pending "
                                       "(waits for something the customer may do), batch (one "
                                       "staff action: a mass send or moments post for all its "
                                       "customers) or escalation (a rung of a task's `escalate` "
                                       "ladder, should the task still be open then).")
    customer: str | None = Field(description="The customer's id; null for a batch.")
    customer_name: str | None = Field(description="The customer's `name` attribute.")
    journey: str = Field(description="The journey's name.")
    entry: str | None = Field(description="When the customer entered the journey (RFC 3339); "
                                          "null for a batch.")
    step: str = Field(description="The step's stable id, e.g. onboarding/d1 or onboarding/5.then/1.")
    round: int = Field(ge=1, description="1, or the round of a step inside a `repeat`.")
    source: str = Field(description="The step's place in the playbook, file:line.")
    priority: int = Field(description="The journey's priority.")
    assignee: Assignee | None = Field(description="Who does it; null for automatic work.")
    due: DueWindow
    channel: str | None = Field(description="For sends: private_chat, group, moments (a staff "
                                            "member confirms), sms, email or welcome (automatic).")
    title: str = Field(description="A one-line summary, for a CRM task's subject.")
    text: str | None = Field(description="The full text: the message, the instruction or the "
                                         "alert, placeholders filled.")
    content: PlanContent | None = Field(description="The content sent (sends) or attached "
                                                    "(`task ... with C`).")
    change: PlanChange | None = Field(description="For `update`: what changes.")
    condition: str | None = Field(description="For `pending`: what the step waits for or "
                                              "decides on.")
    batch: str | None = Field(default=None, description="For a mass send or moments post: the "
                                                        "key of its batch (the `batch` task "
                                                        "staff confirm); null otherwise.")
    customers: list[str] | None = Field(default=None, description="For a batch: the ids of the "
                                                                  "customers it goes to (a "
                                                                  "post's visible range).")
    reach: int | None = Field(default=None, description="For a batch: how many customers.")
    group: str | None = Field(default=None, description="For a post to a customer group: the "
                                                        "group's WeCom chat_id.")
    group_name: str | None = Field(default=None, description="For a group post: the group's "
                                                             "name, when known.")
    members: int | None = Field(default=None, description="For a group post: the group's "
                                                          "members at the plan's start.")
    released: str | None = Field(default=None, description="For a send via group and a "
                                                           "group post: the release moment "
                                                           "(RFC 3339) posts merge on.")

    @property
    def staff_work(self) -> bool:
        """True when a person must do it: tasks, alerts, handoffs, batches, and staff-confirmed
        sends that are work of their own (`chat`)."""
        return self.kind in STAFF_KINDS or (
            self.kind == "send" and self.assignee is not None and self.batch is None)


class PlanWindow(StrictModel):
    """The planned period: [start, end)."""

    start: str
    end: str
    days: int = Field(ge=1)
    lookback_days: int = Field(ge=0, description="How far before start customer history is "
                                                 "replayed through the journeys.")
    staff_hours: str | None = Field(
        default=None, description="HH:MM-HH:MM: when staff work on their working days, which "
                                  "due times count in (absent in plans of earlier releases).")


class PlanPlaybook(StrictModel):
    """The playbook the plan is made from."""

    title: str | None
    file: str
    timezone: str
    workdays: str = Field(default="every_day",
                          description="The `workdays` calendar due times count working days in.")


class PlanSummary(StrictModel):
    """Counts over the whole plan."""

    customers: int = Field(description="Customers planned.")
    tasks: int = Field(description="Tasks listed.")
    by_kind: dict[str, int] = Field(description="Tasks per kind.")
    dropped: dict[str, int] = Field(description="Sends in the window that caps or WeCom limits "
                                                "drop, per reason; they are not listed.")


class Plan(StrictModel):
    """A task plan (JSON: this object; its tasks in customer id order, then due time)."""

    schema_name: Literal["sopdsl.plan"] = Field(PLAN_SCHEMA_NAME, alias="schema")
    version: Literal[1] = PLAN_VERSION
    playbook: PlanPlaybook
    window: PlanWindow
    tasks: list[PlanTask]
    summary: PlanSummary

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# Fields only batches and their sends (and group posts) have: left out elsewhere, so a plan
# without mass sends or posts reads as plans did before batches.
BATCH_FIELDS = ("batch", "customers", "reach", "group", "group_name", "members", "released")


def task_json(task: PlanTask) -> dict[str, Any]:
    """A task as plan JSON, the batch fields only where they apply."""
    data = task.model_dump(mode="json")
    for name in BATCH_FIELDS:
        if data[name] is None:
            del data[name]
    return data


def priority_band(priority: int) -> Literal["high", "medium", "low"]:
    """A journey priority as CRM priority: 7 and above high, 1-6 medium, 0 and below low."""
    if priority >= 7:
        return "high"
    return "medium" if priority >= 1 else "low"


def task_key(customer: str, journey: str, entry: str, step: str, round_: int) -> str:
    """The idempotency key of one piece of work (32 hex digits of a SHA-256)."""
    text = "\x1f".join((customer, journey, entry, step, str(round_)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def batch_id(journey: str, step: str, sender: str | None, moment: str) -> str:
    """The key of a batch: its step, sender and release moment (RFC 3339), hashed as task keys
    are."""
    text = "\x1f".join(("batch", journey, step, sender or "", moment))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def group_post_id(group: str, content: str, moment: str) -> str:
    """The key of a post to a customer group: its group, content and release moment."""
    return batch_id("group", group, content, moment)


def published_schema(model: type[BaseModel], name: str, version: int) -> dict[str, Any]:
    """A document model's JSON Schema (draft 2020-12) with its published id."""
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://sopdsl.dev/schema/{name}-v{version}.json"
    return schema


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of a plan document."""
    return published_schema(Plan, "plan", PLAN_VERSION)


class PlanWriter:
    """Writes a plan as JSON one task at a time, so plans of any size take little memory.

    Nothing is written before the first tasks (or the end), so a plan that fails to start
    leaves its output empty.
    """

    def __init__(self, out: IO[str], playbook: PlanPlaybook, window: PlanWindow) -> None:
        self.out = out
        self.head: str | None = _json(
            {"schema": PLAN_SCHEMA_NAME, "version": PLAN_VERSION,
             "playbook": playbook.model_dump(mode="json"),
             "window": window.model_dump(mode="json")}, indent=2)
        self.first = True

    def write(self, tasks: Iterable[PlanTask]) -> None:
        """Append tasks, one line each."""
        self._begin()
        for task in tasks:
            self.out.write("\n    " if self.first else ",\n    ")
            self.out.write(_json(task_json(task)))
            self.first = False

    def close(self, summary: PlanSummary) -> None:
        """End the document with the summary."""
        self._begin()
        self.out.write("\n  ],\n" if not self.first else "],\n")
        body = _json({"summary": summary.model_dump(mode="json")}, indent=2)
        self.out.write(body[2:] + "\n")

    def _begin(self) -> None:
        if self.head is not None:
            self.out.write(self.head[:-2] + ',\n  "tasks": [')
            self.head = None


def _json(value: object, indent: int | None = None) -> str:
    """JSON text with non-ASCII characters as they are, except the line and paragraph
    separators U+2028 and U+2029: escaped, since JavaScript and line-based readers take them
    for line ends."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")

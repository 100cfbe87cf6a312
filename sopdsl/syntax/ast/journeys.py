"""Journeys: triggers, clauses and steps."""

from __future__ import annotations

from typing import Literal, Union

from sopdsl.syntax.ast.nodes import (
    BoolLit, DateLit, Duration, Ident, Node, Number, Percent, StringLit, TimeOfDay,
)
from sopdsl.syntax.ast.expressions import EventRef, Expr


class EventTrigger(Node):
    event: EventRef


class DateTrigger(Node):
    attribute: Ident
    sign: Literal["+", "-"] = "+"
    offset: Duration | None = None
    at: TimeOfDay | None = None


class EnterTrigger(Node):
    segment: Ident
    current: bool = False  # `including current`: also customers in it when first followed


class EveryTrigger(Node):
    unit: Literal["day", "weekday", "interval", "month"]
    weekday: str | None = None
    interval: Duration | None = None
    at: TimeOfDay
    month_day: int | Literal["last"] | None = None  # `every month on 31` or `on last`
    first: DateLit | None = None  # `in FIRST..LAST`: only on those days, both included
    last: DateLit | None = None


class OnceTrigger(Node):
    """`when at 2026-06-18 20:00`: once, at a local date and time."""

    date: DateLit
    at: TimeOfDay


class CampaignTrigger(Node):
    """`when campaign 618 starts peak at 10:00`: on the phase's first day (00:00 by default)."""

    campaign: Ident
    phase: Ident
    at: TimeOfDay | None = None


class InactiveTrigger(Node):
    duration: Duration


class StageTrigger(Node):
    stage: Ident


class TagAddedTrigger(Node):
    tag: StringLit


Trigger = Union[
    EventTrigger, DateTrigger, EnterTrigger, EveryTrigger, InactiveTrigger, StageTrigger,
    TagAddedTrigger, OnceTrigger, CampaignTrigger,
]


class When(Node):
    triggers: list[Trigger]


class Audience(Node):
    expr: Expr


class Reentry(Node):
    mode: Literal["never", "always", "after"]
    after: Duration | None = None


class Goal(Node):
    name: Ident
    events: list[EventRef]
    within: Duration
    terminal: bool = True  # False for a `milestone`: recorded, the run goes on


class ExitOn(Node):
    events: list[EventRef]


class ExitWhen(Node):
    expr: Expr


class Priority(Node):
    value: Number


class JourneyCap(Node):
    count: Number
    window: Duration


Clause = Union[When, Audience, Reentry, Goal, ExitOn, ExitWhen, Priority, JourneyCap]


class StepBase(Node):
    label: Ident | None = None


class Send(StepBase):
    content: Ident
    channel: Ident
    by: Ident | None = None
    at: TimeOfDay | None = None


class Escalation(Node):
    """`after D remind | notify ROLE ["text"] | reassign` inside a task's `escalate { }`."""

    after: Duration
    action: Literal["remind", "notify", "reassign"]
    role: Ident | None = None  # notify's role
    text: StringLit | None = None  # notify's message


class Task(StepBase):
    role: Ident
    instruction: StringLit
    content: Ident | None = None
    due: Duration | None = None
    wall: bool = False  # `due D wall`: D of wall-clock time, not working time
    escalation: list[Escalation] = []  # `escalate { ... }`, in the order written


class Notify(StepBase):
    role: Ident
    text: StringLit


class Wait(StepBase):
    duration: Duration
    at: TimeOfDay | None = None


class WaitUntilTime(StepBase):
    time: TimeOfDay


class WaitUntilDay(StepBase):
    weekday: str
    at: TimeOfDay | None = None


class WaitFor(StepBase):
    events: list[EventRef]
    within: Duration
    then: list[Step] | None = None
    timeout: list[Step] | None = None
    has_block: bool = False


class Branch(Node):
    condition: Expr
    steps: list[Step]


class If(StepBase):
    branches: list[Branch]  # the `if` then each `elif`
    otherwise: list[Step] | None = None


class SplitArm(Node):
    share: Percent
    name: Ident
    steps: list[Step]


class Split(StepBase):
    name: Ident
    arms: list[SplitArm]


class TagStep(StepBase):
    tag: StringLit


class UntagStep(StepBase):
    tag: StringLit


class ScoreStep(StepBase):
    op: Literal["+", "-", "="]
    amount: Number


class StageStep(StepBase):
    stage: Ident


class SetStep(StepBase):
    attribute: Ident
    value: Number | Percent | Duration | StringLit | TimeOfDay | DateLit | BoolLit
    negative: bool = False


class Handoff(StepBase):
    role: Ident


class Enter(StepBase):
    journey: Ident


class ExitStep(StepBase):
    pass


class RepeatN(StepBase):
    count: Number
    every: Duration
    steps: list[Step]


class RepeatUntil(StepBase):
    every: Duration
    until: Expr
    max: Number
    steps: list[Step]


Step = Union[
    Send, Task, Notify, Wait, WaitUntilTime, WaitUntilDay, WaitFor, If, Split, TagStep,
    UntagStep, ScoreStep, StageStep, SetStep, Handoff, Enter, ExitStep, RepeatN, RepeatUntil,
]


class Journey(Node):
    name: Ident
    title: StringLit | None = None
    clauses: list[Clause]
    steps: list[Step]
    entity: Ident | None = None  # `for groups`: what one run follows; None for customers

    @property
    def for_groups(self) -> bool:
        """Whether a run follows a customer group (`for groups`) instead of a customer."""
        return self.entity is not None

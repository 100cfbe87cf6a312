"""The syntax tree of a playbook file: typed, immutable nodes that each carry a span."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Self, Union

from pydantic import BaseModel, ConfigDict

from sopdsl.syntax.source import Span


class Node(BaseModel):
    """Base of every AST node."""

    # The parser makes nodes with `make`: validators are built only if something validates.
    model_config = ConfigDict(frozen=True, defer_build=True)

    span: Span

    @classmethod
    def make(cls, **values: Any) -> Self:
        """A node from values the grammar already guarantees, unvalidated (as `model_construct`).

        The parser makes about ten nodes per line: this sets the instance state pydantic keeps
        directly, which costs a third of `model_construct`.
        """
        names, defaults, fields_set = _layouts.get(cls) or _layout(cls)
        if len(values) != len(names):
            values = {name: values[name] if name in values else defaults[name].get_default(
                call_default_factory=True) for name in names}
        node = _new(cls)
        _set(node, "__dict__", values)
        _set(node, "__pydantic_fields_set__", fields_set)
        _set(node, "__pydantic_extra__", None)
        _set(node, "__pydantic_private__", None)
        return node


_new = object.__new__
_set = object.__setattr__
# Per node class: its field names in order, the fields with defaults, and the set of all names
# (shared: pydantic copies it before changing it, in model_copy).
_layouts: dict[type[Node], tuple[tuple[str, ...], dict[str, Any], set[str]]] = {}


def _layout(cls: type[Node]) -> tuple[tuple[str, ...], dict[str, Any], set[str]]:
    fields = cls.model_fields
    layout = (tuple(fields), {name: f for name, f in fields.items() if not f.is_required()},
              set(fields))
    _layouts[cls] = layout
    return layout


# ---- literals and names -----------------------------------------------------------------


class Ident(Node):
    name: str


class Number(Node):
    value: float
    text: str


class Percent(Node):
    value: float  # 12% is 0.12
    text: str


class Duration(Node):
    minutes: int
    text: str


class StringLit(Node):
    value: str
    text: str  # as written, quotes included


class TimeOfDay(Node):
    hour: int
    minute: int
    text: str

    @property
    def minutes(self) -> int:
        return self.hour * 60 + self.minute


class DateLit(Node):
    value: dt.date
    text: str


class BoolLit(Node):
    value: bool


class Rate(Node):
    count: float
    per: Literal["hour", "day", "week", "month"]
    text: str


class Multiplier(Node):
    value: float
    text: str


class TimeRange(Node):
    start: TimeOfDay
    end: TimeOfDay


class Distribution(Node):
    kind: str  # normal lognormal uniform exponential poisson fixed beta
    args: list[Number | Duration | Percent]
    per_customer: bool = False  # `beta(2, 9) per customer`: each customer draws its own


class ModelName(Node):
    """A named model as a scenario value: `value gamma_gamma { ... }`."""

    name: str


Literal_ = Union[Number, Percent, Duration, StringLit, TimeOfDay, DateLit, BoolLit]


# ---- expressions ------------------------------------------------------------------------


class EventRef(Node):
    name: Ident
    content: Ident | None = None


class NameValue(Node):
    """A bare name in a value position: an attribute, or a stage compared with `stage`."""

    name: str


class StageValue(Node):
    pass


class ScoreValue(Node):
    pass


class RfmValue(Node):
    dimension: Ident  # r, f or m


class CountValue(Node):
    event: EventRef
    window: Duration | None = None


class DaysSinceValue(Node):
    event: EventRef


class SumValue(Node):
    event: Ident  # purchase
    field: Ident  # amount
    window: Duration | None = None


class Arith(Node):
    op: Literal["+", "-", "*", "/"]
    left: Value
    right: Value


class TodayValue(Node):
    """`today`: the customer's local date in the playbook's time zone."""


Value = Union[
    Arith, NameValue, StageValue, ScoreValue, RfmValue, CountValue, DaysSinceValue, SumValue,
    Number, Percent, Duration, StringLit, TimeOfDay, DateLit, BoolLit, TodayValue,
]


class BoolOp(Node):
    op: Literal["and", "or"]
    operands: list[Expr]


class Not(Node):
    operand: Expr


class Group(Node):
    """An expression written in parentheses (kept so formatting round-trips exactly)."""

    expr: Expr


class Compare(Node):
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Value
    right: Value


class InList(Node):
    value: Value
    items: list[Value]


class InRange(Node):
    value: Value
    low: Number
    high: Number


class TagTest(Node):
    tag: StringLit


class SegmentRef(Node):
    name: str


class EverTest(Node):
    event: EventRef


class InDates(Node):
    """`VALUE in 2026-06-01..2026-06-18`: both days included."""

    value: Value
    low: DateLit
    high: DateLit


class CampaignTest(Node):
    """`campaign 618 is peak` (a phase), or `in campaign 618` (phase None: any phase)."""

    campaign: Ident
    phase: Ident | None = None


class DayTest(Node):
    """`today is holiday`, `today is 中秋`, `today is birthday`: what a day is (the name is
    `holiday`, `workday`, a festival or a date attribute, told apart by the checker)."""

    value: Value
    day: Ident


Expr = Union[
    BoolOp, Not, Group, Compare, InList, InRange, TagTest, SegmentRef, EverTest, InDates,
    CampaignTest, DayTest,
]


# ---- top-level declarations -------------------------------------------------------------


class Timezone(Node):
    name: StringLit


class QuietHours(Node):
    window: TimeRange


class FrequencyCap(Node):
    count: Number
    window: Duration


class MassQuota(Node):
    count: Number
    window: Duration | None = None  # a sliding window, or
    calendar: Literal["day", "week", "month"] | None = None  # a calendar period


class Stages(Node):
    names: list[Ident]


class Workdays(Node):
    calendar: Ident


PlaybookSetting = Union[Timezone, QuietHours, FrequencyCap, MassQuota, Stages, Workdays]


class PlaybookDecl(Node):
    title: StringLit
    settings: list[PlaybookSetting]


class ImportDecl(Node):
    path: StringLit


class RoleDecl(Node):
    name: Ident
    title: StringLit | None = None


class TypeRef(Node):
    kind: str  # string number bool date enum (checked by the resolver)
    values: list[StringLit] = []


class AttributeDecl(Node):
    name: Ident
    type: TypeRef


class EventDecl(Node):
    name: Ident


class ContentField(Node):
    key: Ident
    value: StringLit | Number | Percent | Duration | Ident


class ContentDecl(Node):
    name: Ident
    kind: Ident
    title: StringLit | None = None
    fields: list[ContentField] = []
    has_block: bool = False


class SegmentDecl(Node):
    name: Ident
    expr: Expr


# ---- journeys ---------------------------------------------------------------------------


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


# ---- scenarios --------------------------------------------------------------------------


class Within(Node):
    duration: Duration


ScValue = Union[
    Number, Percent, Duration, DateLit, Rate, Multiplier, StringLit, TimeRange, Distribution,
    Within, ModelName,
]


class ScSetting(Node):
    key: Ident
    values: list[ScValue]
    block: list[ScItem] | None = None


class ScOwner(Node):
    role: Ident


class ScStaff(Node):
    role: Ident
    count: Number
    block: list[ScItem] | None = None


class ScChannel(Node):
    channel: Ident
    block: list[ScItem]


class ScPurpose(Node):
    purpose: Ident
    block: list[ScItem]


class ScEffect(Node):
    condition: Expr
    block: list[ScItem]


class Share(Node):
    value: StringLit | Ident | Number | BoolLit
    share: Percent


class ScAttribute(Node):
    attribute: Ident
    distribution: Distribution | None = None
    low: Number | None = None
    high: Number | None = None
    shares: list[Share] = []


class ScTag(Node):
    tag: StringLit
    share: Percent


class StageShare(Node):
    stage: Ident
    share: Percent


class ScStage(Node):
    shares: list[StageShare]


class ScHistory(Node):
    event: Ident
    distribution: Distribution
    within: Duration


class ScAbove(Node):
    count: Number
    window: Duration
    items: list[ScItem]


ScItem = Union[
    ScSetting, ScOwner, ScStaff, ScChannel, ScPurpose, ScEffect, ScAttribute, ScTag, ScStage,
    ScHistory, ScAbove,
]


class Scenario(Node):
    name: Ident
    items: list[ScItem]


class Phase(Node):
    """`phase peak 2026-06-16..2026-06-18`: local days, both included."""

    name: Ident
    start: DateLit
    end: DateLit


class Blackout(Node):
    """`pause onboarding, winback during peak`: hold (pause) or drop (block) their sends."""

    mode: Literal["pause", "block"]
    journeys: list[Ident]
    phases: list[Ident]


class CampaignDecl(Node):
    name: Ident
    title: StringLit | None = None
    phases: list[Phase]
    blackouts: list[Blackout] = []


Decl = Union[
    PlaybookDecl, ImportDecl, RoleDecl, AttributeDecl, EventDecl, ContentDecl, SegmentDecl,
    Journey, Scenario, CampaignDecl,
]


class Comment(Node):
    text: str  # with the leading '#'


class Module(Node):
    """One parsed file: its declarations in source order and its comments."""

    path: str
    decls: list[Decl]
    comments: list[Comment] = []


def without_spans(node: object) -> object:
    """The node as plain data with every span left out, for comparing meaning."""
    if isinstance(node, Node):
        data = {"node": type(node).__name__}
        for field in type(node).model_fields:
            if field != "span":
                data[field] = without_spans(getattr(node, field))
        return data
    if isinstance(node, list):
        return [without_spans(item) for item in node]
    return node

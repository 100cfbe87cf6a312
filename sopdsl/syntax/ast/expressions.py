"""Expressions: values, comparisons and tests of a customer's state."""

from __future__ import annotations

from typing import Literal, Union

from sopdsl.syntax.ast.nodes import (
    BoolLit, DateLit, Duration, Ident, Node, Number, Percent, StringLit, TimeOfDay,
)


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

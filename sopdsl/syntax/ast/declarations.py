"""Top-level declarations: playbook settings, roles, attributes, events, content, segments."""

from __future__ import annotations

from typing import Literal, Union

from sopdsl.syntax.ast.nodes import Duration, Ident, Node, Number, Percent, StringLit, TimeRange
from sopdsl.syntax.ast.expressions import Expr


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

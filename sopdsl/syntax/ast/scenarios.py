"""Scenarios and campaigns."""

from __future__ import annotations

from typing import Literal, Union

from sopdsl.syntax.ast.nodes import (
    BoolLit, DateLit, Distribution, Duration, Ident, ModelName, Multiplier, Negative, Node,
    Number, Percent, Rate, StringLit, TimeRange,
)
from sopdsl.syntax.ast.expressions import Expr


class Within(Node):
    duration: Duration


ScValue = Union[
    Number, Negative, Percent, Duration, DateLit, Rate, Multiplier, StringLit, TimeRange,
    Distribution, Within, ModelName,
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

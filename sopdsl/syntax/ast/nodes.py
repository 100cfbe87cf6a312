"""The base of every syntax-tree node, and the literals and names."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Self

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

# ---- literals and names -----------------------------------------------------------------


class Ident(Node):
    name: str


class Number(Node):
    value: float
    text: str


class Negative(Node):
    """A number written with a minus sign (`-0.0098`): a scenario value only a covariance takes."""

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

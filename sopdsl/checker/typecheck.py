"""Types of expressions: every value typed, every comparison and operator checked."""

from __future__ import annotations

from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.builtins import YEARLY_TYPES
from sopdsl.diagnostics import did_you_mean
from sopdsl.lunar import FESTIVAL_NAMES, FESTIVALS
from sopdsl.checker.program import AttributeInfo
from sopdsl.checker.resolve import Resolver
from sopdsl.syntax.source import Span

# Values that have an order: `<`, `<=`, `>`, `>=` apply to them.
ORDERED_KINDS = frozenset({"number", "date", "stage"})
ORDERING = frozenset({"<", "<=", ">", ">="})
RFM_DIMENSIONS = ("r", "f", "m")
# What `DATE is NAME` tells besides festivals and date attributes (docs/reference.md).
DAY_KINDS = ("holiday", "workday")


@dataclass(frozen=True, slots=True)
class Type:
    """The type of a value: number string bool date stage duration time, or an enum attribute."""

    kind: str
    attribute: AttributeInfo | None = None  # the enum's attribute

    def describe(self) -> str:
        if self.kind == "enum":
            return f"enum `{self.attribute.name}`"
        return _TYPE_WORDS[self.kind]


_TYPE_WORDS = {
    "number": "a number", "string": "a string", "bool": "a bool", "date": "a date",
    "stage": "a stage", "duration": "a duration", "time": "a time of day",
    "lunar_date": "a lunar date",
}
NUMBER, STRING, BOOL, DATE = Type("number"), Type("string"), Type("bool"), Type("date")
STAGE, DURATION, TIME = Type("stage"), Type("duration"), Type("time")
LUNAR = Type("lunar_date")

_LITERAL_TYPES = {
    ast.Number: NUMBER, ast.Percent: NUMBER, ast.StringLit: STRING, ast.BoolLit: BOOL,
    ast.DateLit: DATE, ast.Duration: DURATION, ast.TimeOfDay: TIME,
}
_ATTRIBUTE_TYPES = {"number": NUMBER, "string": STRING, "bool": BOOL, "date": DATE,
                    "lunar_date": LUNAR}
# A lunar date has a solar day only within a year: what to write instead of ordering it.
_LUNAR_HINT = ("a lunar date falls on another solar day each year: start a yearly journey with "
               "`when {name} - 3d at 10:00`, or test the day with `today is {name}`")

# A value of each type, for hints: "compare it with a number, such as `3`".
_EXAMPLES = {
    "number": "`3`", "string": '`"上海"`', "bool": "`true` or `false`", "date": "`2026-12-01`",
}


def _example_hint(verb: str, expected: Type) -> str | None:
    if expected.kind == "enum":
        return f"{verb} one of its values: " + _quoted(expected.attribute.values)
    if expected.kind not in _EXAMPLES:
        return None
    return f"{verb} {expected.describe()}, such as {_EXAMPLES[expected.kind]}"


def attribute_type(info: AttributeInfo) -> Type | None:
    """The type of an attribute's values (None for a type that does not exist)."""
    if info.type == "enum":
        return Type("enum", info)
    return _ATTRIBUTE_TYPES.get(info.type)


class ExprChecker:
    """Checks conditions and values; remembers which segments each segment refers to."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.report = resolver.report
        # While a segment is checked: the segments it refers to, for the cycle check.
        self._segment_refs: list[ast.SegmentRef] | None = None
        self._tests = {
            ast.BoolOp: self._bool_op, ast.Not: self._not, ast.Group: self._group,
            ast.Compare: self._compare, ast.InList: self._in_list, ast.InRange: self._in_range,
            ast.TagTest: _nothing, ast.SegmentRef: self._segment_ref, ast.EverTest: self._ever,
            ast.InDates: self._in_dates, ast.DayTest: self._day_test,
            ast.CampaignTest: lambda e: resolver.campaign_phase(e.campaign, e.phase),
        }
        self._values = {
            ast.Arith: self._arith, ast.NameValue: self._name_value,
            ast.StageValue: lambda v: STAGE, ast.ScoreValue: lambda v: NUMBER,
            ast.RfmValue: self._rfm, ast.CountValue: self._count,
            ast.DaysSinceValue: self._days_since, ast.SumValue: self._sum,
            ast.TodayValue: lambda v: DATE,
        }

    def check(self, expr: ast.Expr) -> None:
        """Check a condition: names resolve, comparisons and operators are well typed."""
        self._tests[type(expr)](expr)

    def segment_references(self, expr: ast.Expr) -> list[ast.SegmentRef]:
        """Check a segment's condition; the segment references in it that resolve."""
        self._segment_refs = []
        self.check(expr)
        refs, self._segment_refs = self._segment_refs, None
        return refs

    def value_type(self, value: ast.Value) -> Type | None:
        """The type of a value (None when unknown: an error was reported or nothing fits)."""
        literal = _LITERAL_TYPES.get(type(value))
        if literal is not None:
            return literal
        return self._values[type(value)](value)

    def _check_window(self, window: ast.Duration | None, what: str) -> None:
        """A window of zero length counts nothing (E310)."""
        if window is not None and window.minutes == 0:
            self.report("E310", window.span, f"{what} has a window of zero length",
                        hint="give a window such as `30d`, or leave it out to count all history")

    # ---- conditions -------------------------------------------------------------------

    def _bool_op(self, expr: ast.BoolOp) -> None:
        for operand in expr.operands:
            self._tests[type(operand)](operand)

    def _not(self, expr: ast.Not) -> None:
        self.check(expr.operand)

    def _group(self, expr: ast.Group) -> None:
        self.check(expr.expr)

    def _segment_ref(self, expr: ast.SegmentRef) -> None:
        found = self.resolver.segment(expr.name, expr.span)
        if found is not None and self._segment_refs is not None:
            self._segment_refs.append(expr)

    def _ever(self, expr: ast.EverTest) -> None:
        self.resolver.event(expr.event)

    def _compare(self, expr: ast.Compare) -> None:
        if isinstance(expr.left, ast.StageValue) or isinstance(expr.right, ast.StageValue):
            self._compare_stage(expr)
            return
        left, right = self.value_type(expr.left), self.value_type(expr.right)
        if left is None or right is None:
            return
        # The subject is the side that is not a literal: `"gold" == level` is about `level`.
        if _is_literal(expr.left) and not _is_literal(expr.right):
            subject, other, other_type = right, expr.left, left
        else:
            subject, other, other_type = left, expr.right, right
        if expr.op in ORDERING and subject.kind not in ORDERED_KINDS:
            self._unordered(expr, subject)
        else:
            self._require(subject, other, other_type, expr.span)

    def _compare_stage(self, expr: ast.Compare) -> None:
        other = expr.right if isinstance(expr.left, ast.StageValue) else expr.left
        self._stage_operand(other, expr.span)

    def _stage_operand(self, value: ast.Value, span: Span) -> None:
        """A value compared with `stage`: a bare name is a stage, nothing else fits."""
        if isinstance(value, ast.NameValue):
            self.resolver.stage(value.name, value.span)
            return
        if isinstance(value, ast.StageValue):
            return
        value_type = self.value_type(value)
        if value_type is None:
            return
        stages = self.resolver.program.settings.stages
        hint = f"compare it with a stage name, such as `{stages[-1]}`"
        if isinstance(value, ast.StringLit) and value.value in stages:
            hint = f"stage names are written without quotes: `{value.value}`"
        self.report("E207", span, f"cannot compare `stage` with {value_type.describe()}", hint)

    def _unordered(self, expr: ast.Compare, subject: Type) -> None:
        hint = None
        if subject.kind == "enum":
            hint = ("enum values have no order; list the ones that match: "
                    f"`{subject.attribute.name} in [...]`")
        elif subject.kind in ("string", "bool"):
            hint = "use `==` or `!=`"
        elif subject.kind == "lunar_date":
            subject_value = expr.right if _is_literal(expr.left) else expr.left
            hint = _LUNAR_HINT.format(name=value_name(subject_value))
        self.report("E207", expr.span, f"`{expr.op}` does not apply to {subject.describe()}", hint)

    def _require(self, expected: Type, value: ast.Value, actual: Type, span: Span) -> None:
        """Check that `value` (of type `actual`) can stand where `expected` is wanted."""
        if expected.kind == "enum" and actual is STRING and isinstance(value, ast.StringLit):
            self.enum_value(expected.attribute, value)
            return
        if actual.kind == expected.kind and (
                expected.kind != "enum" or actual.attribute.name == expected.attribute.name):
            return
        self.report("E207", span, f"cannot compare {expected.describe()} with {actual.describe()}",
                    hint=_example_hint("compare it with", expected))

    def check_assignment(self, step: ast.SetStep) -> None:
        """`set ATTR = literal`: a literal of the attribute's type (an enum: one of its values)."""
        info = self.resolver.attribute(step.attribute.name, step.attribute.span)
        expected = attribute_type(info) if info is not None else None
        if expected is None:
            return
        value = step.value
        if expected.kind == "enum" and isinstance(value, ast.StringLit):
            self.enum_value(info, value)
            return
        actual = _LITERAL_TYPES[type(value)]
        if actual.kind != expected.kind:
            self.report("E207", value.span,
                        f"`{info.name}` holds {expected.describe()}, not {actual.describe()}",
                        hint=_example_hint("set it to", expected))

    def enum_value(self, info: AttributeInfo, value: ast.StringLit) -> None:
        """A string given for an enum attribute must be one of its values (E215)."""
        if value.value in info.values:
            return
        self.report("E215", value.span, f"{value.text} is not a value of `{info.name}`",
                    hint=did_you_mean(value.value, info.values)
                    or f"the values of `{info.name}` are " + _quoted(info.values))

    def _in_list(self, expr: ast.InList) -> None:
        if isinstance(expr.value, ast.StageValue):
            for item in expr.items:
                self._stage_operand(item, item.span)
            return
        value_type = self.value_type(expr.value)
        for item in expr.items:
            item_type = self.value_type(item)
            if value_type is not None and item_type is not None:
                self._require(value_type, item, item_type, item.span)

    def _in_range(self, expr: ast.InRange) -> None:
        value_type = self.value_type(expr.value)
        if value_type is not None and value_type.kind != "number":
            self.report("E207", expr.value.span,
                        f"a `..` range holds numbers, not {value_type.describe()}",
                        hint="ranges apply to numbers; use `in [...]` to list values")
        if expr.low.value > expr.high.value:
            self.report("E208", expr.low.span.to(expr.high.span),
                        f"the range {expr.low.text}..{expr.high.text} is empty",
                        hint=f"write the smaller number first: {expr.high.text}..{expr.low.text}")

    def _in_dates(self, expr: ast.InDates) -> None:
        value_type = self.value_type(expr.value)
        if value_type is not None and value_type is not DATE:
            self.report("E207", expr.value.span,
                        f"a range of dates holds dates, not {value_type.describe()}",
                        hint="compare a date attribute or `today` with the range")
        check_date_range(self.report, expr.low, expr.high)

    def _day_test(self, expr: ast.DayTest) -> None:
        value_type = self.value_type(expr.value)
        if value_type is not None and value_type is not DATE:
            self.report("E207", expr.value.span,
                        f"`is` tells what a date is, not {value_type.describe()}",
                        hint="write a date before `is`, such as `today is holiday` or "
                             "`today + 3d is mid_autumn`")
        name = expr.day
        if name.name in DAY_KINDS or name.name in FESTIVAL_NAMES:
            return
        info = self.resolver.program.attributes.get(name.name)
        if info is not None and info.type not in YEARLY_TYPES:
            kind = attribute_type(info)
            holds = f" (it holds {kind.describe()})" if kind is not None else ""
            self.report("E219", name.span, f"`{name.name}` is not a date attribute{holds}",
                        hint="`today is ATTRIBUTE` tests a yearly date, such as `birthday`")
        elif info is None:
            self.report("E226", name.span, f"`{name.name}` is not a kind of day",
                        hint=did_you_mean(name.name, [*DAY_KINDS, *FESTIVAL_NAMES])
                        or f"`is` takes {day_names_text()} or a date attribute")

    # ---- values -----------------------------------------------------------------------

    def _arith(self, value: ast.Arith) -> Type | None:
        left, right = self.value_type(value.left), self.value_type(value.right)
        if left is None or right is None:
            return None
        if LUNAR in (left, right):
            lunar = value.left if left is LUNAR else value.right
            self.report("E207", value.span,
                        f"`{value.op}` does not apply to {left.describe()} and {right.describe()}",
                        hint=_LUNAR_HINT.format(name=value_name(lunar)))
            return None
        if DATE in (left, right):
            return self._date_arith(value, left, right)
        for side, side_type in ((value.left, left), (value.right, right)):
            if side_type.kind != "number":
                self.report("E207", side.span,
                            f"`{value.op}` needs numbers, not {side_type.describe()}",
                            hint="arithmetic applies to numbers only")
                return None
        return NUMBER

    def _date_arith(self, value: ast.Arith, left: Type, right: Type) -> Type | None:
        """`date - date` is a number of days; `date + 7d` and `date - 7d` are dates."""
        if value.op == "-" and left is DATE and right is DATE:
            return NUMBER
        if value.op in "+-" and left is DATE and right is DURATION:
            return DATE
        self.report("E207", value.span,
                    f"`{value.op}` does not apply to {left.describe()} and {right.describe()}",
                    hint="subtract dates for the days between them (`birthday - today`), "
                         "or add a duration to a date (`today + 7d`)")
        return None

    def _name_value(self, value: ast.NameValue) -> Type | None:
        info = self.resolver.attribute(value.name, value.span)
        return attribute_type(info) if info is not None else None

    def _rfm(self, value: ast.RfmValue) -> Type:
        if value.dimension.name not in RFM_DIMENSIONS:
            self.report("E220", value.dimension.span,
                        f"`rfm.{value.dimension.name}` is not an RFM score",
                        hint="use `rfm.r` (recency), `rfm.f` (frequency) or `rfm.m` (monetary)")
        return NUMBER

    def _count(self, value: ast.CountValue) -> Type:
        self.resolver.event(value.event)
        self._check_window(value.window, "`count`")
        return NUMBER

    def _days_since(self, value: ast.DaysSinceValue) -> Type:
        self.resolver.event(value.event)
        return NUMBER

    def _sum(self, value: ast.SumValue) -> Type:
        if (value.event.name, value.field.name) != ("purchase", "amount"):
            written = f"{value.event.name}.{value.field.name}"
            self.report("E220", value.event.span.to(value.field.span),
                        f"`sum` adds up `purchase.amount` only, not `{written}`",
                        hint="write `sum(purchase.amount)` or `sum(purchase.amount, 90d)`")
        self._check_window(value.window, "`sum`")
        return NUMBER


def check_date_range(report, low: ast.DateLit, high: ast.DateLit) -> None:
    """A range of dates runs forward (E208)."""
    if low.value > high.value:
        report("E208", low.span.to(high.span), f"the range {low.text}..{high.text} is empty",
               hint=f"write the earlier date first: {high.text}..{low.text}")


def _nothing(expr: ast.Expr) -> None:
    return None


def _is_literal(value: ast.Value) -> bool:
    return type(value) in _LITERAL_TYPES


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def day_names_text() -> str:
    """What `DATE is NAME` takes, for hints: `holiday`, `workday` and the festivals."""
    festivals = ", ".join(f"{name} ({chinese})" for name, (chinese, _) in FESTIVALS.items())
    return f"`holiday`, `workday`, a festival ({festivals})"


def value_name(value: ast.Value) -> str:
    """An attribute's name for a hint (`lunar_birthday` for anything else)."""
    return value.name if isinstance(value, ast.NameValue) else "lunar_birthday"

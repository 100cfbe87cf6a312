"""Compile expressions to closures `f(customer, now)`, once per program.

Programs are assumed valid (loaded and checked with no errors): names resolve, types match.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import operator
from collections.abc import Callable
from typing import Any

from sopdsl.syntax import ast
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calendars import Workdays, is_statutory_holiday
from sopdsl.runtime.campaigns import CampaignCalendar
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, event_key
from sopdsl.runtime.yearly import as_yearly, is_festival, is_yearly_day
from sopdsl.checker.program import Program
from sopdsl.syntax.walk import nodes

Fn = Callable[[Customer, float], Any]
Pred = Callable[[Customer, float], bool]

RFM_WINDOW = 365 * MINUTES_PER_DAY
# Fixed bands, so a customer's score does not depend on who else is in the data (see
# docs/semantics.md). r: days since the last purchase, at most 30 scores 5, above 180 scores 1.
R_BANDS = (30, 60, 90, 180)
F_BANDS = (1, 2, 4, 7)  # purchases in 365 days: at most 1 scores 1, 8 or more score 5
M_BANDS = (200, 500, 1000, 3000)  # amount in 365 days: below 200 scores 1, 3000 or more 5

_COMPARE = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}
# Values read from the customer's event history: new activity can change them.
HISTORY_VALUES = (ast.CountValue, ast.DaysSinceValue, ast.SumValue, ast.RfmValue, ast.EverTest)


def history_event(value: ast.Node) -> str:
    """The event whose history a value of HISTORY_VALUES reads (sums and RFM read purchases)."""
    if isinstance(value, (ast.SumValue, ast.RfmValue)):
        return "purchase"
    return value.event.name.name  # type: ignore[attr-defined]


def rfm_scores(amounts: list[float], days_since_last: float) -> tuple[int, int, int]:
    """The r, f and m scores (1..5) of a year's purchase amounts and days since the last one."""
    if not amounts:
        return 1, 1, 1
    r = 5 - bisect.bisect_left(R_BANDS, days_since_last)
    f = 1 + bisect.bisect_left(F_BANDS, len(amounts))
    m = 1 + bisect.bisect_right(M_BANDS, sum(amounts))
    return r, f, m


class ExprCompiler:
    """Compiles a program's expressions; segments are compiled once and shared by reference.

    `today` and campaign phases read the run's clock; callers that only compile (the graph,
    lint, export, also of a playbook whose time zone is unknown) may leave it out and get one
    whose minute 0 is 1970-01-01 00:00 UTC.
    """

    def __init__(self, program: Program, clock: Clock | None = None) -> None:
        self.program = program
        self.clock = clock or Clock(dt.datetime(1970, 1, 1), "UTC")
        self.campaigns = CampaignCalendar(program, self.clock)
        self._segments: dict[str, Pred] = {}

    def segment(self, name: str) -> Pred:
        """The compiled predicate of a declared segment."""
        found = self._segments.get(name)
        if found is None:
            found = self.predicate(self.program.segments[name].expr)
            self._segments[name] = found
        return found

    def reads_history(self, expr: ast.Expr) -> bool:
        """Whether the expression (through the segments it names) reads the event history."""
        pending, seen = [expr], set()
        while pending:
            for node in nodes(pending.pop()):
                if isinstance(node, HISTORY_VALUES):
                    return True
                if isinstance(node, ast.SegmentRef) and node.name not in seen:
                    seen.add(node.name)
                    decl = self.program.segments.get(node.name)
                    if decl is not None:
                        pending.append(decl.expr)
        return False

    def predicate(self, expr: ast.Expr) -> Pred:
        """A closure telling whether the expression holds for a customer at a time."""
        match expr:
            case ast.BoolOp(op="and"):
                parts = [self.predicate(e) for e in expr.operands]
                if len(parts) == 2:  # the usual case, without a generator per evaluation
                    first, second = parts
                    return lambda c, now: first(c, now) and second(c, now)
                return lambda c, now: all(p(c, now) for p in parts)
            case ast.BoolOp():
                parts = [self.predicate(e) for e in expr.operands]
                if len(parts) == 2:
                    first, second = parts
                    return lambda c, now: first(c, now) or second(c, now)
                return lambda c, now: any(p(c, now) for p in parts)
            case ast.Not():
                inner = self.predicate(expr.operand)
                return lambda c, now: not inner(c, now)
            case ast.Group():
                return self.predicate(expr.expr)
            case ast.Compare():
                return self._compare(expr)
            case ast.InList():
                value = self._operand(expr.value, expr.items)
                items = [self._operand(item, [expr.value]) for item in expr.items]
                if all(hasattr(item, "fixed") for item in items):  # a list of literals
                    options = tuple(item.fixed for item in items)  # type: ignore[attr-defined]
                    return lambda c, now: value(c, now) in options
                return lambda c, now: value(c, now) in [item(c, now) for item in items]
            case ast.InRange():
                value = self.value(expr.value)
                low, high = expr.low.value, expr.high.value
                return lambda c, now: _safe(operator.le, low, value(c, now)) and _safe(
                    operator.le, value(c, now), high)
            case ast.TagTest():
                tag = expr.tag.value
                return lambda c, now: tag in c.tags
            case ast.SegmentRef():
                return self._segment_ref(expr.name)
            case ast.EverTest():
                key = event_key(expr.event.name.name, _content(expr.event))
                return lambda c, now: c.history.count(key, now) > 0
            case ast.InDates():
                value = self.value(expr.value)
                first, last = expr.low.value, expr.high.value
                return lambda c, now: _safe(_between, value(c, now), (first, last))
            case ast.CampaignTest():
                return self._campaign_test(expr)
            case ast.DayTest():
                return self._day_test(expr)
        raise TypeError(f"not an expression: {type(expr).__name__}")

    def _segment_ref(self, name: str) -> Pred:
        """A segment named in an expression, compiled on first use (it may be declared later)."""
        compiled: Pred | None = None

        def holds(c: Customer, now: float) -> bool:
            nonlocal compiled
            if compiled is None:
                compiled = self.segment(name)
            return compiled(c, now)
        return holds

    def _campaign_test(self, expr: ast.CampaignTest) -> Pred:
        phase_at, campaign = self.campaigns.phase_at, expr.campaign.name
        if expr.phase is None:
            return lambda c, now: phase_at(campaign, now) is not None
        phase = expr.phase.name
        return lambda c, now: phase_at(campaign, now) == phase

    def _day_test(self, expr: ast.DayTest) -> Pred:
        day_of, name = self.value(expr.value), expr.day.name
        info = self.program.attributes.get(name)
        if info is not None:
            lunar = info.type == "lunar_date"

            def is_yearly(c: Customer, now: float) -> bool:
                day, yearly = day_of(c, now), as_yearly(c.attributes.get(name), lunar)
                return day is not None and yearly is not None and is_yearly_day(yearly, day)
            return is_yearly
        if name == "holiday":
            test: Callable[[dt.date], bool] = is_statutory_holiday
        elif name == "workday":
            test = Workdays(self.program.settings.workdays).is_workday
        else:
            test = functools.partial(is_festival, name)
        return lambda c, now: (day := day_of(c, now)) is not None and test(day)

    def _compare(self, expr: ast.Compare) -> Pred:
        compare = _COMPARE[expr.op]
        left = self._operand(expr.left, [expr.right])
        right = self._operand(expr.right, [expr.left])
        if hasattr(right, "fixed"):  # `score >= 25`: the literal without a call each time
            constant = right.fixed

            def holds_fixed(c: Customer, now: float) -> bool:
                try:
                    return bool(compare(left(c, now), constant))
                except TypeError:
                    return False
            return holds_fixed

        def holds(c: Customer, now: float) -> bool:
            try:  # an unknown value or mismatched types make an ordering false (`_safe`)
                return bool(compare(left(c, now), right(c, now)))
            except TypeError:
                return False
        return holds

    def _operand(self, value: ast.Value, others: list[ast.Value]) -> Fn:
        """A value; next to `stage`, stages become their lifecycle rank so order compares."""
        if any(isinstance(o, ast.StageValue) for o in others):
            if isinstance(value, (ast.NameValue, ast.StringLit)):
                return fixed(self.program.stage_rank(
                    value.name if isinstance(value, ast.NameValue) else value.value))
        if isinstance(value, ast.StageValue):
            stage_rank = self.program.stage_rank
            return lambda c, now: None if c.stage is None else stage_rank(c.stage)
        return self.value(value)

    def value(self, value: ast.Value) -> Fn:
        """A closure computing the value for a customer at a time (None when unknown)."""
        match value:
            case ast.Arith():
                return _arith(value.op, self.value(value.left), self.value(value.right))
            case ast.NameValue():
                name = value.name
                return lambda c, now: c.attributes.get(name)
            case ast.StageValue():
                return lambda c, now: c.stage
            case ast.TodayValue():
                date_of = self.clock.date_of
                return lambda c, now: date_of(now)
            case ast.ScoreValue():
                return lambda c, now: c.score
            case ast.RfmValue():
                index = "rfm".index(value.dimension.name)
                return lambda c, now: _rfm(c, now)[index]
            case ast.CountValue():
                key = event_key(value.event.name.name, _content(value.event))
                window = value.window.minutes if value.window else None
                return lambda c, now: c.history.count(key, now, window)
            case ast.DaysSinceValue():
                key = event_key(value.event.name.name, _content(value.event))
                return lambda c, now: _days_since(c.history.last(key, now), now)
            case ast.SumValue():
                window = value.window.minutes if value.window else None
                return lambda c, now: sum(c.history.purchases(now, window))
            case ast.Duration():
                return fixed(value.minutes / MINUTES_PER_DAY)  # durations compare with day counts
            case ast.TimeOfDay():
                constant = value.minutes
            case ast.Number():
                constant = plain_number(value.value)
            case _:
                constant = value.value
        return fixed(constant)


def fixed(constant: Any) -> Fn:
    """The closure of a value the same for every customer and time; its `fixed` attribute
    holds the value (an `in` list of such values is a tuple made once)."""
    def value(c: Customer, now: float) -> Any:
        return constant
    value.fixed = constant  # type: ignore[attr-defined]
    return value


def _content(event: ast.EventRef) -> str | None:
    return event.content.name if event.content else None


def plain_number(value: float) -> float | int:
    """A number as an int when it is whole (`score +10` adds 10, not 10.0)."""
    return int(value) if float(value).is_integer() else value


def _safe(op: Callable[[Any, Any], bool], left: Any, right: Any) -> bool:
    # An unknown value (a missing attribute) or mismatched types make an ordering false.
    try:
        return bool(op(left, right))
    except TypeError:
        return False


def _between(value: Any, bounds: tuple[dt.date, dt.date]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _date_arith(op: str, a: dt.date, b: Any) -> Any:
    """`date - date` in whole days; a date plus or minus a duration (in days) is a date."""
    if isinstance(b, dt.date):
        return (a - b).days
    days = dt.timedelta(days=b)
    return a + days if op == "+" else a - days


def _arith(op: str, left: Fn, right: Fn) -> Fn:
    if op == "/":
        def divide(c: Customer, now: float) -> Any:
            a, b = left(c, now), right(c, now)
            if a is None or b is None or b == 0:
                return None
            return a / b
        return divide
    apply = _ARITH[op]

    def compute(c: Customer, now: float) -> Any:
        a, b = left(c, now), right(c, now)
        if a is None or b is None:
            return None
        if isinstance(a, dt.date):
            return _date_arith(op, a, b)
        return apply(a, b)
    return compute


def _days_since(last: float | None, now: float) -> float:
    if last is None:
        return math.inf
    return float((now - last) // MINUTES_PER_DAY)


def _rfm(c: Customer, now: float) -> tuple[int, int, int]:
    amounts = c.history.purchases(now, RFM_WINDOW)
    last = c.history.last("purchase", now)
    return rfm_scores(amounts, _days_since(last, now))

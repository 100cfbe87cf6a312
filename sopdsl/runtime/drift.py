"""How an expression's value or truth can move with time alone: between the events and changes
of state after which the interpreter checks conditions again.

Between two such moments a customer's tags, attributes, stage, score and recorded history stay
as they are (events are recorded at their moment; the history given when a customer is first
followed is of their past), so only the reading time moves: a windowed count or sum loses
events, `days_since` and `today` grow, campaign phases and calendar days come and go. A
condition that time alone cannot make true can only become true at an event or a change of
state, where the interpreter checks it anyway; the daily segment check need not look for it.
"""

from __future__ import annotations

import enum

from sopdsl.checker.program import Program
from sopdsl.syntax import ast


class Drift(enum.Flag):
    """Which ways a value (or a condition, false below true) can move as time passes alone."""

    STILL = 0
    UP = enum.auto()
    DOWN = enum.auto()
    ANY = UP | DOWN


def time_can_bring_in(expr: ast.Expr, program: Program, refunds: bool = False) -> bool:
    """Whether time alone can turn the condition from false to true (conservative: True for
    anything not known to stay or fall). `refunds`: purchase amounts may be negative, so a
    windowed sum can grow as a refund leaves its window."""
    return Drift.UP in Drifts(program, refunds).truth(expr)


def _flip(drift: Drift) -> Drift:
    """The drift of the opposite: a rise becomes a fall and the other way round."""
    flipped = Drift.STILL
    if Drift.UP in drift:
        flipped |= Drift.DOWN
    if Drift.DOWN in drift:
        flipped |= Drift.UP
    return flipped


def _fixed_or_any(*drifts: Drift) -> Drift:
    """STILL when every part stays, else ANY (a test that is not monotone in its parts)."""
    return Drift.STILL if all(d == Drift.STILL for d in drifts) else Drift.ANY


class Drifts:
    """The drifts of a program's expressions (segments read through their definitions)."""

    def __init__(self, program: Program, refunds: bool = False) -> None:
        self.program, self.refunds = program, refunds
        self._visiting: set[str] = set()

    def truth(self, expr: ast.Expr) -> Drift:
        """How the condition's truth can move with time alone."""
        match expr:
            case ast.BoolOp():  # `and` and `or` are monotone in each operand
                found = Drift.STILL
                for operand in expr.operands:
                    found |= self.truth(operand)
                return found
            case ast.Not():
                return _flip(self.truth(expr.operand))
            case ast.Group():
                return self.truth(expr.expr)
            case ast.Compare():
                return self._compare(expr)
            case ast.TagTest() | ast.EverTest():
                return Drift.STILL  # tags change at changes of state, histories at events
            case ast.SegmentRef():
                return self._segment(expr.name)
            case ast.InList():
                return _fixed_or_any(self.value(expr.value), *map(self.value, expr.items))
            case ast.InRange() | ast.InDates() | ast.DayTest():
                return _fixed_or_any(self.value(expr.value))
        return Drift.ANY  # campaign phases, and anything not known here

    def value(self, value: ast.Value) -> Drift:
        """How the value can move with time alone."""
        match value:
            case ast.CountValue():
                # A windowed count loses events; an all-time count of the past stays.
                return Drift.STILL if value.window is None else Drift.DOWN
            case ast.SumValue():
                return Drift.STILL if value.window is None else self._windowed_sum()
            case ast.RfmValue():
                # r falls as the last purchase ages, f as purchases leave the year; m is a sum.
                return self._windowed_sum() if value.dimension.name == "m" else Drift.DOWN
            case ast.DaysSinceValue() | ast.TodayValue():
                return Drift.UP
            case ast.Arith(op="+"):
                return self.value(value.left) | self.value(value.right)
            case ast.Arith(op="-"):
                return self.value(value.left) | _flip(self.value(value.right))
            case ast.Arith():
                return _fixed_or_any(self.value(value.left), self.value(value.right))
        return Drift.STILL  # attributes, stage, score and literals

    def _windowed_sum(self) -> Drift:
        return Drift.ANY if self.refunds else Drift.DOWN

    def _compare(self, expr: ast.Compare) -> Drift:
        # left - right grows or falls as its parts do; `>` and `>=` hold more as it grows.
        difference = self.value(expr.left) | _flip(self.value(expr.right))
        if expr.op in (">", ">="):
            return difference
        if expr.op in ("<", "<="):
            return _flip(difference)
        return _fixed_or_any(difference)

    def _segment(self, name: str) -> Drift:
        decl = self.program.segments.get(name)
        if decl is None or name in self._visiting:
            return Drift.ANY
        self._visiting.add(name)
        try:
            return self.truth(decl.expr)
        finally:
            self._visiting.discard(name)

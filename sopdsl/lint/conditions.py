"""Every condition a program states, for the rules that judge conditions on their own."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.checker.program import Program
from sopdsl.syntax.step_ids import walk_steps


def judged_conditions(program: Program) -> Iterator[ast.Expr]:
    """The conditions judged on their own: those that do more than name a segment, which
    is judged where it is declared."""
    return (expr for expr in conditions(program) if not bare_segment(expr))


def conditions(program: Program) -> Iterator[ast.Expr]:
    """Segments, audiences, `exit when`, `if`/`elif`, `until` and scenario effect conditions."""
    for segment in program.segments.values():
        yield segment.expr
    for journey in program.journeys.values():
        for clause in journey.clauses:
            if isinstance(clause, (ast.Audience, ast.ExitWhen)):
                yield clause.expr
        for ref in walk_steps(journey):
            if isinstance(ref.step, ast.If):
                yield from (branch.condition for branch in ref.step.branches)
            elif isinstance(ref.step, ast.RepeatUntil):
                yield ref.step.until
    for scenario in program.scenarios.values():
        yield from (item.condition for item in scenario.items if isinstance(item, ast.ScEffect))


def bare_segment(expr: ast.Expr) -> bool:
    """True for a condition that only names a segment (judged where the segment is declared)."""
    while isinstance(expr, ast.Group):
        expr = expr.expr
    return isinstance(expr, ast.SegmentRef)

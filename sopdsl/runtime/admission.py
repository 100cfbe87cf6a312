"""When a journey can next admit a customer whose state stays as it is: the bound before which a
trigger the same for everyone (a broadcast) need not wake them.

Between a customer's events and changes of state only time moves (see `drift`), and the
interpreter works their triggers' next moments out again at each such event or change. So a
broadcast refused now can be left out until the earliest moment that, with the state as it
is, might admit the customer: a conjunct of the audience that is false and that time alone
cannot make true refuses until the next event or change; a conjunct needing a campaign phase
refuses until that phase next starts; `reentry after D` refuses until the last entry plus D.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from sopdsl.checker.program import Program
from sopdsl.runtime.customer import Customer
from sopdsl.runtime.drift import time_can_bring_in
from sopdsl.runtime.evaluate import ExprCompiler, Pred
from sopdsl.runtime.journey_program import CompiledJourney
from sopdsl.syntax import ast


@dataclass(frozen=True, slots=True)
class _Conjunct:
    """One operand of an audience's top-level `and`, with how time alone can turn it true."""

    holds: Pred
    rises: bool  # time alone can turn it true
    rises_by_refunds: bool  # only when a refund leaves a windowed sum
    starts: tuple[float, ...] | None  # a campaign test: when its phases start, in order


class Admissions:
    """For each journey: the earliest time it can admit a customer whose state stays."""

    def __init__(self, program: Program, compiler: ExprCompiler,
                 journeys: dict[str, CompiledJourney]) -> None:
        """The audiences of `program`'s journeys split into conjuncts, compiled once."""
        self._journeys = journeys
        self._conjuncts: dict[str, tuple[_Conjunct, ...]] = {}
        for name, decl in program.journeys.items():
            audience = None
            for clause in decl.clauses:
                if isinstance(clause, ast.Audience):
                    audience = clause.expr  # the last one counts, as when compiled
            if audience is not None:
                self._conjuncts[name] = tuple(
                    _conjunct(program, compiler, part) for part in _operands(audience))

    def earliest(self, c: Customer, journey: str, now: float) -> float | None:
        """The earliest time from `now` on (itself included) at which the journey might admit
        the customer if nothing of theirs changed; None: not before their next event or change
        of state. A lower bound: the journey may still refuse then (`active`, or a conjunct
        time alone can make true or false)."""
        bound = -math.inf
        compiled = self._journeys[journey]
        if compiled.reentry == "after":
            prior = c.entries.get(journey)
            if prior is not None:
                bound = prior[1] + compiled.reentry_after
        refunded = c.history.refunded
        for part in self._conjuncts.get(journey, ()):
            if part.holds(c, now):
                continue
            if part.starts is not None:
                # False now, so outside the phase: true again only from a later start.
                start = next((s for s in part.starts if s > now), None)
                if start is None:
                    return None
                bound = max(bound, start)
            elif not (part.rises or refunded and part.rises_by_refunds):
                return None
        return bound


def _operands(expr: ast.Expr) -> Iterator[ast.Expr]:
    """The operands of the expression's top-level `and` (itself when it is none)."""
    match expr:
        case ast.Group():
            yield from _operands(expr.expr)
        case ast.BoolOp(op="and"):
            for operand in expr.operands:
                yield from _operands(operand)
        case _:
            yield expr


def _conjunct(program: Program, compiler: ExprCompiler, expr: ast.Expr) -> _Conjunct:
    starts = None
    if isinstance(expr, ast.CampaignTest):
        phases = compiler.campaigns.phases.get(expr.campaign.name, [])
        starts = tuple(sorted(p.start for p in phases
                              if expr.phase is None or p.name == expr.phase.name))
    return _Conjunct(compiler.predicate(expr), time_can_bring_in(expr, program),
                     time_can_bring_in(expr, program, refunds=True), starts)

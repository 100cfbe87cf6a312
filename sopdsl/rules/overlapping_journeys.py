"""W508 overlapping-journeys."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import trigger_text
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.lint.context import LintContext, clauses, triggers
from sopdsl.lint.registry import Rule
from sopdsl.lint.windows import minutes_text
from sopdsl.runtime import steps


class OverlappingJourneys(Rule):
    """### What it does
    Flags a journey that starts on the same trigger as an earlier journey of the playbook
    when their audiences can both hold for one customer and each has a send that can come
    within one day of a send of the other (by the earliest times after the trigger).

    ### Why it matters
    The customer who fires the trigger gets two messages from two SOPs on the same day,
    often written by different teams, and the frequency cap decides which survives.

    ### Example
    ```sop
    content hello: text "欢迎"
    content gift: coupon "新人礼" { value 10 }
    journey welcome { when friend_added  goal g: purchase within 7d  send hello via private_chat }
    journey new_gift { when friend_added  goal h: purchase within 7d  wait 2h  send gift via private_chat }
    ```

    ### Use instead
    ```sop
    content hello: text "欢迎"
    content gift: coupon "新人礼" { value 10 }
    journey welcome { when friend_added  goal g: purchase within 7d  send hello via private_chat }
    journey new_gift { when friend_added  goal h: purchase within 7d  wait 2d  send gift via private_chat }
    ```
    """

    code = "W508"
    groups = ("risk",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        # A journey `for groups` posts to groups, not to the customers these rules protect.
        names = [name for name, j in ctx.program.journeys.items() if not j.for_groups]
        for i, later in enumerate(names):
            for earlier in names[:i]:
                found = self._overlap(ctx, earlier, later)
                if found is not None:
                    trigger, close = found
                    yield self.report(
                        trigger.span, f"`{later}` and `{earlier}` both start on "
                        f"`{trigger_text(trigger)}` for customers who can be in both, and "
                        f"both message them within one day ({close})",
                        hint="merge the journeys, make their audiences exclusive, or move "
                             "one journey's send to another day")
                    break

    def _overlap(self, ctx: LintContext, first: str, second: str) -> tuple[ast.Trigger, str] | None:
        a, b = ctx.program.journeys[first], ctx.program.journeys[second]
        shared = {trigger_text(t) for t in triggers(a)}
        trigger = next((t for t in triggers(b) if trigger_text(t) in shared), None)
        if trigger is None or not _audiences_meet(ctx, a, b):
            return None
        sends_a, sends_b = _first_sends(ctx, first), _first_sends(ctx, second)
        for node_b, at_b in sends_b.items():
            for node_a, at_a in sends_a.items():
                if abs(at_a - at_b) < MINUTES_PER_DAY:
                    return trigger, (f"`{node_b}` at +{minutes_text(at_b)}, "
                                     f"`{node_a}` at +{minutes_text(at_a)}")
        return None


def _audiences_meet(ctx: LintContext, a: ast.Journey, b: ast.Journey) -> bool:
    facts = [f for j in (a, b) for c in clauses(j, ast.Audience)
             if (f := ctx.reasoner.fact(c.expr)) is not None]
    return ctx.reasoner.consistent(facts) is not False


def _first_sends(ctx: LintContext, journey: str) -> dict[str, int]:
    """Each send step of the journey with the earliest time it can run after the trigger."""
    earliest: dict[str, int] = {}
    for path in ctx.paths(journey).paths:
        for visit in path:
            if isinstance(visit.instruction, steps.Send):
                earliest[visit.node] = min(visit.at, earliest.get(visit.node, visit.at))
    return earliest

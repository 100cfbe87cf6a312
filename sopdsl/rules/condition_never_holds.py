"""W408 condition-never-holds."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import expr_text
from sopdsl.lint.conditions import judged_conditions
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class ConditionNeverHolds(Rule):
    """### What it does
    Flags a condition that no customer can meet, judged by interval reasoning on numbers,
    stages (in their lifecycle order), enum values, booleans and tags: `age < 20 and age > 30`,
    `stage >= intent and stage < profiled`, `tag "VIP" and not tag "VIP"`, `rfm.r > 5`.
    Segments, audiences, `exit when`, `if`/`elif`, `until` and scenario effects are checked.
    A condition that only names a segment is judged where the segment is declared.

    ### Why it matters
    A segment that matches nobody empties every journey that uses it; a branch under such a
    condition never runs; an `until` that never holds always runs to `max`.

    ### Example
    ```sop
    segment teen_parents = age < 20 and age > 30
    journey young { when enter teen_parents  goal bought: purchase within 30d  tag "年轻" }
    ```

    ### Use instead
    ```sop
    segment teen_parents = age >= 20 and age < 30
    journey young { when enter teen_parents  goal bought: purchase within 30d  tag "年轻" }
    ```
    """

    code = "W408"
    groups = ("dead-code", "logic")

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for expr in judged_conditions(ctx.program):
            if ctx.reasoner.can_hold(expr) is False:
                yield self.report(expr.span, f"condition `{expr_text(expr)}` can never hold",
                                  hint="no customer meets every part of it; check the "
                                       "numbers, stages and tags it compares")

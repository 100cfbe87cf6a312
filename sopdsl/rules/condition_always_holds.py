"""W409 condition-always-holds."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import expr_text
from sopdsl.lint.conditions import judged_conditions
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class ConditionAlwaysHolds(Rule):
    """### What it does
    Flags a condition that every customer meets, by the same interval reasoning as
    `condition-never-holds`: `count(purchase) >= 0`, `stage >= visitor` with `visitor` first,
    `age < 30 or age >= 20`.

    ### Why it matters
    An `if` that always holds makes its `elif`/`else` dead; an `exit when` that always holds
    ends the journey before its first step; an audience that always holds filters nothing.

    ### Example
    ```sop
    journey buyers {
      when friend_added
      goal bought: purchase within 30d
      if count(purchase) >= 0 { tag "买家" }
    }
    ```

    ### Use instead
    ```sop
    journey buyers {
      when friend_added
      goal bought: purchase within 30d
      if count(purchase) >= 1 { tag "买家" }
    }
    ```
    """

    code = "W409"
    groups = ("dead-code", "logic")

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for expr in judged_conditions(ctx.program):
            if ctx.reasoner.always_holds(expr) is True:
                yield self.report(expr.span, f"condition `{expr_text(expr)}` always holds",
                                  hint="every customer meets it; tighten it or drop it")

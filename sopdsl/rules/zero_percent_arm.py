"""W416 zero-percent-arm."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class ZeroPercentArm(Rule):
    """### What it does
    Flags a split arm with a share of 0%.

    ### Why it matters
    No customer is ever assigned to the arm, so its steps never run, yet reports list it
    as a variant of the test.

    ### Example
    ```sop
    journey ab {
      when friend_added
      goal bought: purchase within 30d
      split offer { 100% a { tag "A" }  0% b { tag "B" } }
    }
    ```

    ### Use instead
    ```sop
    journey ab {
      when friend_added
      goal bought: purchase within 30d
      split offer { 50% a { tag "A" }  50% b { tag "B" } }
    }
    ```
    """

    code = "W416"
    groups = ("dead-code",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            for ref in ctx.steps(journey):
                if isinstance(ref.step, ast.Split):
                    for arm in ref.step.arms:
                        if arm.share.value == 0:
                            yield self.report(arm.share.span,
                                              f"split arm `{arm.name.name}` gets no customers",
                                              hint="give it a share or delete the arm")

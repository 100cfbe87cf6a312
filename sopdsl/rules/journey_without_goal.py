"""W411 journey-without-goal."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext, clauses
from sopdsl.lint.registry import Rule


class JourneyWithoutGoal(Rule):
    """### What it does
    Flags a journey with no `goal` clause.

    ### Why it matters
    Without a goal, `simulate` and reports cannot say whether the journey converts, and
    customers who already did what the SOP wants keep getting its messages until the end.

    ### Example
    ```sop
    journey welcome {
      when friend_added
      tag "新客"
    }
    ```

    ### Use instead
    ```sop
    journey welcome {
      when friend_added
      goal first_order: purchase within 14d
      tag "新客"
    }
    ```
    """

    code = "W411"
    groups = ("style",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            # A group's run follows no customer's events: it has no goal to reach.
            if not journey.for_groups and not clauses(journey, ast.Goal):
                yield self.report(journey.name.span, f"journey `{journey.name.name}` has no goal",
                                  hint="add `goal NAME: EVENT within DURATION` so its "
                                       "conversion can be measured and converted customers leave")

"""W407 branch-never-taken."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import expr_text
from sopdsl.lint.context import LintContext
from sopdsl.lint.facts import BranchFacts
from sopdsl.lint.registry import Rule


class BranchNeverTaken(Rule):
    """### What it does
    Flags an `if`/`elif` branch whose condition contradicts what is known when the journey
    gets there: the audience, the `exit when` conditions (checked before every step), the
    enclosing branches, the branches before it, and what the journey just set (`stage`,
    `tag`). Also flags an `else` that the conditions before it always cover. Facts about
    stage, score, tags and events are forgotten at each wait, since other journeys and the
    customer change them; facts about attributes no step sets are kept.

    ### Why it matters
    The steps in the branch never run, although the SOP reads as if some customers get
    them. Usually a condition was copied from another journey or its comparison is turned
    around.

    ### Example
    ```sop
    journey young_parents {
      when friend_added
      audience age < 30
      goal bought: purchase within 30d
      if age >= 40 { tag "资深家长" } else { tag "年轻家长" }
    }
    ```

    ### Use instead
    ```sop
    journey young_parents {
      when friend_added
      audience age < 30
      goal bought: purchase within 30d
      if age < 25 { tag "95后家长" } else { tag "年轻家长" }
    }
    ```
    """

    code = "W407"
    groups = ("dead-code", "logic")

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        written = ctx.usage.written_attributes
        walker = BranchFacts(ctx.reasoner, lambda key: key in ctx.program.attributes
                             and key not in written)
        for journey in ctx.program.journeys.values():
            for dead in walker.journey(journey):
                if dead.condition is None:
                    yield self.report(dead.node.span, "the `else` branch can never run",
                                      hint="the conditions before it always hold here")
                elif dead.by_earlier:
                    yield self.report(
                        dead.node.condition.span,
                        f"branch `{expr_text(dead.condition)}` can never run",
                        hint="the branches before it already take every customer it would")
                else:
                    yield self.report(
                        dead.node.condition.span,
                        f"branch `{expr_text(dead.condition)}` can never run",
                        hint="its condition contradicts the audience, an `exit when` or an "
                             "enclosing condition")

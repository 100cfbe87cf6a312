"""W412 endless-repeat."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.syntax.walk import nested_steps
from sopdsl.lint.registry import Rule
from sopdsl.lint.windows import minutes_text

LONG_MINUTES = 90 * 24 * 60
_WAYS_OUT = (ast.Goal, ast.ExitOn, ast.ExitWhen)


class EndlessRepeat(Rule):
    """### What it does
    Flags a `repeat N every D` (no `until`) that holds a customer for 90 days or more while
    nothing can end it early: no `exit` step in its body and no `goal`, `exit on` or
    `exit when` on the journey.

    ### Why it matters
    One customer is in a journey at most once at a time: until the repeat runs out, the
    customer cannot re-enter, and keeps getting its messages after buying, complaining or
    deleting the guide.

    ### Example
    ```sop
    content tips: article "育儿周刊" { url "https://example.com/w" }
    journey weekly {
      when friend_added
      repeat 52 every 7d { send tips via group }
    }
    ```

    ### Use instead
    ```sop
    content tips: article "育儿周刊" { url "https://example.com/w" }
    journey weekly {
      when friend_added
      goal engaged: click(tips) within 365d
      exit on friend_deleted
      repeat every 7d until count(click, 30d) == 0 max 52 { send tips via group }
    }
    ```
    """

    code = "W412"
    groups = ("logic",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            if any(isinstance(c, _WAYS_OUT) for c in journey.clauses):
                continue
            for ref in ctx.steps(journey):
                step = ref.step
                if not isinstance(step, ast.RepeatN):
                    continue
                total = int(step.count.value) * step.every.minutes
                exits = any(isinstance(p.step, ast.ExitStep) for p in nested_steps(step.steps))
                if total >= LONG_MINUTES and not exits:
                    yield self.report(
                        step.span, f"`{ref.id}` keeps customers in `{journey.name.name}` for "
                        f"{minutes_text(total)} with no `until` and no way out",
                        hint="add `until ... max N`, an `exit on`/`exit when`, or a goal")

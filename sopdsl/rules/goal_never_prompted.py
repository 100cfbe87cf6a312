"""W415 goal-never-prompted."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import event_text
from sopdsl.lint.context import LintContext, clauses
from sopdsl.lint.prompts import prompt_of, prompted_by, prompted_by_triggers
from sopdsl.lint.registry import Rule


class GoalNeverPrompted(Rule):
    """### What it does
    Flags a goal event about content the journey never sends nor attaches to a task
    (`click(c)`, `open(c)`, `coupon_used(c)`), or `task_done` in a journey without tasks.

    ### Why it matters
    The journey counts as converting only when the customer reacts to something it never
    gives them: the goal can only be reached by accident, and the conversion report shows
    the wrong thing.

    ### Example
    ```sop
    content coupon10: coupon "满99减10" { value 10 }
    content coupon30: coupon "满199减30" { value 30 }
    journey offer {
      when friend_added
      goal used: coupon_used(coupon30) within 7d
      send coupon10 via private_chat
    }
    ```

    ### Use instead
    ```sop
    content coupon10: coupon "满99减10" { value 10 }
    journey offer {
      when friend_added
      goal used: coupon_used(coupon10) within 7d
      send coupon10 via private_chat
    }
    ```
    """

    code = "W415"
    groups = ("logic",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            given = prompted_by_triggers(journey).union(
                *(prompted_by(ref.step) for ref in ctx.steps(journey)))
            for goal in clauses(journey, ast.Goal):
                for event in goal.events:
                    needed = prompt_of(event)
                    if needed is not None and needed not in given:
                        yield self.report(
                            event.span, f"goal `{goal.name.name}` waits for "
                            f"`{event_text(event)}`, which `{journey.name.name}` never prompts",
                            hint="send the content (or create the task) in this journey, "
                                 "or change the goal")

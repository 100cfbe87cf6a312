"""W414 redundant-exit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule
from sopdsl.syntax.walk import step_arms


class RedundantExit(Rule):
    """### What it does
    Flags an `exit` after which the journey would end anyway: the last step of the journey,
    or the last step of a branch that is itself last (not inside a repeat, where `exit`
    also skips the remaining rounds).

    ### Why it matters
    It reads as if something special happens there. Ending the journey is the default.

    ### Example
    ```sop
    journey welcome {
      when friend_added
      goal bought: purchase within 30d
      tag "新客"
      exit
    }
    ```

    ### Use instead
    ```sop
    journey welcome {
      when friend_added
      goal bought: purchase within 30d
      tag "新客"
    }
    ```
    """

    code = "W414"
    groups = ("style",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            for step in _trailing_exits(journey.steps):
                yield self.report(step.span, "`exit` is redundant here: the journey ends anyway",
                                  hint="delete it")


def _trailing_exits(steps: Sequence[ast.Step]) -> Iterator[ast.ExitStep]:
    if not steps:
        return
    last = steps[-1]
    if isinstance(last, ast.ExitStep):
        yield last
    elif not isinstance(last, (ast.RepeatN, ast.RepeatUntil)):
        for _, arm in step_arms(last):
            yield from _trailing_exits(arm or [])

"""W414 redundant-exit."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule
from sopdsl.runtime import steps
from sopdsl.runtime.flow import end_node, node_at


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
        for name, journey in ctx.compiled.items():
            syntax = {ref.id: ref.step for ref in ctx.steps(ctx.program.journeys[name])}
            for pc, instruction in enumerate(journey.code):
                # Without the exit, control would fall through to the journey's end.
                if isinstance(instruction, steps.ExitStep) and \
                        node_at(journey, pc + 1) == end_node(name):
                    yield self.report(syntax[instruction.step].span,
                                      "`exit` is redundant here: the journey ends anyway",
                                      hint="delete it")

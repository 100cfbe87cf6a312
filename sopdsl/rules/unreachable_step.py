"""W406 unreachable-step."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class UnreachableStep(Rule):
    """### What it does
    Flags steps that no path from the journey's triggers reaches: steps after an `exit` in
    the same block, or after a step whose every branch exits. Only the first step of each
    unreachable run is reported.

    ### Why it matters
    The steps look like part of the SOP in reviews and drawings, but no customer ever gets
    them: a message that is never sent, a task nobody receives.

    ### Example
    ```sop
    journey trial {
      when friend_added
      goal bought: purchase within 30d
      tag "新客"
      exit
      tag "已欢迎"
    }
    ```

    ### Use instead
    ```sop
    journey trial {
      when friend_added
      goal bought: purchase within 30d
      tag "新客"
      tag "已欢迎"
    }
    ```
    """

    code = "W406"
    groups = ("dead-code",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, journey in ctx.program.journeys.items():
            reached = ctx.reachable(name)
            unreachable = {ref.id for ref in ctx.steps(journey)} - reached
            if not unreachable:
                continue
            previous: dict[tuple[str | None, str | None], str] = {}
            for ref in ctx.steps(journey):
                block = (ref.parent, ref.arm)
                first_of_run = previous.get(block) not in unreachable
                previous[block] = ref.id
                if ref.id in unreachable and ref.parent not in unreachable and first_of_run:
                    yield self.report(ref.step.span, f"step `{ref.id}` can never run",
                                      hint="every way to it ends in an `exit` first; "
                                           "move or delete it")

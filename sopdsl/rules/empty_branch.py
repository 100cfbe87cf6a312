"""W413 empty-branch."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class EmptyBranch(Rule):
    """### What it does
    Flags an `if`, `elif` or `else` block, a `then`/`timeout` arm or a repeat body written
    with no steps. Empty split arms are not flagged: an empty control arm is how an A/B
    test keeps a group that gets nothing.

    ### Why it matters
    An empty block is usually unfinished work, and it still splits customers in reports
    and drawings as if something happened there.

    ### Example
    ```sop
    journey check_in {
      when friend_added
      goal bought: purchase within 30d
      if tag "VIP" { } else { tag "普通" }
    }
    ```

    ### Use instead
    ```sop
    journey check_in {
      when friend_added
      goal bought: purchase within 30d
      if not tag "VIP" { tag "普通" }
    }
    ```
    """

    code = "W413"
    groups = ("style",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            for ref in ctx.steps(journey):
                for what in _empty_blocks(ref.step):
                    yield self.report(ref.step.span, f"{what} of `{ref.id}` has no steps",
                                      hint="add its steps, or leave the block out")


def _empty_blocks(step: ast.Step) -> Iterator[str]:
    match step:
        case ast.If(branches=branches, otherwise=otherwise):
            for i, branch in enumerate(branches):
                if not branch.steps:
                    yield "the `if` branch" if i == 0 else f"`elif` branch {i}"
            if otherwise == []:
                yield "the `else` branch"
        case ast.WaitFor(then=then, timeout=timeout):
            if then == []:
                yield "the `then` arm"
            if timeout == []:
                yield "the `timeout` arm"
        case ast.RepeatN(steps=[]) | ast.RepeatUntil(steps=[]):
            yield "the repeat body"

"""W513 group-send-without-membership."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.builtins import GROUP_CHANNELS
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext, clauses
from sopdsl.lint.registry import Rule
from sopdsl.syntax import ast
from sopdsl.syntax.walk import nodes

MEMBERSHIP = "groups"  # the built-in attribute: how many groups the customer is in


class GroupSendWithoutMembership(Rule):
    """### What it does
    Flags `send ... via group` in a customer journey when neither its `audience` nor an `if`
    around the send tests the customer's `groups`.

    ### Why it matters
    A post goes to the customer's groups; a customer in none gets nothing, and the forecast
    counts the send as skipped (`no_group`). Testing membership says who the step is for and
    keeps the skips out of the forecast.

    ### Example
    ```sop
    content news: text "本周新品"
    journey weekly {
      when every monday at 10:00
      goal g: purchase within 7d
      send news via group
    }
    ```

    ### Use instead
    ```sop
    content news: text "本周新品"
    journey weekly {
      when every monday at 10:00
      audience groups > 0
      goal g: purchase within 7d
      send news via group
    }
    ```
    """

    code = "W513"
    groups = ("logic",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            if journey.for_groups:
                continue
            tested = any(_tests_membership(a.expr) for a in clauses(journey, ast.Audience))
            for send in _untested_sends(journey.steps, tested):
                yield self.report(
                    send.channel.span,
                    f"`send {send.content.name} via group` reaches only customers in a group "
                    f"of the sender, and journey `{journey.name.name}` can reach customers "
                    "in none (skipped as `no_group`)",
                    hint="add `audience groups > 0`, or put the send inside `if groups > 0`")


def _tests_membership(expr: ast.Node) -> bool:
    return any(isinstance(n, ast.NameValue) and n.name == MEMBERSHIP for n in nodes([expr]))


def _untested_sends(steps: list[ast.Step] | None, tested: bool) -> Iterator[ast.Send]:
    for step in steps or []:
        if isinstance(step, ast.Send):
            if step.channel.name in GROUP_CHANNELS and not tested:
                yield step
        elif isinstance(step, ast.If):
            for branch in step.branches:
                yield from _untested_sends(branch.steps,
                                           tested or _tests_membership(branch.condition))
            yield from _untested_sends(step.otherwise, tested)
        elif isinstance(step, (ast.RepeatN, ast.RepeatUntil)):
            yield from _untested_sends(step.steps, tested)
        elif isinstance(step, ast.Split):
            for arm in step.arms:
                yield from _untested_sends(arm.steps, tested)
        elif isinstance(step, ast.WaitFor):
            for arm in (step.then, step.timeout):
                yield from _untested_sends(arm, tested)

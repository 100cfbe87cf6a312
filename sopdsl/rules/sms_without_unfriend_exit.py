"""W511 sms-without-unfriend-exit."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext, clauses
from sopdsl.lint.registry import Rule


class SmsWithoutUnfriendExit(Rule):
    """### What it does
    Flags the first `sms` send of a journey that has no `exit on friend_deleted`.

    ### Why it matters
    WeCom sends stop by themselves when the customer deletes the staff member, but SMS
    still reaches the phone: the customer who just left gets marketing texts, which leads
    to complaints and carrier blocking.

    ### Example
    ```sop
    content reminder: text "您的优惠券即将到期"
    journey expiry {
      when friend_added
      goal used: purchase within 7d
      wait 5d
      send reminder via sms
    }
    ```

    ### Use instead
    ```sop
    content reminder: text "您的优惠券即将到期"
    journey expiry {
      when friend_added
      goal used: purchase within 7d
      exit on friend_deleted
      wait 5d
      send reminder via sms
    }
    ```
    """

    code = "W511"
    groups = ("risk",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            exits = {e.name.name for c in clauses(journey, ast.ExitOn) for e in c.events}
            if "friend_deleted" in exits:
                continue
            sms = [r.step for r in ctx.steps(journey)
                   if isinstance(r.step, ast.Send) and r.step.channel.name == "sms"]
            if sms:
                yield self.report(sms[0].channel.span, f"`{journey.name.name}` sends SMS but "
                                  "does not exit on `friend_deleted`",
                                  hint="add `exit on friend_deleted`")

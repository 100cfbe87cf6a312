"""W509 reentry-always-without-cap."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext, clauses, triggers
from sopdsl.lint.registry import Rule


class ReentryAlwaysWithoutCap(Rule):
    """### What it does
    Flags `reentry always` on a journey started by an event (`when purchase`,
    `when click(c)`, ...) that has no `cap` clause.

    ### Why it matters
    Every time the event happens after the journey ends, the customer goes through it
    again: frequent events (clicks, replies, purchases in a campaign) turn one SOP into a
    stream of messages that only the playbook-wide cap limits.

    ### Example
    ```sop
    content thanks: text "感谢下单"
    journey thank_you {
      when purchase
      reentry always
      goal again: purchase within 30d
      send thanks via private_chat
    }
    ```

    ### Use instead
    ```sop
    content thanks: text "感谢下单"
    journey thank_you {
      when purchase
      reentry always
      cap 1 per 7d
      goal again: purchase within 30d
      send thanks via private_chat
    }
    ```
    """

    code = "W509"
    groups = ("risk",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            events = [t for t in triggers(journey) if isinstance(t, ast.EventTrigger)]
            always = [r for r in clauses(journey, ast.Reentry) if r.mode == "always"]
            if events and always and not clauses(journey, ast.JourneyCap):
                yield self.report(
                    always[0].span, f"`{journey.name.name}` re-enters on every "
                    f"`{events[0].event.name.name}` with no cap",
                    hint="add `cap N per DURATION`, or use `reentry after DURATION`")

"""W501 send-in-quiet-hours."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.runtime.hours import DailyHours, clock_text
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class SendInQuietHours(Rule):
    """### What it does
    Flags `send ... at HH:MM` when the time is inside the playbook's `quiet_hours`
    (which may wrap midnight: `21:30-08:30` covers 23:00 and 07:00, not 08:30).

    ### Why it matters
    Quiet hours hold every customer-facing send until they end, so the send goes out at the
    end of the quiet window instead, together with everything else held overnight.

    ### Example
    ```sop
    playbook "Shop" { quiet_hours 21:30-08:30 }
    content night_sale: text "今晚限时特价"
    journey late {
      when friend_added
      goal bought: purchase within 7d
      send night_sale via sms at 22:00
    }
    ```

    ### Use instead
    ```sop
    playbook "Shop" { quiet_hours 21:30-08:30 }
    content night_sale: text "今晚限时特价"
    journey late {
      when friend_added
      goal bought: purchase within 7d
      send night_sale via sms at 20:00
    }
    ```
    """

    code = "W501"
    groups = ("risk",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        if ctx.program.settings.quiet_hours is None:
            return
        quiet = DailyHours(*ctx.program.settings.quiet_hours)
        for journey in ctx.program.journeys.values():
            for ref in ctx.steps(journey):
                at = ref.step.at if isinstance(ref.step, ast.Send) else None
                if at is not None and quiet.contains(at.minutes):
                    yield self.report(
                        at.span, f"send at {at.text} falls in the quiet hours {quiet.text}",
                        hint=f"it is held until {clock_text(quiet.end)}; pick a time outside "
                             "the quiet hours")

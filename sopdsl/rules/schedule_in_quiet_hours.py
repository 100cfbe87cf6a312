"""W502 schedule-in-quiet-hours."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.runtime.hours import DailyHours
from sopdsl.lint.context import LintContext, triggers
from sopdsl.lint.registry import Rule


class ScheduleInQuietHours(Rule):
    """### What it does
    Flags a `wait ... at`, `wait until HH:MM`, `wait until WEEKDAY at` or a trigger time
    (`when every day at`, `when birthday at`) inside the playbook's `quiet_hours`.

    ### Why it matters
    The time exists to schedule what follows, but a send after it is held until the quiet
    hours end, and staff do not work at night: the step runs hours later than written.

    ### Example
    ```sop
    playbook "Shop" { quiet_hours 21:30-08:30 }
    journey daily {
      when every day at 07:00
      goal bought: purchase within 1d
      tag "早安"
    }
    ```

    ### Use instead
    ```sop
    playbook "Shop" { quiet_hours 21:30-08:30 }
    journey daily {
      when every day at 09:00
      goal bought: purchase within 1d
      tag "早安"
    }
    ```
    """

    code = "W502"
    groups = ("risk",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        if ctx.program.settings.quiet_hours is None:
            return
        quiet = DailyHours(*ctx.program.settings.quiet_hours)
        for journey in ctx.program.journeys.values():
            times = [getattr(t, "at", None) for t in triggers(journey)]
            times += [_scheduled(ref.step) for ref in ctx.steps(journey)]
            for at in times:
                if isinstance(at, ast.TimeOfDay) and quiet.contains(at.minutes):
                    yield self.report(
                        at.span, f"{at.text} is inside the quiet hours {quiet.text}",
                        hint="sends after it are held until the quiet hours end; pick a time "
                             "outside them")


def _scheduled(step: ast.Step) -> ast.TimeOfDay | None:
    match step:
        case ast.Wait(at=at) | ast.WaitUntilDay(at=at):
            return at
        case ast.WaitUntilTime(time=time):
            return time
    return None

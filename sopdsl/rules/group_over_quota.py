"""W512 group-over-quota."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sopdsl.builtins import DURATION_UNITS, GROUP_CHANNELS, group_quota
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext, clauses
from sopdsl.lint.registry import Rule
from sopdsl.syntax import ast
from sopdsl.syntax.walk import most_sends

# The month the rule measures a calendar against: the longest, so only a calendar over the
# quota of every month is flagged.
MONTH = dt.date(2027, 1, 1)
DAYS = 31


class GroupOverQuota(Rule):
    """### What it does
    Flags a journey `for groups` whose calendar posts to each group more often than a month's
    quota allows: WeCom lets a customer group receive at most as many company mass sends a
    month as the month has days.

    ### Why it matters
    The posts over the quota are skipped (counted as `quota`): a three-posts-a-day calendar
    loses two posts of three, the later ones of the month first.

    ### Example
    ```sop
    content morning: text "早安"
    content noon: text "午间干货"
    journey 社群 for groups {
      when every day at 08:00 or every day at 12:00
      send morning via group
    }
    ```

    ### Use instead
    ```sop
    content morning: text "早安"
    journey 社群 for groups {
      when every day at 08:00
      send morning via group
    }
    ```
    """

    code = "W512"
    groups = ("logic",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        quota = group_quota(MONTH)
        for journey in ctx.program.journeys.values():
            if not journey.for_groups:
                continue
            triggers = [t for when in clauses(journey, ast.When) for t in when.triggers]
            runs = sum(_runs_in(trigger, DAYS) for trigger in triggers)
            posts = runs * most_sends(journey.steps, GROUP_CHANNELS)
            if posts > quota:
                yield self.report(
                    journey.name.span,
                    f"journey `{journey.name.name}` posts to each group up to {posts:g} times "
                    f"in a {DAYS}-day month, and a group receives at most {quota}; the rest "
                    "are skipped",
                    hint="post at most once a day on average to a group: merge the posts, "
                         "or move some to moments")


def _runs_in(trigger: ast.Trigger, days: int) -> float:
    """How many times a calendar trigger fires in `days` days (at most)."""
    if not isinstance(trigger, ast.EveryTrigger):
        return 0.0
    if trigger.unit == "day":
        return float(days)
    if trigger.unit == "weekday":
        return float(-(-days // 7))
    every = trigger.interval.minutes / DURATION_UNITS["d"] if trigger.interval else 7.0
    return float(-(-days // max(1, int(every))))


"""W510 task-due-too-short."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.runtime.hours import DailyHours, clock_text
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule
from sopdsl.lint.windows import minutes_text
from sopdsl.runtime import steps

# The least staff working time a task's due window should hold.
MIN_WORKING_MINUTES = 60


class TaskDueTooShort(Rule):
    """### What it does
    Flags a `task ... due D wall` (a due in wall-clock time) that can be created at a time of
    day when the window up to its due time holds less than an hour of staff working time
    (09:00-21:00); a plain `due D` counts working time and always holds D of it. When every path
    fixes the time of day (a trigger `at`, `wait ... at`, `wait until`), that time is used;
    otherwise the worst time of day is assumed, so an unscheduled task needs a due of at
    least 13h.

    ### Why it matters
    A task created in the evening with `due 4h wall` is overdue before anyone is at work:
    staff reports fill with late tasks, and the customer is followed up late anyway.

    ### Example
    ```sop
    role guide
    journey cart {
      when friend_added
      goal bought: purchase within 7d
      task guide "跟进加购" due 4h wall
    }
    ```

    ### Use instead
    ```sop
    role guide
    journey cart {
      when friend_added
      goal bought: purchase within 7d
      wait until 10:00
      task guide "跟进加购" due 4h wall
    }
    ```
    """

    code = "W510"
    groups = ("workload",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        hours = ctx.options.staff_hours
        for name in ctx.program.journeys:
            paths = ctx.paths(name)
            clocks: dict[str, set[int | None]] = {}
            tasks: dict[str, ast.Task] = {}
            for path in paths.paths:
                for visit in path:
                    task = visit.instruction
                    if isinstance(task, steps.Task) and task.due is not None and task.wall:
                        clocks.setdefault(visit.node, set()).add(visit.clock)
                        tasks[visit.node] = visit.step  # type: ignore[assignment]
            for node, task in tasks.items():
                known = clocks[node] if paths.complete else {None}
                worst = _worst(known, task.due.minutes, hours)
                if worst[0] < MIN_WORKING_MINUTES:
                    left, start = worst
                    yield self.report(
                        task.due.span, f"task `{node}` due in {task.due.text} can leave "
                        f"{minutes_text(left)} of staff working time ({hours.text}) "
                        f"when created at {clock_text(start)}",
                        hint="give it a longer due, or schedule it with `wait ... at` or "
                             "`wait until` inside working hours")


def _worst(clocks: set[int | None], due: int, hours: DailyHours) -> tuple[int, int]:
    """The fewest working minutes before the due time over the possible creation times."""
    if None in clocks:
        return hours.least_minutes_in(due)
    return min((hours.minutes_in(c, due), c) for c in clocks if c is not None)

"""Staff figures from a task log: how many members each role has, how soon and how often
they finish tasks (completion and delay, censored like responses), and their daily capacity."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calibration.figures import (
    MIN_ANSWERS, MIN_SAMPLE, Figure, delay_figure, interval_note, kept, number, percent,
    probability_text,
)
from sopdsl.calibration.responses import Responses, fit_responses
from sopdsl.customers_io import Roster, TaskRecord
from sopdsl.data_rows import DataProblems
from sopdsl.scenario.defaults import STAFF_WORK

# A task done later than this after its creation counts as not done (in the window).
TASK_WINDOW = 7 * MINUTES_PER_DAY
# Capacity is what a member finishes on a busy day: this quantile of their daily counts.
BUSY_QUANTILE = 0.9


@dataclass
class RoleTasks:
    """One role's tasks: completion and delay as a censored tally, done per member and day."""

    tasks: Responses = field(default_factory=Responses)
    daily: Counter = field(default_factory=Counter)  # (member, day) -> tasks done


def tally_tasks(tasks: Iterable[TaskRecord], roster: Roster, problems: DataProblems,
                file: str) -> dict[str, RoleTasks]:
    """Each role's tasks before the cut-off (run-time 0); a member's task counts for each of
    their roles."""
    roles: dict[str, RoleTasks] = {}
    unknown: set[str] = set()
    for task in tasks:
        member = roster.members.get(task.staff)
        if member is None:
            if task.staff not in unknown:
                unknown.add(task.staff)
                problems.report("E604", file, task.line,
                                f"`{task.staff}` is not in the staff file",
                                hint="tasks count for the roles their member has there")
            continue
        if task.created >= 0:
            continue
        for role in member.roles:
            tally = roles.setdefault(role, RoleTasks())
            end = min(task.created + TASK_WINDOW, 0.0)
            if task.done is not None and task.done < end:
                tally.tasks.answer(task.done - task.created)
            else:
                tally.tasks.silence(end - task.created, TASK_WINDOW)
            if task.done is not None and task.done < 0:
                tally.daily[(task.staff, math.floor(task.done / MINUTES_PER_DAY))] += 1
    return roles


def staff_figures(roles: dict[str, RoleTasks], roster: Roster,
                  uncertain: bool) -> list[Figure]:
    """`staff ROLE N { capacity completion delay }` for each role with tasks."""
    figures = []
    for role, tally in sorted(roles.items()):
        members = sum(role in m.roles for m in roster.members.values())
        block = (f"staff {role} {members}",)
        figures.append(_capacity(block, tally.daily))
        tasks = tally.tasks
        fit = (fit_responses(tasks) if tasks.sends >= MIN_SAMPLE
               and tasks.answered >= MIN_ANSWERS else None)
        if fit is None:
            figures.append(kept(block, "completion", percent(STAFF_WORK["completion"]),
                                tasks.sends, "tasks"))
            figures.append(kept(block, "delay", STAFF_WORK["delay"].text(), tasks.answered,
                                "tasks done", MIN_ANSWERS))
            continue
        chance = fit.fit.estimates["chance"]
        extra = f"{tasks.censored:,} cut short" if tasks.censored else ""
        figures.append(Figure(block, "completion", probability_text(chance.value, chance.se,
                                                                    uncertain),
                              chance.value, chance.low, chance.high, chance.se, tasks.sends,
                              interval_note(tasks.sends, "tasks", chance.low, chance.high,
                                            "percent", extra)))
        figures.append(delay_figure(block, fit, tasks.answered, "tasks done",
                                    ", creation to done"))
    return figures


def _capacity(block: tuple[str, ...], daily: Counter) -> Figure:
    """The busy-day quantile of tasks done per member and day, with its distribution-free
    interval (order statistics)."""
    counts = np.sort(np.fromiter(daily.values(), dtype=float))
    n = len(counts)
    if n < MIN_SAMPLE:
        return kept(block, "capacity", f"{number(STAFF_WORK['capacity_per_day'])}/day", n,
                    "member-days with tasks done")
    value = float(np.quantile(counts, BUSY_QUANTILE))
    low_rank = int(stats.binom.ppf(0.025, n, BUSY_QUANTILE))
    high_rank = min(int(stats.binom.ppf(0.975, n, BUSY_QUANTILE)) + 1, n) - 1
    low, high = float(counts[max(low_rank - 1, 0)]), float(counts[high_rank])
    return Figure(block, "capacity", f"{number(value)}/day", value, low, high, None, n,
                  interval_note(n, "member-days with tasks done", low, high,
                                extra=f"the {round(BUSY_QUANTILE * 100)}th percentile"))

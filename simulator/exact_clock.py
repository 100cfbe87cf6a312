"""What of the clock a playbook reads, and so after how many grid steps its customers' futures
repeat: the rule that says which arrival cohorts are copies of one another, shifted in time.

Friends arriving k steps apart are in the same state relative to their arrival, and stay so,
unless something absolute can tell them apart: a calendar date or campaign phase (never
repeats), a weekday (repeats weekly), or a moment of the day (repeats daily): quiet hours,
clock-of-day waits, schedules, and staff work (working hours, due at the end of a working
day, batches released at shared moments). With none of these, every arrival step's friends
are the first step's, shifted, and one trajectory serves them all.
"""

from __future__ import annotations

import math

from sopdsl.builtins import BATCHED_CHANNELS, GROUP_CHANNELS, MINUTES_PER_DAY, STAFF_CHANNELS
from sopdsl.checker.program import Program
from sopdsl.runtime import steps
from sopdsl.syntax import ast
from sopdsl.syntax.walk import nodes
from simulator.exact_model import ExactModel

# What reads calendar dates: the schedule shifted by whole weeks is not the same schedule.
_CALENDAR_NODES = (ast.OnceTrigger, ast.CampaignTrigger, ast.CampaignTest, ast.TodayValue,
                   ast.InDates, ast.DateLit, ast.DayTest)
# Triggers that fire at a moment of the customer's own (an event, a tag or stage they get):
# any other trigger fires on a schedule or a check shared by every customer.
_OWN_TRIGGERS = (ast.EventTrigger, ast.TagAddedTrigger, ast.StageTrigger)
# Instructions whose timing is a staff member's, on working hours and working days.
_STAFF_WORK = (steps.Task, steps.Notify, steps.Handoff)
# Channels whose sends wait on staff or are released in batches at moments customers share.
_SHARED_CHANNELS = frozenset(STAFF_CHANNELS) | BATCHED_CHANNELS | GROUP_CHANNELS


def period_days(program: Program) -> int | None:
    """After how many days the playbook's schedule repeats (1, or weeks when it names days);
    None when it reads the calendar (campaigns, dates, months), which never repeats."""
    calendar = (n for n in nodes([*program.segments.values(), *program.journeys.values()])
                if isinstance(n, _CALENDAR_NODES)
                or isinstance(n, ast.EveryTrigger) and n.unit == "month")
    if program.campaigns or next(calendar, None) is not None:
        return None
    days = 1
    for journey in program.journeys.values():
        for node in nodes([*journey.clauses, *journey.steps]):
            if isinstance(node, ast.WaitUntilDay):
                days = math.lcm(days, 7)
            elif isinstance(node, ast.EveryTrigger) and node.unit != "day":
                weeks = max(1, round(node.interval.minutes / (7 * MINUTES_PER_DAY))) \
                    if node.interval else 1
                days = math.lcm(days, 7 * weeks)
    return days


def reads_time_of_day(model: ExactModel) -> bool:
    """Whether anything can tell apart customers at the same point of their own time whose
    clocks differ: quiet hours, a clock-of-day wait, a shared trigger, staff work."""
    program = model.program
    if program.settings.quiet_hours:
        return True
    for journey in program.journeys.values():
        triggers = (n for clause in journey.clauses if isinstance(clause, ast.When)
                    for n in clause.triggers)
        if journey.for_groups or any(not isinstance(t, _OWN_TRIGGERS) for t in triggers):
            return True
    return any(instruction.reads_clock or isinstance(instruction, _STAFF_WORK)
               or isinstance(instruction, steps.Send) and instruction.channel in _SHARED_CHANNELS
               for journey in model.interpreter.journeys.values()
               for instruction in journey.code)


def period_steps(model: ExactModel) -> int | None:
    """After how many grid steps every customer's future repeats, shifted: 1 when nothing
    reads the clock, a day's or a week's steps, None when the calendar is read."""
    days = period_days(model.program)
    if days is None:
        return None
    if days == 1 and not reads_time_of_day(model):
        return 1
    return days * model.steps_per_day

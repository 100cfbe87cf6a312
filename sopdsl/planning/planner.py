"""The planner: real customers and their history through the journey interpreter, as task plans.

Each customer is followed from `lookback_days` before the start: older events are history,
later ones are replayed through the journeys. From the start on, the planner assumes the
customer does nothing new; where a step's next move depends on what the customer does (a
`wait for`, a branch or `repeat ... until` reading their activity), the run stops there and
the plan lists the step as pending. Customers are planned one at a time, so memory does not
grow with their number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sopdsl.syntax import ast

from sopdsl.runtime import steps
from sopdsl.runtime.arms import stable_arm
from sopdsl.builtins import GROUP_CHANNELS, MINUTES_PER_DAY
from sopdsl.runtime.clock import Clock
from sopdsl.calendars import Workdays
from sopdsl.checker.calendar_years import NEWER, calendar_gap
from sopdsl.runtime.hours import DEFAULT_WORKING_HOURS, ClockHours, DailyHours, WorkingTime
from sopdsl.runtime.customer import Customer, Event, Run
from sopdsl.customers_io import Moments, Roster, read_staff
from sopdsl.data_rows import DataProblems, Report
from sopdsl.histories import CustomerRows, DataFiles, HeldProblems, convert, data_files, follow
from sopdsl.diagnostics import Diagnostic
from sopdsl.syntax.files import display_path
from sopdsl.fmt.exprs import events_text, expr_text
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.planning.batches import PlanBatches
from sopdsl.planning.group_posts import PlanGroupPosts, post_targets
from sopdsl.groups_io import own_from_customers, read_groups, read_memberships
from sopdsl.runtime.groups import Group, GroupBook
from sopdsl.planning.build import TaskBuilder
from sopdsl.planning.model import Assignee, PlanPlaybook, PlanSummary, PlanTask, PlanWindow
from sopdsl.checker.program import Program
from sopdsl.runtime.replay import CustomerData, drive, follow_customer
from sopdsl.syntax.step_ids import walk_steps

DEFAULT_LOOKBACK_DAYS = 30
# One customer's plan: tasks, sends dropped by caps and limits, and the problems of their rows.
CustomerPlan = tuple[list["PlanTask"], Counter[str], list[Report]]


@dataclass(frozen=True)
class PlanSettings:
    """What to plan: from `start` (naive: the playbook's time zone) for `days` days."""

    start: dt.datetime
    days: int
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    staff_hours: tuple[int, int] = (DEFAULT_WORKING_HOURS.start, DEFAULT_WORKING_HOURS.end)


@dataclass
class _Hold:
    """A run stopped at a step whose outcome depends on the customer's next moves."""

    run: Run
    step: str
    condition: str
    start: float
    end: float


def calendar_warning(program: Program, settings: PlanSettings) -> str | None:
    """W333 when the days the plan replays and plans leave the years of a holiday calendar the
    playbook reads (those days count Monday to Friday); None otherwise."""
    first = settings.start.date() - dt.timedelta(days=settings.lookback_days)
    last = settings.start.date() + dt.timedelta(days=settings.days)
    gap = calendar_gap(program, first, last)
    if gap is None:
        return None
    return (f"W333: the plan runs from {first} (its start less the lookback) to {last}, but "
            f"{gap}; check due times in that year by hand ({NEWER})")


class Planner:
    """Plans one customer at a time against one program."""

    def __init__(self, program: Program, settings: PlanSettings, roster: Roster | None = None,
                 groups: GroupBook | None = None):
        self.program, self.settings = program, settings
        self.groups = groups or GroupBook()
        self.roster = roster or Roster()
        self.clock = Clock(settings.start, program.settings.timezone)
        self.moments = Moments(self.clock)
        self.end = self.clock.minutes(self.clock.epoch + dt.timedelta(days=settings.days))
        self.interpreter = Interpreter(program, self.clock, stable_arm)
        self.holds: list[_Hold] = []
        self.conditions = _conditions(program)
        self.timeouts = _timeout_arms(self.interpreter)
        self.interpreter.before_step = self._gate
        self.loops = _loop_slots(self.interpreter, program)
        staff = ClockHours(DailyHours(*settings.staff_hours), self.clock,
                           Workdays(program.settings.workdays))
        hours = WorkingTime(staff, self.interpreter.quiet)
        priorities = {name: j.priority for name, j in self.interpreter.journeys.items()}
        self.builder = TaskBuilder(program, self.clock, hours, self.roster, self.end,
                                   priorities)
        self.builder.group_targets = self._group_targets
        self.builder.group_posts = self.posts = PlanGroupPosts(self.clock, self.groups,
                                                               self.roster)

    def header(self) -> tuple[PlanPlaybook, PlanWindow]:
        """What the plan document says about its playbook and window."""
        iso = self.builder.iso
        return (PlanPlaybook(title=self.program.settings.title,
                             file=display_path(self.program.entry),
                             timezone=self.program.settings.timezone,
                             workdays=self.program.settings.workdays),
                PlanWindow(start=iso(0), end=iso(self.end), days=self.settings.days,
                           lookback_days=self.settings.lookback_days,
                           staff_hours=DailyHours(*self.settings.staff_hours).text))

    def plan_rows(self, rows: CustomerRows,
                  files: DataFiles) -> tuple[list[PlanTask], Counter[str], list[Report]]:
        """One customer's plan from their rows as read, and the problems of those rows."""
        held = HeldProblems()
        data, events = convert(rows, self.program, self.moments, files, held)
        tasks, drops = self.plan_customer(data, events)
        return tasks, drops, [*rows.reports, *held.take()]

    def plan_customer(self, data: CustomerData,
                      events: Iterable[Event] = ()) -> tuple[list[PlanTask], Counter[str]]:
        """One customer's tasks in the window and the sends caps and limits drop there."""
        customer, timeline = follow_customer(
            self.interpreter, data, events, self.settings.lookback_days * MINUTES_PER_DAY,
            {"groups": len(self.groups.of.get(data.id, ()))})
        self.holds.clear()
        self.builder.reset(customer)
        drive(self.interpreter, customer, timeline, self.end,
              self.builder.send_start, self.builder.take)
        self._add_pending(customer)
        return self.builder.finish()

    def plan_groups(self) -> None:
        """Run the journeys `for groups` for every group from the start; their posts join the
        plan's group posts."""
        if not any(journey.for_groups for journey in self.program.journeys.values()):
            return
        interpreter = Interpreter(self.program, self.clock, stable_arm, for_groups=True)
        self.builder.for_group = True
        for group in self.groups.groups.values():
            entity = interpreter.new_customer(group.id, 0.0, owner=group.owner,
                                              attributes={"members": len(group.members)})
            self.builder.reset(entity)
            drive(interpreter, entity, [], self.end, lambda send: None, self.builder.take)
        self.builder.for_group = False

    def _group_targets(self, customer: Customer, sender: Assignee) -> list[Group]:
        """The groups a send via group posts to: a group's own run, its group; a customer's,
        their groups owned by the send's sender (`post_targets`)."""
        if self.builder.for_group:
            return [self.groups.groups[customer.id]]
        return post_targets(self.groups, self.roster, customer.id, sender)

    def _add_pending(self, customer: Customer) -> None:
        for run in customer.runs.values():
            wait = run.waiting
            if wait is not None and run.wake_at is not None:
                self._pending(customer, run, wait.step, self.conditions[wait.step],
                              run.wake_at - wait.within, run.wake_at)
        for hold in self.holds:
            if not hold.run.ended:
                self._pending(customer, hold.run, hold.step, hold.condition, hold.start,
                              hold.end)

    def _pending(self, customer: Customer, run: Run, step: str, condition: str, start: float,
                 end: float) -> None:
        flat = 0
        for slot, rounds in self.loops.get(step, ()):
            flat = flat * rounds + run.loops.get(slot, 0)
        self.builder.pending(customer, run.journey.name, run.number, run.entered_at, step,
                             flat + 1, condition, start, end)

    def _gate(self, c: Customer, run: Run, instruction: steps.Instruction, now: float) -> bool:
        """From the start on, hold a run where its next move depends on what the customer does:
        a `wait for` running out, a condition reading their activity (profile conditions
        before it still decide)."""
        if now < 0:
            return False
        wait = self.timeouts.get((run.journey.name, run.pc))
        if wait is not None:
            return self._hold(run, wait.step, now - wait.within, now)
        if not instruction.reads_history:
            return False
        if isinstance(instruction, steps.Branch):
            for (condition, _), reads in zip(instruction.conditions, instruction.reads):
                if reads:
                    return self._hold(run, instruction.step, now, now)
                if condition(c, now):
                    return False
            return False
        return self._hold(run, instruction.step, now, now)

    def _hold(self, run: Run, step: str, start: float, now: float) -> bool:
        self.holds.append(_Hold(run, step, self.conditions[step], start, now))
        return True


def uses_groups(program: Program) -> bool:
    """Whether the playbook posts to customer groups or runs journeys `for groups`."""
    return any(journey.for_groups or any(
        isinstance(ref.step, ast.Send) and ref.step.channel.name in GROUP_CHANNELS
        for ref in walk_steps(journey)) for journey in program.journeys.values())


def _conditions(program: Program) -> dict[str, str]:
    """What a pending step waits for or decides on, in the playbook's words."""
    found = {}
    for journey in program.journeys.values():
        for ref in walk_steps(journey):
            step = ref.step
            if isinstance(step, ast.WaitFor):
                found[ref.id] = f"wait for {events_text(step.events)} within {step.within.text}"
            elif isinstance(step, ast.If):
                found[ref.id] = " / ".join(
                    f"{'elif' if i else 'if'} {expr_text(b.condition)}"
                    for i, b in enumerate(step.branches))
            elif isinstance(step, ast.RepeatUntil):
                found[ref.id] = f"repeat until {expr_text(step.until)}"
    return found


def _timeout_arms(interpreter: Interpreter) -> dict[tuple[str, int], steps.WaitFor]:
    """Where each `wait for` goes when it runs out: (journey, index) to the wait."""
    found = {}
    for journey in interpreter.journeys.values():
        for pc, instruction in enumerate(journey.code):
            if isinstance(instruction, steps.WaitFor):
                found.update(((journey.name, flow.target), instruction)
                             for flow in instruction.successors(pc) if flow.kind == "timeout")
    return found


def _loop_slots(interpreter: Interpreter, program: Program) -> dict[str, list[tuple[int, int]]]:
    """For each step id: its enclosing repeats' (slot, rounds), outermost first."""
    slots: dict[str, tuple[int, int]] = {}
    for journey in interpreter.journeys.values():
        for index, instruction in enumerate(journey.code):
            if isinstance(instruction, steps.LoopEnd):
                slots[instruction.step] = (instruction.slot, instruction.rounds)
    found: dict[str, list[tuple[int, int]]] = {}
    for journey in program.journeys.values():
        parents = {}
        for ref in walk_steps(journey):
            parents[ref.id] = ref.parent
            chain, at = [], ref.id
            while at is not None:
                if at in slots:
                    chain.append(slots[at])
                at = parents.get(at)
            found[ref.id] = chain[::-1]
    return found


class PlanSink(Protocol):
    """Where planned tasks go: a JSON document, CSV rows, calendars."""

    def write(self, tasks: Iterable[PlanTask]) -> None: ...

    def close(self, summary: PlanSummary) -> None: ...


@dataclass(frozen=True)
class PlanInputs:
    """The data files: customers (required), events and staff (optional)."""

    customers: Path
    events: Path | None = None
    staff: Path | None = None
    groups: Path | None = None  # the customer groups: group_id, owner, name


def plan_files(program: Program, inputs: PlanInputs, settings: PlanSettings,
               make_sink: Any, *, workers: int = 1, scheduler: str | None = None,
               ) -> tuple[PlanSummary | None, list[Diagnostic]]:
    """Plan every customer in the files into the sink `make_sink(planner)` returns.

    The summary is None when the input could not be read to the end (rows out of order, an
    unreadable file); the diagnostics say why. Bad rows are skipped and reported. With
    `workers > 1` or a Dask `scheduler` address, customers are planned in chunks in parallel;
    the plan is the same.
    """
    problems = DataProblems()
    roster = read_staff(inputs.staff, program, problems) if inputs.staff else Roster()
    if problems.fatal:
        return None, problems.finish()
    book = read_groups(inputs.groups, problems) if inputs.groups else GroupBook()
    if problems.fatal:
        return None, problems.finish()
    planner = Planner(program, settings, roster, book)
    if inputs.events and uses_groups(program):
        read_memberships(inputs.events, program, planner.clock, book, inputs.groups is not None,
                         problems)
        own_from_customers(book, inputs.customers)
    sink: PlanSink = make_sink(planner)
    held = HeldProblems()
    followed = follow(inputs.customers, inputs.events, program, held, planner.moments)
    files = data_files(inputs.customers, inputs.events)
    kinds: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    batches = PlanBatches()
    count = 0
    with _planned(planner, roster, files, followed, workers, scheduler) as planned:
        for tasks, drops, reports in planned:
            problems.add(reports)
            sink.write(tasks)
            batches.add(tasks)
            planner.posts.add_sends(tasks)
            kinds.update(task.kind for task in tasks)
            dropped.update(drops)
            count += 1
    problems.add(held.take())
    problems.fatal |= held.fatal
    if problems.fatal:
        return None, problems.finish()
    planner.plan_groups()
    posts, skipped = planner.posts.tasks()
    staff_actions = batches.tasks() + posts
    dropped.update(skipped)
    sink.write(staff_actions)
    kinds.update(task.kind for task in staff_actions)
    summary = PlanSummary(customers=count, tasks=sum(kinds.values()),
                          by_kind=dict(sorted(kinds.items())),
                          dropped=dict(sorted(dropped.items())))
    sink.close(summary)
    return summary, problems.finish()


@contextlib.contextmanager
def _planned(planner: Planner, roster: Roster, files: DataFiles,
             followed: Iterable[CustomerRows], workers: int,
             scheduler: str | None) -> Iterator[Iterable[CustomerPlan]]:
    """Each customer's tasks, dropped sends and problems, in input order, here or on workers."""
    if workers <= 1 and scheduler is None:
        yield (planner.plan_rows(rows, files) for rows in followed)
        return
    from sopdsl.executors import pool_or_cluster
    from sopdsl.planning.partition import plan_partitioned

    with pool_or_cluster(workers, scheduler) as executor:
        yield plan_partitioned(executor, workers, planner.program, planner.settings, roster,
                               planner.groups, files, followed)

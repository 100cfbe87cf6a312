"""Plans and simulations decide alike: a simulated replication's customers and events, written as
the planner's input files, give a plan whose work is the work the simulation's interpreter did.

Legitimate differences, and how the comparison handles them:
- Split arms: simulations draw them at random, plans hash customer and split. The traced
  replication uses the plan's chooser (`stable_arm`), so both see the same arms.
- After `--start` the plan assumes the customer does nothing; the simulation goes on. A
  customer's decisions are compared only before their first event at or after the start
  (customer behaviour or a staff member's `task_done`): later ones may depend on it. Plan work
  that the simulation did not do must be due no earlier than that event.
- Where the next move depends on the customer (a `wait for`, an `if` reading activity) the plan
  stops the run and lists it as pending; the simulation's run is compared up to that step.
- Staff: simulated staff do sends late or never, the plan assumes the start of the due window.
  Deliveries feed the caps, so sends are compared as requests: every send the plan lists was
  requested in the simulation, and the requests it does not list are at most the sends it
  dropped at a cap or limit. Tasks, alerts, handoffs and updates are compared one for one.
  Every staff-confirmed send the simulation delivered went out no earlier than the plan's window
  for it starts, and never inside quiet hours, also when staff work inside them.
- A run the plan holds goes on in the simulation; what it changes then (tags, stage, score) is
  unknown to the plan, so the customer's other runs are compared up to the hold's end.
- Following: the plan follows customers from the lookback start (new friends from being
  added), the simulation its stock from its own start. Only customers followed from the same
  moment are compared, or, for playbooks without schedules, those with no event in between.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sopdsl.syntax import ast
from sopdsl.api import load
from sopdsl.runtime.arms import stable_arm
from sopdsl.calendars import Workdays
from sopdsl.lunar import LunarDay
from sopdsl.runtime.clock import Clock
from sopdsl.builtins import BATCHED_CHANNELS, STAFF_CHANNELS
from sopdsl.runtime.effects import (
    Effect, Entered, HandoffRequested, Notified, SendDelivered, SendRequested, StateChanged,
    TaskCreated,
)
from sopdsl.runtime.hours import clock_text, due_time
from sopdsl.runtime.evaluate import plain_number
from sopdsl.fmt.exprs import expr_text
from sopdsl.planning.model import PlanSummary, PlanTask, batch_id
from sopdsl.planning.planner import PlanInputs, PlanSettings, Planner, plan_files
from sopdsl.checker.program import Program
from sopdsl.syntax.step_ids import walk_steps
from sopdsl.scenario.build import effective_scenario
from sopdsl.scenario.model import Hours
from simulator.trace import CustomerTrace, StepStarted, trace_replication
from tests.test_engine import small
from programs import ROOT, write_file

WORK = (SendRequested, TaskCreated, Notified, HandoffRequested, StateChanged)

# Splits, a loop, branches on the profile and on activity, caps, staff tasks, alerts, a handoff,
# a send at a time of day, a weekly broadcast and an event with scenario behaviour.
COUPONS = Path(__file__).resolve().parent / "data" / "coupons.sop"
# Mass sends at schedules and after arrivals, a moments post and a chat.
# A campaign: a phase-start trigger, a pause, a block, phase and date conditions.
TEST_PLAYBOOKS = {"coupons": COUPONS,
                  "batches": Path(__file__).resolve().parent / "data" / "exact" / "batches.sop",
                  "campaign": Path(__file__).resolve().parent / "data" / "exact" / "campaign.sop",
                  "holidays": Path(__file__).resolve().parent / "data" / "holidays.sop",
                  "lunar": Path(__file__).resolve().parent / "data" / "lunar.sop",
                  "by_role": Path(__file__).resolve().parent / "data" / "by_role.sop"}


@dataclass(frozen=True)
class Case:
    """A playbook, a small population and the plan window (`start_day` days after the start)."""

    name: str
    population: int
    arrivals: float
    start_day: int
    days: int
    seed: int
    start_time: dt.time = dt.time(0)
    covers: tuple[str, ...] = ()  # steps whose work must be among the agreed
    rounds: int = 1  # the loop round some agreed work must reach
    staff_hours: tuple[int, int] | None = None  # every role's, in the scenario and the plan
    staff_file: bool = False  # the plan reads the simulated staff (their ids and roles)

    def program(self) -> Program:
        """The case's loaded playbook."""
        path = TEST_PLAYBOOKS.get(self.name, ROOT / "playbooks" / f"{self.name}.sop")
        program = load(path)
        assert program.ok, [d.message for d in program.diagnostics]
        return program


CASES = [
    # Evening starts: work asked for at 19:30 is still due when the plan starts.
    Case("onboarding", population=300, arrivals=40, start_day=9, days=4, seed=3,
         start_time=dt.time(19, 45),
         covers=("onboarding/coupon_test.small/2", "onboarding/coupon_test.big/2",
                 "onboarding/5.timeout/1", "onboarding/score_gate.elif1/1", "onboarding/5")),
    Case("coupons", population=400, arrivals=25, start_day=8, days=3, seed=5,
         start_time=dt.time(20),
         covers=("welcome/6.else/1.offer/1", "welcome/6.if/1", "welcome/6.if/2",
                 "welcome/6.elif1/1", "welcome/7.body/1", "claimed/1", "claimed/3.if/1"),
         rounds=2),
    # Midnight starts: everyone is followed from the same moment, so schedules fire alike.
    Case("coupons", population=300, arrivals=25, start_day=8, days=3, seed=6,
         covers=("tips/2", "tips/3", "welcome/7.body/1", "claimed/1")),
    Case("vip_birthday", population=6000, arrivals=0, start_day=6, days=7, seed=2,
         covers=("vip_birthday/1", "vip_birthday/2", "vip_birthday/3")),
    Case("winback", population=3000, arrivals=0, start_day=10, days=5, seed=4,
         covers=("winback/1", "winback/offer1", "winback/5.timeout/2")),
    # Planned on the campaign's last peak day: its 20:00 last call, the daily tip paused to
    # the end of the peak, the monthly digest blocked on 13 June.
    Case("campaign", population=300, arrivals=0, start_day=10, days=4, seed=7,
         covers=("kickoff/3.if/1", "daily_tip/1")),
    # Staff at work from 08:00 to 22:00, quiet hours from 21:00 to 08:30: sends they do
    # inside quiet hours wait for their end (a seed where some 19:30 mass send is done late).
    Case("coupons", population=400, arrivals=25, start_day=8, days=3, seed=11,
         start_time=dt.time(20), staff_hours=(8 * 60, 22 * 60)),
    # `workdays china`: planned from 20:00 on 2025-09-30, the eve of eight days off, so the
    # staff's work is due from 2025-10-09 in the plan and done then in the simulation.
    Case("holidays", population=400, arrivals=25, start_day=8, days=11, seed=5,
         start_time=dt.time(20)),
    # Lunar birthdays (a lunar date attribute drawn over a lunar year), 中秋 (2025-10-06) less a
    # day, and `today is holiday` over the National Day break on a schedule that ends on
    # 2025-10-06, planned from 2025-09-30 for 8 days.
    Case("lunar", population=2000, arrivals=5, start_day=10, days=8, seed=3,
         covers=("lunar_birthday_care/1", "lunar_birthday_care/3", "mid_autumn_greeting/1",
                 "holiday_hello/1")),
]


@dataclass(frozen=True)
class Work:
    """A piece of work as the comparison sees it."""

    customer: str
    kind: str
    journey: str
    entry: str
    step: str
    round: int
    due_start: str
    detail: tuple

    @property
    def key(self) -> tuple:
        """Which decision it is: customer, kind, run, step and round."""
        return self.customer, self.kind, self.journey, self.entry, self.step, self.round


@dataclass
class Outcome:
    """One case simulated and planned."""

    case: Case
    trace: dict[str, CustomerTrace]  # the customers compared
    planner: Planner
    start: float  # the plan's start in simulation minutes
    tasks: list[PlanTask]
    summary: PlanSummary
    program: Program
    traced: dict[str, CustomerTrace]  # every customer of the replication


@pytest.fixture(scope="module", params=CASES,
                ids=lambda case: f"{case.name}-{case.start_time:%H%M}")
def outcome(request, tmp_path_factory) -> Outcome:
    """Simulate the case with the plan's arm chooser, write its files, plan them."""
    return simulated_and_planned(request.param, tmp_path_factory.mktemp(request.param.name))


def simulated_and_planned(case: Case, folder: Path) -> Outcome:
    """Simulate the case with the plan's arm chooser, write its files into `folder`, plan them."""
    program = case.program()
    scenario, problems = effective_scenario(program)
    assert scenario is not None and problems == []
    # A day more than the window, so the simulation runs past its end at any start time.
    scenario = small(scenario, case.population, case.arrivals, case.start_day + case.days + 1)
    if case.staff_hours is not None:
        hours = Hours(start=clock_text(case.staff_hours[0]), end=clock_text(case.staff_hours[1]))
        scenario = scenario.model_copy(update={"staff": {
            role: staff.model_copy(update={"hours": hours})
            for role, staff in scenario.staff.items()}})
    first = dt.datetime.combine(scenario.start, dt.time())
    clock = Clock(first, program.settings.timezone)
    start_at = dt.datetime.combine(scenario.start + dt.timedelta(days=case.start_day),
                                   case.start_time)
    start = clock.minutes(start_at)
    trace = trace_replication(program, scenario, case.seed, choose_arm=stable_arm,
                              waiting_at=start)
    known = sorted((c for c in trace.customers.values() if c.followed < start),
                   key=lambda c: c.id)
    inputs = _write_inputs(folder, known, clock, start)
    if case.staff_file:
        inputs = dataclasses.replace(inputs, staff=_write_staff(folder, staff_roles(scenario)))

    planners: list[Planner] = []
    tasks: list[PlanTask] = []

    class Collect:
        def write(self, more: Iterable[PlanTask]) -> None:
            tasks.extend(more)

        def close(self, summary: PlanSummary) -> None:
            pass

    def sink(planner: Planner) -> Collect:
        planners.append(planner)
        return Collect()

    settings = PlanSettings(start_at, case.days, lookback_days=case.start_day)
    if case.staff_hours is not None:
        settings = dataclasses.replace(settings, staff_hours=case.staff_hours)
    summary, problems = plan_files(program, inputs, settings, sink)
    assert problems == [] and summary is not None and summary.customers == len(known)
    # The plan follows customers from the lookback start on (new friends from being added);
    # what happened to them before is history to it but was replayed by the simulation, and
    # schedules fire from the moment a customer is followed. Only customers followed alike are
    # compared: from the same moment, or with nothing in between and no schedules.
    since = clock.minutes(start_at - dt.timedelta(days=case.start_day))
    timeless = not planners[0].interpreter.triggers.schedules
    alike = {c.id: c for c in known if c.followed >= since or timeless and not any(
        c.followed <= e.time < since for e in c.events)}
    return Outcome(case, alike, planners[0], start, tasks, summary, program, trace.customers)


def staff_roles(scenario) -> dict[str, str]:
    """The simulated staff members' roles by id (the simulation names them `ROLE-k`)."""
    return {f"{role}-{k}": role for role, staff in scenario.staff.items()
            for k in range(1, staff.count + 1)}


def _write_staff(folder: Path, roles: dict[str, str]) -> Path:
    path = folder / "staff.csv"
    path.write_text("staff_id,name,role\n" + "".join(
        f"{member},{member},{role}\n" for member, role in roles.items()), encoding="utf-8")
    return path


def _write_inputs(folder: Path, customers: list[CustomerTrace], clock: Clock,
                  start: float) -> PlanInputs:
    """Customers as first followed and their events before the start, as JSON Lines."""
    people, events = [], []
    for c in customers:
        row = {"customer_id": c.id, "owner": c.owner, "tags": list(c.tags), "stage": c.stage,
               "score": c.score}
        row.update({name: value.isoformat() if isinstance(value, dt.date)
                    else str(value) if isinstance(value, LunarDay) else value
                    for name, value in c.attributes.items()})
        people.append(row)
        for event in [*sorted(c.history, key=lambda e: e.time), *c.events]:
            if event.time < start:
                events.append({"customer_id": c.id, "time": clock.local(event.time).isoformat(),
                               "event": event.name, "content": event.content,
                               "amount": event.amount})
    paths = folder / "customers.jsonl", folder / "events.jsonl"
    for path, rows in zip(paths, (people, events)):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                        encoding="utf-8")
    return PlanInputs(*paths)


# ---- the simulation's decisions, described as plan work --------------------------------------


def _first_unknown(c: CustomerTrace, start: float) -> float:
    """When the customer's first event the plan cannot know happens (inf: none in the horizon)."""
    return min((e.time for e in c.events if e.time >= start), default=math.inf)


def _waits(program: Program) -> dict[str, int]:
    return {ref.id: ref.step.within.minutes for j in program.journeys.values()
            for ref in walk_steps(j) if isinstance(ref.step, ast.WaitFor)}


def _plain(value: object) -> object:
    if isinstance(value, float):
        return plain_number(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def _detail(effect: Effect) -> tuple:
    if isinstance(effect, SendRequested):
        return effect.channel, effect.content
    if isinstance(effect, StateChanged):
        return effect.field, effect.name, _plain(effect.value)
    return (effect.role,)


def _plan_detail(task: PlanTask) -> tuple:
    if task.kind == "send":
        return task.channel, task.content.name
    if task.kind == "update":
        return task.change.field, task.change.name, task.change.value
    return (task.assignee.role,)


def _as_work(out: Outcome, c: CustomerTrace, effect: Effect, round_: int,
             entries: dict[tuple[str, int], float]) -> Work | None:
    """The work a plan would list for this decision, None when its due window misses the plan's."""
    builder, start = out.planner.builder, out.start
    moved = dataclasses.replace(effect, time=effect.time - start)
    if isinstance(moved, SendRequested):
        moved = dataclasses.replace(moved, earliest=moved.earliest - start)
        due_start, due_end = builder.send_window(moved)
        kind = "send"
    elif isinstance(moved, StateChanged):
        due_start = due_end = moved.time
        kind = "update"
    else:
        due = due_time(moved.time, moved.due_in, moved.due_wall, builder.hours.staff) \
            if isinstance(moved, TaskCreated) else None
        due_start, due_end = builder.hours.work_window(moved.time, due)
        kind = moved.kind
    if not (due_start < out.planner.end and max(due_start, due_end) >= 0):
        return None
    entry = builder.iso(entries[(effect.journey, effect.run)] - start)
    return Work(c.id, kind, effect.journey, entry, effect.step, round_, builder.iso(due_start),
                _detail(effect))


@dataclass
class Expected:
    """What the simulation says one customer's plan must hold."""

    work: dict[tuple, Work]
    pending: dict[tuple, Work]
    unknown_from: str  # plan work that the simulation did not do must be due from then on
    acts_from: str  # the customer's first action after the start
    held_at: dict[tuple, int]  # plan pending (by key) -> the step record where it holds


def _holds(out: Outcome, c: CustomerTrace, plan: list[PlanTask],
           unknown_from: str) -> dict[tuple, tuple[tuple, int]]:
    """Per plan pending (by key): its run (journey, entry number) and the index of the step
    record where the plan stops that run.

    Holds from the customer's first unknown event on are where the plan's path may part from
    the simulation's; they stop nothing the comparison looks at.
    """
    numbers = {(e.journey, out.planner.builder.iso(e.time - out.start)): e.run
               for e in c.effects if isinstance(e, Entered)}
    held = {}
    for task in plan:
        if task.kind != "pending" or task.due.start >= unknown_from:
            continue
        run = (task.journey, numbers.get((task.journey, task.entry)))
        since = out.planner.clock.minutes(dt.datetime.fromisoformat(task.due.start)) + out.start
        index = next((i for i, s in enumerate(c.steps)
                      if (s.journey, s.run, s.step) == (*run, task.step)
                      and abs(since - s.time) < 1 / 60), None)
        assert index is not None, f"{c.id}: pending {task.step} matches no step of the run"
        held[_plan_work(task).key] = (run, index)
    return held


def expected(out: Outcome, c: CustomerTrace, plan: list[PlanTask]) -> Expected:
    """The work and pending steps the simulation did for the customer that the plan must list.

    A run the plan holds goes on in the simulation from the hold's end (a wait's deadline, a
    branch's moment), and what it changes there (tags, stage, score) is unknown to the plan, so
    the customer's other runs are compared only up to then.
    """
    start, builder = out.start, out.planner.builder
    first = _first_unknown(c, start)
    holds = _holds(out, c, plan, builder.iso(min(first, start + out.planner.end) - start))
    held = dict(holds.values())
    ends: dict[tuple, float] = {}
    for task in plan:
        if task.kind == "pending" and _plan_work(task).key in holds:
            end = out.planner.clock.minutes(dt.datetime.fromisoformat(task.due.end)) + start
            run = holds[_plan_work(task).key][0]
            ends[run] = min(ends.get(run, math.inf), end)

    def unknown(run: tuple | None) -> float:
        """From when the run's decisions may depend on what the plan cannot know."""
        return min([first, *(end for other, end in ends.items() if other != run)])

    entries = {(e.journey, e.run): e.time for e in c.effects if isinstance(e, Entered)}
    rounds: Counter[tuple] = Counter()
    work: dict[tuple, Work] = {}
    for effect in c.effects:
        if not isinstance(effect, WORK) or effect.journey is None:
            continue
        rounds[(effect.journey, effect.run, effect.step)] += 1
        run = (effect.journey, effect.run)
        if effect.time >= unknown(run) or _record(c.steps, effect) >= held.get(run, math.inf):
            continue
        item = _as_work(out, c, effect, rounds[(effect.journey, effect.run, effect.step)],
                        entries)
        if item is not None:
            work[item.key] = item
    pending = _expected_pending(out, c, held, unknown, entries)
    unknown_from = builder.iso(min(unknown(None), start + out.planner.end) - start)
    return Expected(work, pending, unknown_from, builder.iso(min(first, start + out.planner.end)
                                                             - start),
                    {key: i for key, (_, i) in holds.items()})


def _record(steps: list[StepStarted], effect: Effect) -> int:
    """The index of the step record an effect came from: its step's last start up to then."""
    return max(i for i, s in enumerate(steps) if (s.journey, s.run, s.step) == (
        effect.journey, effect.run, effect.step) and s.time <= effect.time)


def _expected_pending(out: Outcome, c: CustomerTrace, held: dict[tuple, int],
                      unknown: Callable[[tuple], float],
                      entries: dict[tuple[str, int], float]) -> dict[tuple, Work]:
    """Runs waiting at the start, and each other run's first `wait for` before it is unknown."""
    builder, start, waits = out.planner.builder, out.start, _waits(out.program)
    waiting = {(w.journey, w.run): w for w in c.waiting}
    found: dict[tuple, tuple[int, float, float]] = {}
    for index, s in enumerate(c.steps):
        run = (s.journey, s.run)
        if s.step not in waits or run in found or index > held.get(run, math.inf):
            continue
        wait = waiting.get(run)
        if wait is not None and (wait.step, wait.since) == (s.step, s.time):
            found[run] = (index, wait.since, wait.deadline)
        elif wait is None and start <= s.time < min(unknown(run), start + out.planner.end):
            found[run] = (index, s.time, s.time + waits[s.step])
    pending = {}
    for (journey, run), (index, since, deadline) in found.items():
        step = c.steps[index].step
        round_ = sum(1 for s in c.steps[:index + 1] if (s.journey, s.run, s.step) == (
            journey, run, step))
        item = Work(c.id, "pending", journey, builder.iso(entries[(journey, run)] - start), step,
                    round_, builder.iso(since - start), (builder.iso(deadline - start),))
        pending[item.key] = item
    assert len(found) >= len(waiting), f"{c.id}: a run waiting at the start has no wait record"
    return pending


def _plan_work(task: PlanTask) -> Work:
    detail = (task.due.end,) if task.kind == "pending" else _plan_detail(task)
    return Work(task.customer, task.kind, task.journey, task.entry, task.step, task.round,
                task.due.start, detail)


class Branches:
    """Which `if` steps the plan may hold: those reaching a condition on the customer's activity
    before one that holds. Read from the conditions' text, apart from the planner's own test."""

    ACTIVITY = ("count(", "days_since(", "sum(", "rfm.", "ever(")

    def __init__(self, program: Program) -> None:
        texts = {name: expr_text(decl.expr) for name, decl in program.segments.items()}
        self.segments: set[str] = set()
        while True:
            more = {name for name, text in texts.items() if self.reads(text)} - self.segments
            if not more:
                break
            self.segments |= more
        self.conditions = {
            ref.id: [self.reads(expr_text(b.condition)) for b in ref.step.branches]
            for j in program.journeys.values() for ref in walk_steps(j)
            if isinstance(ref.step, ast.If)}

    def reads(self, text: str) -> bool:
        """Whether a condition reads what the customer did (directly or through a segment)."""
        return any(mark in text for mark in self.ACTIVITY) or any(
            re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) for name in self.segments)

    def held_rightly(self, c: CustomerTrace, index: int) -> bool:
        """A hold at the `if` of this step record is right when the simulation's branch came
        after (or at) a condition on activity; an empty branch tells nothing."""
        held = c.steps[index]
        reads = self.conditions[held.step]
        after = next((s for s in c.steps[index + 1:]
                      if (s.journey, s.run) == (held.journey, held.run)), None)
        if after is None or not after.step.startswith(held.step + "."):
            return True
        arm = after.step[len(held.step) + 1:].split("/")[0]
        taken = 0 if arm == "if" else len(reads) if arm == "else" else int(arm[4:])
        return any(reads[:taken + 1])


# ---- the comparison ---------------------------------------------------------------------------


def compare(out: Outcome) -> tuple[list[str], list[Work]]:
    """Every disagreement between the plan and the simulation, and the work they agree on."""
    by_customer: dict[str, list[PlanTask]] = {}
    for task in out.tasks:
        by_customer.setdefault(task.customer, []).append(task)
    problems: list[str] = []
    agreed: list[Work] = []
    missing_sends = 0
    branches = Branches(out.program)
    for c in out.trace.values():
        plan = by_customer.get(c.id, [])
        want = expected(out, c, plan)
        got = [_plan_work(task) for task in plan]
        for item in got:
            if item.kind == "pending":
                twin = want.pending.pop(item.key, None)
                if twin == item:
                    agreed.append(item)
                elif twin is not None:
                    problems.append(f"plan and simulation differ:\n  plan {item}\n  sim  {twin}")
                elif item.step in branches.conditions and item.due_start < want.acts_from:
                    if not branches.held_rightly(c, want.held_at[item.key]):
                        problems.append(f"plan holds a branch decided on the profile: {item}")
                elif item.due_start < want.unknown_from:
                    problems.append(f"plan holds what the simulation did not wait on: {item}")
                continue
            twin = want.work.pop(item.key, None)
            if twin is None:
                if item.due_start < want.unknown_from:
                    problems.append(f"plan lists work the simulation did not do: {item}")
            elif twin != item:
                problems.append(f"plan and simulation differ:\n  plan {item}\n  sim  {twin}")
            else:
                agreed.append(item)
        problems += [f"simulation waits on what the plan does not hold: {w}"
                     for w in want.pending.values()]
        for item in want.work.values():
            if item.kind == "send":
                missing_sends += 1
            else:
                problems.append(f"simulation did work the plan does not list: {item}")
    dropped = sum(out.summary.dropped.values())
    if missing_sends > dropped:
        problems.append(f"{missing_sends} requested sends are not in the plan, which dropped "
                        f"only {dropped}")
    return problems, agreed


def test_plan_lists_the_work_the_simulation_did(outcome: Outcome) -> None:
    """For every customer, the plan's work in its window is the simulated interpreter's work,
    and its pending steps are the simulated runs waiting on the customer."""
    problems, agreed = compare(outcome)
    compared = Counter(item.kind for item in agreed)
    print(compared, sorted({(i.kind, i.step) for i in agreed}))
    assert problems == [], "\n".join(problems[:20])
    # Enough agreement to mean something: every case sends, holds and decides plenty.
    assert compared["send"] >= 10 and compared["pending"] >= 10
    assert sum(compared.values()) >= 50


def test_staff_sends_go_out_when_the_plan_says_they_may(outcome: Outcome) -> None:
    """Each staff-confirmed send the simulation delivered went out outside quiet hours and no
    earlier than the start of the plan's window for its request; with staff at work inside
    quiet hours, some sends they did then waited for the quiet hours to end."""
    builder, quiet, start = outcome.planner.builder, outcome.planner.interpreter.quiet, \
        outcome.start
    delivered = held = 0
    for c in outcome.traced.values():
        asked: dict[tuple, list[SendRequested]] = {}
        for effect in c.effects:
            key = (effect.journey, effect.run, effect.step)
            if isinstance(effect, SendRequested) and effect.staff_confirmed:
                asked.setdefault(key, []).append(effect)
            elif isinstance(effect, SendDelivered) and effect.channel in STAFF_CHANNELS:
                request = asked[key].pop(0)
                moved = dataclasses.replace(request, earliest=request.earliest - start)
                at = effect.time - start  # on the plan's clock
                assert at >= builder.send_window(moved)[0], (c.id, effect)
                assert not quiet.inside(at), (c.id, effect)
                delivered += 1
                held += quiet.inside(at - 1e-6)
    assert delivered >= 20
    assert held > 0 if outcome.case.staff_hours else held == 0


# Mass sends and moments posts: stock customers followed from the same midnight, and new
# friends followed from when they were added (in both).
BATCH_CASES = [
    Case("moments_calendar", population=400, arrivals=0, start_day=7, days=7, seed=3),
    Case("batches", population=300, arrivals=30, start_day=5, days=3, seed=4),
    # `by expert` with no customer owned by an expert: one batch a day for the experts' queue.
    Case("by_role", population=200, arrivals=0, start_day=3, days=3, seed=2, staff_file=True),
]


@pytest.fixture(scope="module", params=BATCH_CASES, ids=lambda case: case.name)
def batch_outcome(request, tmp_path_factory) -> Outcome:
    """A mass-send playbook simulated and planned."""
    return simulated_and_planned(request.param, tmp_path_factory.mktemp(request.param.name))


def test_plan_batches_are_the_simulated_staff_actions(batch_outcome: Outcome) -> None:
    """Each batch the plan lists is a staff action the simulation made: the same step, sender
    and release moment (so the same batch key), for the customers the plan sends to; the
    simulation's customers the plan leaves out are sends it dropped at a cap or limit."""
    out = batch_outcome
    builder, start = out.planner.builder, out.start
    roles = staff_roles(small(effective_scenario(out.program)[0], 1, 0)) \
        if out.case.staff_file else {}
    simulated: dict[str, set[str]] = {}
    for c in out.traced.values():
        if c.followed >= start:
            continue  # not in the plan's customers file
        for effect in c.effects:
            if not (isinstance(effect, SendRequested) and effect.channel in BATCHED_CHANNELS):
                continue
            moved = dataclasses.replace(effect, earliest=effect.earliest - start)
            due_start, due_end = builder.send_window(moved)
            if due_start < out.planner.end and max(due_start, due_end) >= 0:
                # The simulation's sender: the owner, or the queue of a role they do not hold.
                sender = c.owner if effect.role is None or roles.get(c.owner) == effect.role \
                    else f"role:{effect.role}"
                key = batch_id(effect.journey or "", effect.step or "", sender,
                               builder.iso(moved.earliest))
                simulated.setdefault(key, set()).add(c.id)
    planned = {task.key: task for task in out.tasks if task.kind == "batch"}
    assert planned and max(task.reach or 0 for task in planned.values()) > 1
    if out.case.staff_file:  # the experts' queue sends, once for all their customers
        assert any(task.assignee.staff_id is None and task.assignee.role == "expert"
                   and (task.reach or 0) > 100 for task in planned.values())
    for key, task in planned.items():
        assert key in simulated, (task.step, task.assignee, task.due)
        assert set(task.customers or []) <= simulated[key]
        assert task.reach == len(task.customers or [])
    left_out = sum(len(customers) for customers in simulated.values()) - sum(
        task.reach or 0 for task in planned.values())
    assert 0 <= left_out <= sum(out.summary.dropped.values())
    assert len(simulated) - len(planned) <= left_out


# ---- customer groups: a group calendar -------------------------------------------------

GROUP_CALENDAR = """
role guide "导购"
content morning: text "早安"
content noon: text "午间干货"
journey 社群 for groups {{
  when {when}
  send morning via group
}}
scenario s {{
  start 2026-12-01
  horizon 31d
  population 60 {{
    arrivals 0/day
    owner guide
  }}
  staff guide 3 {{
    capacity 500/day
    completion 100%
    delay fixed(0m)
  }}
  groups {{ per_owner 2  members 70% }}
}}
"""


# 07:00 and 08:00 are two release moments that staff, at work from 09:00, confirm together:
# two posts (over the quota after one a day), as simulated, not one.
@pytest.mark.parametrize("when", ["every day at 08:00",
                                  "every day at 08:00 or every day at 12:00",
                                  "every day at 07:00 or every day at 08:00"])
def test_a_plan_posts_to_each_group_what_the_simulation_posted(when: str,
                                                               tmp_path: Path) -> None:
    """The simulated groups written as a groups file and joined_group events give a plan with
    the simulation's posts per group and day, each at a release moment the simulation posted
    at, and the same posts skipped for the quota."""
    from simulator.engine import Replication

    folder = tmp_path
    source = write_file(folder / "groups.sop", GROUP_CALENDAR.format(when=when))
    program = load(source)
    scenario, _ = effective_scenario(program)
    replication = Replication(program, scenario, 11, None)
    tally = replication.run()
    book = replication.groups
    write_file(folder / "customers.csv", "customer_id,owner\n" + "".join(
        f"{index},{owner}\n" for index, owner in sorted(
            (str(k), o) for k, o in enumerate(replication.population.stock.owners))))
    write_file(folder / "groups.csv", "group_id,owner,name\n" + "".join(
        f"{g.id},{g.owner},{g.name}\n" for g in book.groups.values()))
    write_file(folder / "staff.csv", "staff_id,name,role\n" + "".join(
        f"{m},{m},guide\n" for m in sorted({g.owner for g in book.groups.values()})))
    write_file(folder / "events.csv", "customer_id,time,event,group\n" + "".join(
        f"{customer},2026-11-30 10:00,joined_group,{group_id}\n"
        for customer, group_id in sorted((str(c), g) for c, gs in book.of.items() for g in gs)))
    inputs = PlanInputs(folder / "customers.csv", folder / "events.csv", folder / "staff.csv",
                        folder / "groups.csv")
    found: list[PlanTask] = []

    class Sink:
        def write(self, tasks: Iterable[PlanTask]) -> None:
            found.extend(tasks)

        def close(self, summary: PlanSummary) -> None:
            found_summary.append(summary)

    found_summary: list[PlanSummary] = []
    summary, problems = plan_files(program, inputs, PlanSettings(dt.datetime(2026, 12, 1), 31),
                                   lambda planner: Sink())
    assert problems == []
    planned = Counter(task.group for task in found if task.kind == "batch")
    simulated: Counter[str] = Counter()
    for (group, _, _), used in replication.posts.used.items():
        simulated[group] += used
    assert planned == simulated
    assert sum(planned.values()) == tally.staff["guide"].tasks
    assert summary.dropped.get("quota", 0) == tally.dropped.get("quota", 0)
    members = {g.id: len(g.members) for g in book.groups.values()}
    assert all(task.members == members[task.group] for task in found if task.kind == "batch")
    clock = Clock(dt.datetime(2026, 12, 1), program.settings.timezone)
    posted = {(task.group, clock.minutes(dt.datetime.fromisoformat(task.released)))
              for task in found if task.kind == "batch"}
    assert posted <= {(key.group, key.moment) for key in replication.posts.decided}


def test_plan_gives_staff_work_on_working_days_only(outcome: Outcome) -> None:
    """Staff tasks' due windows start and end on working days of the playbook's `workdays`
    calendar; on the 国庆 case, tasks open on the eve of the eight days off fall due after."""
    workdays = Workdays(outcome.program.settings.workdays)
    windows = [(dt.datetime.fromisoformat(t.due.start), dt.datetime.fromisoformat(t.due.end))
               for t in outcome.tasks if t.kind == "task" and t.assignee is not None]
    assert all(workdays.is_workday(start.date()) and workdays.is_workday(end.date())
               for start, end in windows)
    if outcome.case.name == "holidays":
        assert dt.date(2025, 10, 9) in {end.date() for _, end in windows}


# ---- from the same real base -------------------------------------------------------------------

# Cases planned from midnight (a simulation of real customers starts at the start of a day).
REAL_BASE_CASES = [case for case in CASES if case.start_time == dt.time(0)]


@pytest.mark.parametrize("case", REAL_BASE_CASES, ids=lambda case: case.name)
def test_plan_and_simulation_from_the_same_real_base_agree(case: Case, tmp_path: Path) -> None:
    """The plan's customers and events files, simulated from the plan's start as a real base,
    give the work the plan lists: both replay the customers' running journeys alike."""
    from simulator.real_base import read_base

    planned = simulated_and_planned(case, tmp_path)
    program = planned.program
    start_at = planned.planner.settings.start
    base, problems = read_base(program, tmp_path / "customers.jsonl", tmp_path / "events.jsonl",
                               start=start_at, lookback_days=case.start_day)
    assert problems == [] and base is not None and base.size == planned.summary.customers
    scenario, _ = effective_scenario(program)
    scenario = small(scenario, case.population, case.arrivals, case.days + 1)
    scenario = scenario.model_copy(update={"start": start_at.date()})
    trace = trace_replication(program, scenario, case.seed, choose_arm=stable_arm,
                              waiting_at=0.0, base=base)
    real = dataclasses.replace(planned, trace=trace.customers, start=0.0,
                               traced=trace.customers)
    problems, agreed = compare(real)
    assert problems == [], "\n".join(problems[:20])
    assert len(agreed) >= len(compare(planned)[1]) // 2, "too little work to compare"

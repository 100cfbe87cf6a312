"""The exact forecaster's fixed inputs: the interpreter, the time grid, and behaviour per step.

Time is a grid of `dt` minutes; step `k` stands for the interval ((k-1)dt, k dt], and
anything random that happens inside it is handled at its end. A probability per step is
exact for memoryless delays: an exponential response with mean m falls in a step with
probability 1 - exp(-dt/m); staff do work in working minutes only.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import reduce
from typing import Any

import numpy as np

from sopdsl.syntax import ast
from sopdsl.builtins import MINUTES_PER_DAY, STAFF_CHANNELS
from sopdsl.runtime.clock import Clock
from sopdsl.calendars import Workdays
from sopdsl.runtime.hours import due_time
from sopdsl.runtime.customer import Customer, Event, Run
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.checker.program import Program
from sopdsl.runtime.journey_program import CompiledJourney
from sopdsl.runtime.steps import EventMatcher, Send
from sopdsl.scenario.distributions import Distribution
from simulator.behaviour import BehaviourModel, ResponseChances
from simulator.exact_size import StateCount
from simulator.staff import working_hours
from sopdsl.scenario.model import Scenario
from sopdsl.syntax.walk import nodes

# A kernel stops where less than this much probability is left in its tail.
KERNEL_TAIL = 1e-12
# The coarsest grid step; finer when the playbook's times need it (never below MIN_STEP).
STEP_MINUTES = 60
MIN_STEP = 5


class EventWatch:
    """Which events can change what a customer does (the rest only count in the tally)."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.journeys = interpreter.journeys
        self.triggers = interpreter.triggers.on_event
        self.by_journey = {
            name: [g.events for g in j.goals] + ([j.exit_on] if j.exit_on else []) + _waits(j)
            for name, j in interpreter.journeys.items()}
        # Deleting the friend makes later staff-confirmed sends of these journeys fail.
        self.staff_sends = {name for name, j in interpreter.journeys.items()
                            if any(isinstance(i, Send) and i.channel in STAFF_CHANNELS
                                   for i in j.code)}
        # The answers so far: they depend on the event and the journeys the customer is in
        # and has entered alone, and are asked for again for nearly every state.
        self._answers: dict[tuple, bool] = {}

    def matters_now(self, c: Customer, event: Event) -> bool:
        """True when the event, happening now, can change the customer's runs or start one."""
        key = (False, event.name, event.content, tuple(c.runs), tuple(c.entries))
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._triggers(c, event) or any(
                self._watched(run.journey.name, event) for run in c.runs.values())
        return found

    def can_matter(self, c: Customer, event: Event) -> bool:
        """True when the event, happening at some later moment, may change what they do."""
        key = (True, event.name, event.content, tuple(c.runs), tuple(c.entries))
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._triggers(c, event) or any(
                self._watched(name, event) and (name in c.runs or self._open(c, name))
                for name in self.journeys)
        return found

    def ever_watched(self, event: Event) -> bool:
        """True when the event can start or change a run of some customer at some moment."""
        return any(self._watched(name, event) for name in self.journeys) or any(
            content is None or content == event.content
            for _, content, _ in self.triggers.get(event.name, ()))

    def _watched(self, journey: str, event: Event) -> bool:
        if event.name == "friend_deleted" and journey in self.staff_sends:
            return True
        return any(m.matches(event) for m in self.by_journey[journey])

    def _triggers(self, c: Customer, event: Event) -> bool:
        return any((content is None or content == event.content) and self._open(c, journey)
                   for journey, content, _ in self.triggers.get(event.name, ()))

    def _open(self, c: Customer, journey: str) -> bool:
        """True when the customer may still enter the journey."""
        return self.journeys[journey].reentry != "never" or journey not in c.entries


def _waits(journey: CompiledJourney) -> list[EventMatcher]:
    """The events a journey's instructions wait for."""
    return [i.watches for i in journey.code if i.watches is not None]


class ExactModel:
    """Everything a forecast holds fixed: program, scenario, grid, behaviour and staff."""

    def __init__(self, program: Program, scenario: Scenario, step: int | None = None, *,
                 members: float | None = None, count: StateCount | None = None) -> None:
        """`members`: follow the customer groups running the journeys `for groups` instead of
        customers, each post reaching this many members. `count`: the states made so far, a
        count shared by every model of one forecast (None: not bounded)."""
        self.program = program
        self.scenario = scenario
        self.for_groups = members is not None
        self.members = 1.0 if members is None else members
        self.posts: dict[tuple, Any] = {}  # a group's posts by journey, step and release step
        start = scenario.start
        self.clock = Clock(dt.datetime(start.year, start.month, start.day),
                           program.settings.timezone)
        self.interpreter = Interpreter(program, self.clock, self._choose_arm,
                                       for_groups=self.for_groups)
        self.chooser: Any = None  # set by each transition: picks split arms
        self.steps_log: list[tuple[str, str]] = []  # (journey, step) as runs reach steps
        self.interpreter.on_step = self._step_reached
        self.watch = EventWatch(self.interpreter)
        self.dt = step or grid_step(program, scenario)
        self.steps_per_day = MINUTES_PER_DAY // self.dt
        self.horizon_steps = math.ceil(scenario.horizon_minutes / self.dt)
        self.behaviour = BehaviourModel(program, scenario)
        self.value = scenario.purchase.mean_value
        # A group neither buys nor has events of its own.
        self.daily_events = [] if self.for_groups else [
            (name, b.daily) for name, b in scenario.events.items() if b.daily > 0]
        self.after_click_steps = max(1, math.ceil(scenario.purchase.within_minutes / self.dt))
        self.memo: dict = {}
        self.state_ids: dict[tuple, int] = {}  # each distinct state key's number
        self._days: dict[float, Any] = {}
        self._responses: dict[tuple, bool] = {}
        # The states made at the latest moments, by key number (`exact_states.state_at`).
        self.made_at: dict[float, dict[int, Any]] = {}
        self.count = count
        self._follow_up_chances: dict[float, list[float]] = {}
        workdays = Workdays(program.settings.workdays)
        self.hours = {role: working_hours(staff, self.clock, workdays)
                      for role, staff in scenario.staff.items()}
        self._work_table: dict[tuple[str, float], float] = {}
        self.kernels = {name: self._response_kernel(ch.delay)
                        for name, ch in scenario.channels.items()}
        uniform = np.full(self.after_click_steps, 1 / self.after_click_steps)
        self.after_click_kernel = np.concatenate(([0.0], uniform))
        self.buy_kernels = {name: np.concatenate(([0.0], np.convolve(k, uniform)))
                            for name, k in self.kernels.items()}

    def _step_reached(self, c: Customer, run: Run, step: str, now: float) -> None:
        self.steps_log.append((run.journey.name, step))

    # ---- behaviour -----------------------------------------------------------------

    def _choose_arm(self, customer_id: str, split: str, shares: list[float]) -> int:
        return self.chooser(shares)

    def response_matters(self, c: Customer, channel: str, content: str, b: ResponseChances) -> bool:
        """True when the customer's response to a message may change what they do next."""
        # What the watch's answers depend on: asked for again at nearly every delivery.
        key = (content, b, tuple(c.runs), tuple(c.entries))
        found = self._responses.get(key)
        if found is None:
            found = self._responses[key] = self._response_matters(c, content, b)
        return found

    def _response_matters(self, c: Customer, content: str, b: ResponseChances) -> bool:
        def may(name: str) -> bool:
            return self.watch.can_matter(c, Event(name, 0.0, content))

        if b.unfriend > 0 and may("friend_deleted"):
            return True
        if b.open <= 0:
            return False
        if may("open") or (b.reply > 0 and may("reply")):
            return True
        return b.click > 0 and (may("click") or any(
            follow.chance > 0 and may(follow.event) for follow in self.behaviour.after_click))

    def daily_purchase(self, c: Customer, now: float) -> float:
        """The customer's chance of an organic purchase per day, now (none for a group)."""
        return 0.0 if self.for_groups else self.behaviour.daily_purchase(c, now)

    def follow_up_steps(self, within: float) -> list[float]:
        """The chances that a follow-up drawn uniformly within `within` minutes of a click
        falls 0, 1, 2, ... grid steps after the click's step.

        The click itself fell at a uniform moment of its step (which the grid handles at the
        step's end), so the follow-up's offset from that end is U·within - V·dt for U, V
        uniform on [0, 1]: its distribution, not U·within alone, says which step it is in.
        """
        a = within / self.dt
        if a <= 0:
            return [1.0]

        def below(x: float) -> float:
            """P(U·a - V <= x)."""
            return _ramp_integral(x + 1, a) - _ramp_integral(x, a)

        return [below(j) - below(j - 1) for j in range(math.ceil(a - 1e-9) + 1)]

    def follow_up_step(self, within: float, j: int) -> float:
        """The chance that a follow-up of a click comes j grid steps after the click's step,
        given that it has not come before (1 in the window's last step)."""
        chances = self._follow_up_chances.get(within)
        if chances is None:
            steps = self.follow_up_steps(within)
            left = [sum(steps[i:]) for i in range(len(steps))]
            chances = [p / rest if rest > 0 else 1.0 for p, rest in zip(steps, left)]
            chances[-1] = 1.0
            self._follow_up_chances[within] = chances
        return chances[min(j, len(chances) - 1)]

    def kernel(self, name: tuple) -> np.ndarray:
        """When a counted response happens, as shares per step after its message."""
        if name[0] == "response":
            return self.kernels[name[1]]
        if name[0] == "response_buy":
            return self.buy_kernels[name[1]]
        return self.after_click_kernel

    def daily_step(self, per_day: float, n: int) -> float:
        """The chance of a daily event in step n of the customer's day (1..steps_per_day),
        given none so far that day: one chance a day, at a uniform moment in it."""
        share = per_day / self.steps_per_day
        left = 1 - (n - 1) * share
        return share / left if left > 0 else 0.0

    def daily_left(self, per_day: float, steps: int) -> float:
        """The chance of no daily event over `steps` steps from the start of a day."""
        days, rest = divmod(steps, self.steps_per_day)
        return (1 - per_day) ** days * max(0.0, 1 - rest * per_day / self.steps_per_day)

    def response_step(self, channel: str) -> float:
        """The chance a pending exponential response happens in one step."""
        delay = self.scenario.channels[channel].delay
        return 1 - math.exp(-self.dt / delay.params[0])

    def fixed_response(self, channel: str) -> float | None:
        """The response delay of a channel with a fixed delay, None for exponential ones."""
        delay = self.scenario.channels[channel].delay
        return delay.params[0] if delay.kind == "fixed" else None

    def _response_kernel(self, delay: Distribution) -> np.ndarray:
        if delay.kind == "fixed":
            kernel = np.zeros(math.ceil(delay.params[0] / self.dt) + 1)
            kernel[-1] = 1.0
            return kernel
        mean = delay.params[0]
        length = math.ceil(-math.log(KERNEL_TAIL) * mean / self.dt) + 1
        edges = np.exp(-np.arange(length) * self.dt / mean)
        return np.concatenate(([0.0], edges[:-1] - edges[1:]))

    # ---- staff --------------------------------------------------------------------

    def staff_role(self, c: Customer, role: str | None) -> str | None:
        """The role doing a piece of work: the one named, else the owner's."""
        return role or c.owner

    def completion(self, role: str | None) -> float:
        """The chance a role ever does a piece of work (0 without such staff)."""
        staff = self.scenario.staff.get(role or "")
        return staff.completion if staff and staff.count > 0 else 0.0

    def delay_step(self, role: str, now: float) -> tuple[float, float]:
        """The chances that a member gets to a waiting item in the step to `now` (after the
        exponential `delay`) and is still doing it at the step's end, and that they get to it
        and finish it inside the step."""
        staff = self.scenario.staff[role]
        rate = 1 / staff.delay.params[0]
        # Working time runs at a constant pace inside a step: the grid falls on the hours' ends.
        work = self.working_minutes(role, now - self.dt, now) / self.dt \
            * staff.capacity_per_day / staff.hours.length_minutes
        ready = 1 - math.exp(-rate * self.dt)
        if work <= 0:
            return ready, 0.0
        # P(D + S <= dt) for D ~ exp(rate) and S ~ exp(work) independent.
        if math.isclose(rate, work):
            both = ready - rate * self.dt * math.exp(-rate * self.dt)
        else:
            both = ready - rate * (math.exp(-work * self.dt) - math.exp(-rate * self.dt)) \
                / (rate - work)
        return ready - both, both

    def service_step(self, role: str, since: float, now: float) -> float:
        """The chance an item a member got to at `since` is finished in the step to `now`.

        Doing an item takes exponential working time with mean (working day) / capacity.
        """
        staff = self.scenario.staff[role]
        minutes = self.working_minutes(role, max(since, now - self.dt), now)
        if minutes <= 0:
            return 0.0
        mean = staff.hours.length_minutes / staff.capacity_per_day
        return 1 - math.exp(-minutes / mean)

    def task_due(self, role: str, task: Any, created: float) -> float | None:
        """When a task made at `created` is due: its `due` in the role's working time."""
        hours = self.hours.get(role)
        return None if hours is None else due_time(created, task.due_in, task.due_wall, hours)

    def send_due(self, role: str, created: float) -> float:
        """When a staff-confirmed send arriving at `created` is due: the end of the next
        working day."""
        return self.hours[role].due_after(created)

    def working_minutes(self, role: str, a: float, b: float) -> float:
        """Working minutes of the role's hours inside (a, b]."""
        if b - a != self.dt:
            return self.hours[role].minutes_between(a, b)
        key = (role, a)  # one grid step: asked for again for every state in it
        found = self._work_table.get(key)
        if found is None:
            found = self._work_table[key] = self.hours[role].minutes_between(a, b)
        return found

    # ---- the grid -----------------------------------------------------------------

    def day(self, now: float) -> Any:
        """The calendar day `now` falls in (asked for again for every state at a moment)."""
        found = self._days.get(now)
        if found is None:
            found = self._days[now] = self.clock.period_key(now, "day")[0]
        return found

    def step_of(self, t: float) -> int:
        """The grid step at whose end a moment is handled."""
        return math.ceil(t / self.dt - 1e-9)


def _ramp_integral(y: float, a: float) -> float:
    """The integral from 0 to y of min(max(t / a, 0), 1) dt."""
    if y <= 0:
        return 0.0
    if y <= a:
        return y * y / (2 * a)
    return a / 2 + (y - a)


def grid_step(program: Program, scenario: Scenario) -> int:
    """The grid step: STEP_MINUTES, finer when the playbook's times are not multiples of it."""
    minutes = [*_program_minutes(program), *_scenario_minutes(scenario)]
    step = reduce(math.gcd, (int(m) for m in minutes if float(m).is_integer()), STEP_MINUTES)
    return max(MIN_STEP, step)


def _program_minutes(program: Program) -> list[float]:
    found: list[float] = []
    settings = program.settings
    if settings.quiet_hours:
        found.extend(settings.quiet_hours)
    for journey in program.journeys.values():
        for node in nodes([*journey.clauses, *journey.steps]):
            if isinstance(node, (ast.Duration, ast.TimeOfDay)):
                found.append(node.minutes)
    return found


def _scenario_minutes(scenario: Scenario) -> list[float]:
    found: list[float] = [scenario.horizon_minutes, scenario.purchase.within_minutes]
    for staff in scenario.staff.values():
        found.extend((staff.hours.start_minute, staff.hours.end_minute))
        if staff.delay.kind == "fixed":
            found.append(staff.delay.params[0])
    for channel in scenario.channels.values():
        if channel.delay.kind == "fixed":
            found.append(channel.delay.params[0])
    return found

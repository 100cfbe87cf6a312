"""One replication told customer by customer: who each customer was when the simulation began to
follow them, what happened to them and what the journey interpreter decided, in order.

A trace is for checking and explaining a forecast on a small population (every effect of every
customer is kept); `run_replication` stays the fast path that only counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sopdsl.runtime.arms import ArmChooser
from sopdsl.runtime.customer import Customer, Event, Run
from sopdsl.runtime.effects import Effect
from sopdsl.checker.program import Program
from simulator.engine import Replication
from simulator.real_base import RealBase
from simulator.results import Tally
from sopdsl.scenario.model import Scenario


@dataclass(frozen=True)
class StepStarted:
    """A step of a run started (its `exit when` check passed)."""

    time: float
    journey: str
    run: int
    step: str


@dataclass(frozen=True)
class WaitingRun:
    """A run waiting in a `wait for` at the trace's `waiting_at` moment."""

    journey: str
    run: int
    step: str
    since: float
    deadline: float


@dataclass
class CustomerTrace:
    """One customer: the profile when first followed, then everything in the order it happened."""

    id: str
    followed: float  # when the simulation began to follow them (0, or their arrival)
    owner: str | None
    attributes: dict[str, Any]
    tags: tuple[str, ...]
    stage: str | None
    score: float
    history: list[Event]  # events before the simulation's start (times below 0)
    events: list[Event] = field(default_factory=list)  # what the customer and staff did
    effects: list[Effect] = field(default_factory=list)  # every effect of the interpreter
    steps: list[StepStarted] = field(default_factory=list)
    waiting: list[WaitingRun] = field(default_factory=list)  # at `waiting_at`


@dataclass
class Trace:
    """The traced customers by id, the replication's counts and horizon (run-time minutes)."""

    customers: dict[str, CustomerTrace]
    tally: Tally
    horizon: float
    waiting_at: float | None


def trace_replication(program: Program, scenario: Scenario, seed: int, *,
                      choose_arm: ArmChooser | None = None,
                      waiting_at: float | None = None, base: RealBase | None = None) -> Trace:
    """Simulate one replication as `run_replication` does (the same Tally for the same seed),
    keeping every customer's history.

    `choose_arm` replaces the replication's seeded split arms (e.g. `stable_arm`, as plans use);
    `waiting_at` notes the runs waiting in a `wait for` at that moment, before anything else
    that happens at that moment. `base` starts from real customers (their replay before the
    start is traced too).
    """
    replication = _Traced(program, scenario, seed, choose_arm, waiting_at, base)
    tally = replication.run()
    return Trace(replication.traces, tally, replication.horizon, waiting_at)


class _Traced(Replication):
    """A replication that writes down each customer's profile, events, steps and effects."""

    def __init__(self, program: Program, scenario: Scenario, seed: int,
                 choose_arm: ArmChooser | None, waiting_at: float | None,
                 base: RealBase | None = None) -> None:
        super().__init__(program, scenario, seed, None, base=base)
        self.traces: dict[str, CustomerTrace] = {}
        if choose_arm is not None:
            self.interpreter.choose_arm = choose_arm
        counting = self.interpreter.on_step

        def step_started(c: Customer, run: Run, step: str, now: float) -> None:
            if counting is not None:
                counting(c, run, step, now)
            self.traces[c.id].steps.append(StepStarted(now, run.journey.name, run.number, step))

        self.interpreter.on_step = step_started
        if waiting_at is not None and waiting_at < self.horizon:
            # Scheduled before any other moment at that time, so it sees the state just before.
            self._at(waiting_at, None, self._note_waiting)

    def _stock_customer(self, index: int) -> Customer:
        known = self.customers[index] is not None
        customer = super()._stock_customer(index)
        if not known:
            self._follow(customer, self.population.history.events_of(index))
        return customer

    def _base_customer(self, index: int, customer: Customer, timeline: list[Event]) -> None:
        super()._base_customer(index, customer, timeline)
        assert self.base is not None
        self._follow(customer, [e for e in self.base.events_of(index) if e.time < customer.since])
        self.traces[customer.id].events.extend(timeline)

    def _mark(self, index: int, effects: list[Effect]) -> None:
        self.traces[self.customers[index].id].effects.extend(effects)
        super()._mark(index, effects)

    def _fire(self, index: int, customer: Customer, event: Event) -> None:
        if customer.id not in self.traces:  # an arrival, created just now
            self._follow(customer, [])
        self.traces[customer.id].events.append(event)
        super()._fire(index, customer, event)

    def _apply(self, index: int, customer: Customer, effects: list[Effect]) -> None:
        self.traces[customer.id].effects.extend(effects)
        super()._apply(index, customer, effects)

    def _post_effects(self, index: int, customer: Customer, effects: list[Effect]) -> None:
        self.traces[customer.id].effects.extend(effects)

    def _follow(self, customer: Customer, history: list[Event]) -> None:
        self.traces[customer.id] = CustomerTrace(
            customer.id, customer.since, customer.owner, dict(customer.attributes),
            tuple(sorted(customer.tags)), customer.stage, customer.score, history)

    def _note_waiting(self, _timer: object) -> None:
        for customer in self.customers:
            if customer is None:
                continue
            for run in customer.runs.values():
                wait = run.waiting
                if wait is not None and run.wake_at is not None:
                    self.traces[customer.id].waiting.append(WaitingRun(
                        run.journey.name, run.number, wait.step, run.wake_at - wait.within,
                        run.wake_at))

"""The exact forecaster: the expected funnel of a playbook, computed without sampling.

`forecast_exact(program, scenario)` propagates probability mass over customer states in
time steps (docs/simulation.md, "The exact forecaster") and returns a `Tally` of expected
counts, the same contract a Monte Carlo replication fills. Where customers are not
independent, or the method cannot follow something exactly, it returns a `Refusal` naming
every reason instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.checker.program import Program
from simulator.exact_batches import Unbatchable
from simulator.exact_clock import period_steps
from simulator.exact_group_runs import group_runs, group_trajectories
from simulator.exact_model import ExactModel
from simulator.exact_play import EARLIER
from simulator.exact_population import CustomerType, customer_types
from simulator.exact_propagate import MassFlow, Recorder
from simulator.exact_size import StateCount, TooManyStates, size_of
from simulator.exact_states import State
from simulator.exact_support import refusal_reasons
from simulator.exact_tally import Totals, Trajectory, assemble
from simulator.results import Tally
from sopdsl.scenario.model import Scenario

# Capacity binds when the expected number of member-days with more work than a member can do
# reaches this (work per member and day taken as Poisson, customers being independent).
OVERLOAD_DAYS = 0.01


@dataclass(frozen=True)
class Refusal:
    """Why the exact method cannot forecast a playbook with a scenario, in operator words."""

    reasons: tuple[str, ...]

    def __str__(self) -> str:
        lines = "\n".join(f"- {reason}" for reason in self.reasons)
        return f"the exact method cannot forecast this playbook:\n{lines}"


def forecast_exact(program: Program, scenario: Scenario, *,
                   step_minutes: int | None = None) -> Tally | Refusal:
    """The expected tally of the playbook under the scenario, or why it cannot be computed."""
    if not program.ok:
        return Refusal(("the playbook has errors; `sopdsl check` lists them",))
    reasons = refusal_reasons(program, scenario)
    if reasons:
        return Refusal(tuple(reasons))
    model = ExactModel(program, scenario, step_minutes)
    population = scenario.population
    stock = customer_types(program, scenario, stock=True) if population.size else []
    arriving = customer_types(program, scenario, stock=False) \
        if population.arrivals_per_day else []
    steps = arrival_steps(model) if arriving else 0
    size = size_of(model, len(stock), len(arriving), steps, *group_runs(program, scenario))
    if not size.fits():
        return Refusal((size.reason(),))
    model.count = StateCount(size)
    arrivals = population.arrivals_per_day * scenario.horizon_minutes / MINUTES_PER_DAY
    try:
        trajectories = [
            *(_stock(model, kind) for kind in stock),
            *_arrivals(model, arriving, steps),
            *group_trajectories(program, scenario, model.dt, model.count),
        ]
    except TooManyStates as large:
        return Refusal((str(large),))
    except Unbatchable as late:
        journey, step = late.args
        return Refusal((
            f"journey `{journey}` sends `{step}` as a mass send or post at a moment that follows "
            "when an earlier one was confirmed, a moment all its customers share; the exact "
            "method does not follow that, Monte Carlo does",))
    totals = Totals(model, trajectories)
    tally = assemble(model, totals, population.size, arrivals)
    reasons = capacity_reasons(model, totals, tally)
    return Refusal(tuple(reasons)) if reasons else tally


def _customer(model: ExactModel, kind: CustomerType, now: float) -> State:
    c = model.interpreter.new_customer(
        "exact", now, owner=model.scenario.population.owner, attributes=dict(kind.attributes),
        tags=kind.tags, stage=kind.stage)
    return State(model, c, (), (), now)


def _stock(model: ExactModel, kind: CustomerType) -> Trajectory:
    recorder = Recorder(model)
    MassFlow(model, recorder).run(_customer(model, kind, 0.0), 1.0, 0, [])
    return Trajectory(recorder, [0], model.scenario.population.size * kind.share)


def arrival_steps(model: ExactModel) -> int:
    """The arrival steps followed apart: those of the playbook's period (one when nothing
    reads the clock, or those of the horizon when its schedule never repeats)."""
    period = period_steps(model)
    last = model.horizon_steps
    return last if period is None else min(period, last)


def _arrivals(model: ExactModel, kinds: list[CustomerType], steps: int) -> list[Trajectory]:
    """For every customer type, the friends arriving in each step of the playbook's period,
    followed in one flow (their states merge where they coincide) and copied to every
    period (every step, when the period is one step)."""
    per_day = model.scenario.population.arrivals_per_day
    found = []
    for kind in kinds:
        recorder = Recorder(model)
        starts = {k0: _customer(model, kind, k0 * model.dt - EARLIER) for k0 in range(1, steps + 1)}
        MassFlow(model, recorder).run_cohorts(starts, 1.0, [("event", "friend_added", True)])
        shifts = list(range(0, model.horizon_steps, steps))
        found.append(Trajectory(recorder, shifts, per_day / model.steps_per_day * kind.share))
    return found


def capacity_reasons(model: ExactModel, totals: Totals, tally: Tally) -> list[str]:
    """Roles whose members would get more work on some days than they can do."""
    reasons = []
    for role, staff in model.scenario.staff.items():
        work = tally.staff[role].tasks
        if work <= 0:
            continue
        if staff.count == 0 or staff.capacity_per_day <= 0:
            reasons.append(f"staff `{role}` get work but have no members or no capacity")
            continue
        created = totals.daily(("tasks", role))
        overloaded = sum(staff.count * _poisson_above(day / staff.count, staff.capacity_per_day)
                         for day in created)
        if overloaded >= OVERLOAD_DAYS:
            busiest = max(created) / staff.count
            reasons.append(
                f"staff `{role}` would fall behind: {staff.count} members doing up to "
                f"{staff.capacity_per_day:g} a day get {busiest:.1f} each on the busiest day, "
                "so work would queue; raise `capacity` or the member count to forecast exactly")
    return reasons


def _poisson_above(mean: float, limit: float) -> float:
    """P(X > limit) for X ~ Poisson(mean)."""
    if mean <= 0:
        return 0.0
    from scipy.stats import poisson

    return float(poisson.sf(math.floor(limit), mean))

"""The simulator's main correctness test: the exact forecast and Monte Carlo agree.

Each playbook under tests/data/exact is forecast both ways; every goal rate (of the journey
and of each split arm) the exact method computes must lie inside the Monte Carlo interval.
The intervals are simultaneous 95% intervals (Bonferroni: each at 1 - 5%/m for m rates), so
a correct forecaster passes a case with at least 95% probability however many rates it has.
Seeds are fixed, so the test is reproducible.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sopdsl.api import load
from simulator.exact import forecast_exact
from simulator.montecarlo import simulate
from simulator.results import Tally
from sopdsl.scenario.build import effective_scenario
from simulator.stats import t_quantile

DATA = Path(__file__).parent / "data" / "exact"
SEED = 20261201
# Playbook: (replications, grid step of the exact method in minutes, None for its default).
CASES = {
    "wait_for.sop": (30, None),
    "branches.sop": (30, None),
    "repeat.sop": (30, None),
    "tasks.sop": (30, None),
    "arrivals.sop": (80, 60),
}


def goal_rates(tally: Tally) -> dict[str, float]:
    """Every goal rate of a tally, journeys and split arms, by a readable path."""
    rates = {}
    for name, journey in tally.journeys.items():
        for goal, figures in journey.goals.items():
            rates[f"{name}.{goal}"] = figures.rate
        for split, arms in journey.arms.items():
            for arm, figures in arms.items():
                for goal, arm_goal in figures.goals.items():
                    rates[f"{name}.{split}.{arm}.{goal}"] = arm_goal.rate
    return rates


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_exact_goal_rates_lie_in_the_monte_carlo_intervals(name: str) -> None:
    """Every goal rate of the exact forecast lies in its Monte Carlo 95% interval."""
    replications, step = CASES[name]
    program = load(DATA / name)
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    exact = forecast_exact(program, scenario, step_minutes=step)
    assert isinstance(exact, Tally), exact
    sampled = simulate(program, scenario, replications=replications, seed=SEED, workers=2)
    expected = goal_rates(exact)
    assert expected, "the playbook has goals"
    quantile = t_quantile(1 - 0.025 / len(expected), replications - 1)
    for path, rate in expected.items():
        low, high = interval([goal_rates(t).get(path, 0.0) for t in sampled.tallies], quantile)
        assert low <= rate <= high, (path, rate, low, high)


def interval(values: list[float], quantile: float) -> tuple[float, float]:
    """mean ± quantile · s / sqrt(n)."""
    n = len(values)
    mean = sum(values) / n
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean - quantile * spread / math.sqrt(n), mean + quantile * spread / math.sqrt(n)

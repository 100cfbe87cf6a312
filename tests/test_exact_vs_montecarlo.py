"""The simulator's main correctness test: the exact forecast and Monte Carlo agree.

Each playbook under tests/data/exact is forecast both ways. Every figure the exact method
computes must lie inside the Monte Carlo interval: the goal rates (of each journey and split
arm), the sends asked for and delivered, the sends dropped per reason, each staff role's
tasks created, done and expired (a mass send or post is one, however many it reaches), and
each send step's staff actions and deliveries. The intervals are simultaneous 95% intervals (Bonferroni:
each at 1 - 5%/m for m figures), so a correct forecaster passes a case with at least 95%
probability however many figures it has. The seed is fixed, so the test is reproducible.

A figure every replication counts the same (a fixed number of welcome sends, say) has a
zero-width interval: there the exact value must match to rounding.

A sparse, clumped count (batches.sop's drops for the staff daily limit: a few percent of
replications have any, in clumps of several) makes a t-interval over a few dozen
replications unsound: with one or two non-zero replications it is narrow around a mean far
off. Such a figure is left out of the joint comparison and compared on its own over many
more replications (`SPARSE`), where enough replications with a drop are seen (checked) for the
mean's interval to hold, and on the share of replications with any drop, whose exact
binomial bound no clumping can break: the mean count is at least that share.
"""

from __future__ import annotations

import math

import pytest

from programs import TEST_DATA
from simulator.exact import forecast_exact
from simulator.montecarlo import simulate
from simulator.results import Tally
from simulator.stats import t_quantile
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario

DATA = TEST_DATA / "exact"
SEED = 20261207
# Playbook: (replications, grid step of the exact method in minutes, None for its default).
CASES = {
    "wait_for.sop": (30, None),
    "branches.sop": (30, None),
    "repeat.sop": (30, None),
    "tasks.sop": (30, None),
    "arrivals.sop": (80, 60),
    "batches.sop": (40, None),
    "campaign.sop": (30, None),
    "groups.sop": (30, None),
    "spent.sop": (30, None),
    "relative.sop": (30, None),
}
# Sparse, clumped counts compared on their own: playbook -> (figure, replications).
SPARSE = {"batches.sop": ("dropped.staff_daily_limit", 600)}
# Replications with a non-zero count needed before the mean's interval is trusted.
SPARSE_NONZERO = 20
# What rounding in the exact method's sums of probability may move a figure by.
ROUNDING = 1e-6


def goal_rates(tally: Tally) -> dict[str, float]:
    """Every defined goal rate of a tally, journeys and split arms, by a readable path (a
    goal with nothing eligible has no rate)."""
    rates = {}
    for name, journey in tally.journeys.items():
        for goal, figures in journey.goals.items():
            rates[f"{name}.{goal}"] = figures.rate
        for split, arms in journey.arms.items():
            for arm, figures in arms.items():
                for goal, arm_goal in figures.goals.items():
                    rates[f"{name}.{split}.{arm}.{goal}"] = arm_goal.rate
    return {path: rate for path, rate in rates.items() if rate is not None}


def counts(tally: Tally) -> dict[str, float]:
    """Sends asked for and delivered, purchases and purchasers, drops per reason, each role's
    work, and each send step's staff actions and deliveries, by path."""
    found = {"sends": tally.sends, "delivered": tally.delivered, "purchases": tally.purchases,
             "purchasers": tally.purchasers}
    found.update((f"dropped.{reason}", count) for reason, count in tally.dropped.items())
    for role, staff in tally.staff.items():
        found.update({f"staff.{role}.tasks": staff.tasks, f"staff.{role}.done": staff.done,
                      f"staff.{role}.expired": staff.expired})
    for journey in tally.journeys.values():
        for step, figures in journey.steps.items():
            found.update({f"{step}.{key}": getattr(figures, key)
                          for key in ("actions", "delivered", "groups", "customers")
                          if getattr(figures, key)})
    return found


def figures(tally: Tally) -> dict[str, float]:
    return {**{f"rate {path}": rate for path, rate in goal_rates(tally).items()},
            **counts(tally)}


@pytest.fixture(scope="module", params=sorted(CASES))
def both_ways(request) -> tuple[str, Tally, list[Tally]]:
    """The case's name, its exact tally and its Monte Carlo tallies."""
    replications, step = CASES[request.param]
    program = load(DATA / request.param)
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    exact = forecast_exact(program, scenario, step_minutes=step)
    assert isinstance(exact, Tally), exact
    sampled = simulate(program, scenario, replications=replications,
                       seed=SEED, workers=2, baseline=False)
    return request.param, exact, sampled.tallies


@pytest.mark.slow
def test_exact_figures_lie_in_the_monte_carlo_intervals(both_ways) -> None:
    """Every goal rate, send, delivery, drop and staff figure of the exact forecast lies in
    its simultaneous Monte Carlo 95% interval."""
    case, exact, tallies = both_ways
    expected = figures(exact)
    sampled = [figures(t) for t in tallies]
    paths = set(expected) | {path for values in sampled for path in values}
    assert any(path.startswith("rate ") for path in expected), "the playbook has goals"
    assert expected["sends"] > 0 and expected["delivered"] > 0
    paths.discard(SPARSE.get(case, ("",))[0])
    quantile = t_quantile(1 - 0.025 / len(paths), len(tallies) - 1)
    outside = []
    for path in sorted(paths):
        low, high = interval([values.get(path, 0.0) for values in sampled], quantile)
        value = expected.get(path, 0.0)
        slack = ROUNDING * max(1.0, abs(value))
        if not low - slack <= value <= high + slack:
            outside.append((path, value, low, high))
    assert not outside, outside


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(SPARSE))
def test_sparse_clumped_counts_agree_over_many_replications(case: str) -> None:
    """A sparse, clumped count's exact mean lies in the 99% interval of its mean over many
    replications (enough of them non-zero for that interval to hold), is at least the exact
    binomial lower bound of the share of replications with any, and the interval is narrow
    enough to tell a figure off by a factor of two."""
    path, replications = SPARSE[case]
    program = load(DATA / case)
    scenario, _ = effective_scenario(program)
    exact = counts(forecast_exact(program, scenario))[path]
    sampled = simulate(program, scenario, replications=replications, seed=SEED, workers=2,
                       baseline=False)
    values = [counts(t).get(path, 0.0) for t in sampled.tallies]
    nonzero = sum(1 for v in values if v > 0)
    assert nonzero >= SPARSE_NONZERO, (nonzero, "too few replications with any: add more")
    low, high = interval(values, t_quantile(0.995, replications - 1))
    assert low <= exact <= high, (exact, low, high)
    assert exact >= sparse_lower_bound(nonzero, replications), (exact, nonzero)
    assert not low <= 2 * exact <= high and not low <= exact / 2 <= high, (exact, low, high)


def sparse_lower_bound(nonzero: int, n: int, level: float = 0.99) -> float:
    """A lower bound on a count's mean from how many of n replications had any: the low end of
    that share's exact (Clopper-Pearson) interval at `level`, each such count being one or more."""
    from scipy.stats import binomtest

    return float(binomtest(nonzero, n).proportion_ci(level, method="exact").low) \
        if nonzero else 0.0


def test_the_figures_compared_cover_sends_drops_and_staff(both_ways) -> None:
    """Each case's comparison holds the counts it is about, not only goal rates."""
    _, exact, _ = both_ways
    found = counts(exact)
    assert {"sends", "delivered"} <= set(found)
    assert all(f"staff.{role}.{what}" in found for role in exact.staff
               for what in ("tasks", "done", "expired"))


def test_the_campaign_case_pauses_and_blocks() -> None:
    """The campaign case's blackouts are in the figures compared: the block drops every
    customer's monthly send (13 June is in its last phase); the paused daily tips are
    delivered later, none dropped."""
    program = load(DATA / "campaign.sop")
    scenario, _ = effective_scenario(program)
    exact = forecast_exact(program, scenario)
    assert exact.dropped["blackout"] == pytest.approx(scenario.population.size)
    assert exact.journeys["daily_tip"].steps["daily_tip/1"].delivered > 0


def interval(values: list[float], quantile: float) -> tuple[float, float]:
    """mean ± quantile · s / sqrt(n)."""
    n = len(values)
    mean = sum(values) / n
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean - quantile * spread / math.sqrt(n), mean + quantile * spread / math.sqrt(n)

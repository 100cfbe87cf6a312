"""Quick forecasts: a sample of customers, staff scaled alike, counts scaled back, and the
exact forecast of the whole population inside the quick forecast's intervals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs import TEST_DATA
from simulator.exact import forecast_exact
from simulator.montecarlo import forecast
from simulator.quick import QUICK_CUSTOMERS, sample_fraction, scaled
from simulator.report import build_report
from simulator.results import GoalTally, JourneyTally, StaffTally, StepTally, Tally
from simulator.stats import t_quantile
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario
from test_exact_vs_montecarlo import figures, interval

WHOLE = 40_000


def _tally(n: float) -> Tally:
    step = StepTally(channel="private_chat", reached=n, sent=n, delivered=0.9 * n,
                     opened=0.5 * n, clicked=0.1 * n, actions=3)
    journey = JourneyTally(entered=n, goals={"g": GoalTally(reached=0.2 * n, eligible=0.8 * n,
                                                            reached_eligible=0.1 * n)},
                           steps={"j/1": step})
    return Tally(seed=7, customers=n, arrivals=0.5 * n, journeys={"j": journey},
                 sends=n, delivered=0.9 * n, purchases=0.3 * n, purchasers=0.2 * n,
                 gmv=99.5 * n, cost=10 * n, interactions=0.2 * n,
                 staff={"guide": StaffTally(tasks=n, done=0.8 * n, busy_minutes=5 * n,
                                            available_minutes=50 * n, max_backlog=0.1 * n)})


@given(st.floats(1, 1e6), st.floats(1.01, 500))
def test_scaling_multiplies_counts_and_keeps_rates(n: float, factor: float) -> None:
    """Every count is multiplied; every rate and KPI ratio is unchanged; the seed stays."""
    tally = _tally(n)
    bigger = scaled(tally, factor)
    assert bigger.seed == 7 and bigger.customers == pytest.approx(n * factor)
    assert bigger.journeys["j"].steps["j/1"].channel == "private_chat"
    assert bigger.journeys["j"].steps["j/1"].actions == pytest.approx(3 * factor)
    assert bigger.staff["guide"].max_backlog == pytest.approx(0.1 * n * factor)
    assert bigger.journeys["j"].goals["g"].rate == pytest.approx(tally.journeys["j"].goals["g"].rate)
    for name, value in tally.kpis().items():
        expected = value * factor if name == "gmv" else value
        assert bigger.kpis()[name] == pytest.approx(expected), name


def _scenario(customers: int = WHOLE):
    program = load(TEST_DATA / "exact" / "branches.sop")
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    return program, scenario.overridden(customers=customers)


def test_a_sample_keeps_the_share_of_customers_and_staff_capacity() -> None:
    """Customers, arrivals and each role's capacity are the fraction of the whole; every role
    keeps a member."""
    _, scenario = _scenario()
    fraction = sample_fraction(scenario)
    assert fraction == pytest.approx(QUICK_CUSTOMERS / WHOLE)
    sample = scenario.sampled(fraction)
    assert sample.population.size == round(WHOLE * fraction)
    assert sample.population.arrivals_per_day == scenario.population.arrivals_per_day * fraction
    for role, spec in scenario.staff.items():
        part = sample.staff[role]
        assert part.count >= 1
        assert part.count * part.capacity_per_day == pytest.approx(
            spec.count * spec.capacity_per_day * fraction)


def test_a_small_population_is_simulated_whole() -> None:
    _, scenario = _scenario(customers=QUICK_CUSTOMERS // 2)
    assert sample_fraction(scenario) == 1.0


@pytest.mark.slow
def test_the_exact_forecast_of_the_whole_lies_in_the_quick_intervals() -> None:
    """The exact method's rates and counts for 40,000 customers lie in the simultaneous 95%
    intervals of a quick forecast that simulated 2,000 of them and scaled back."""
    program, scenario = _scenario()
    exact = forecast_exact(program, scenario)
    assert isinstance(exact, Tally), exact
    quick = forecast(program, scenario.overridden(replications=30, seed=20261207), quick=True,
                     workers=2)
    assert quick.sample == pytest.approx(QUICK_CUSTOMERS / WHOLE)
    expected = figures(exact)
    sampled = [figures(t) for t in quick.tallies]
    paths = set(expected) | {path for values in sampled for path in values}
    quantile = t_quantile(1 - 0.025 / len(paths), len(quick.tallies) - 1)
    outside = []
    for path in sorted(paths):
        low, high = interval([values.get(path, 0.0) for values in sampled], quantile)
        value = expected.get(path, 0.0)
        if not low - 1e-6 <= value <= high + 1e-6:
            outside.append((path, value, low, high))
    assert not outside, outside
    meta = build_report(quick)["meta"]
    assert meta["sample"] == quick.sample
    assert any(note.startswith("a quick forecast: 5.0% of the customers") for note in meta["notes"])


def test_the_exact_method_is_never_quick() -> None:
    program, scenario = _scenario()
    with pytest.raises(ValueError, match="Monte Carlo only"):
        forecast(program, scenario, method="exact", quick=True)

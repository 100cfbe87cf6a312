"""Tests for comparing two forecasts: paired differences with common random numbers."""

from __future__ import annotations

import pytest
from forecast_kit import exact_tally, fake_runner, fixed_forecast, fixed_tally, small_scenario

from simulator.compare import compare, render_comparison
from simulator.montecarlo import Forecast, simulate

T2 = 4.302652729749464  # t(0.975, 2)


def shifted(forecast: Forecast, gmv_extra: list[float]) -> Forecast:
    """The forecast with each replication's GMV raised by its own amount."""
    tallies = [fixed_tally(t.journeys["onboarding"].entered,
                           t.journeys["onboarding"].goals["first_order"].reached_eligible,
                           t.gmv + extra)
               for t, extra in zip(forecast.tallies, gmv_extra)]
    return Forecast(method=forecast.method, playbook="b.sop", scenario=forecast.scenario,
                    tallies=tallies, seed=forecast.seed, seeds=forecast.seeds)


def test_paired_difference_by_hand() -> None:
    """GMV raised by 90, 100, 110: difference 100 -/+ t(0.975, 2) * 10 / sqrt(3), significant."""
    a = fixed_forecast()
    result = compare(a, shifted(a, [90.0, 100.0, 110.0]))
    gmv = result["kpis"]["gmv"]
    assert gmv["difference"]["mean"] == 100.0
    half = T2 * 10 / 3**0.5
    assert gmv["difference"]["ci95"] == pytest.approx([100 - half, 100 + half], abs=1e-7)
    assert gmv["significant"] is True
    assert gmv["a"]["mean"] == 900.0 and gmv["b"]["mean"] == 1000.0


def test_common_random_numbers_beat_independent_intervals() -> None:
    """A steady lift hidden by the spread between replications is found by pairing them."""
    a = fixed_forecast()
    result = compare(a, shifted(a, [20.0, 21.0, 19.0]))
    gmv = result["kpis"]["gmv"]
    assert gmv["significant"] is True
    assert gmv["b"]["ci95"][0] < gmv["a"]["ci95"][1]  # the two intervals overlap


def test_no_difference_is_not_significant() -> None:
    """A forecast compared with itself differs by exactly zero and is not significant."""
    a = fixed_forecast()
    result = compare(a, a)
    rate = result["goals"]["onboarding"]["first_order"]
    assert rate["difference"] == {"mean": 0.0, "ci95": [0.0, 0.0]}
    assert rate["significant"] is False
    assert not any(row["significant"] for row in result["kpis"].values())


def test_mixed_changes_are_not_significant() -> None:
    """Differences of -50, +100 and -20 straddle zero."""
    a = fixed_forecast()
    assert compare(a, shifted(a, [-50.0, 100.0, -20.0]))["kpis"]["gmv"]["significant"] is False


def test_one_replication_cannot_judge() -> None:
    """With one replication pair there is no spread, so significance is unknown (None)."""
    a = fixed_forecast()
    a.tallies, a.seeds = a.tallies[:1], a.seeds[:1]
    assert compare(a, shifted(a, [5.0]))["kpis"]["gmv"]["significant"] is None


def test_exact_differences_are_exact() -> None:
    """Two exact forecasts: any difference is significant, none is not."""
    scenario = small_scenario()
    a = Forecast("exact", "a.sop", scenario, [exact_tally(None, None)])
    higher = exact_tally(None, None)
    higher.gmv += 10
    result = compare(a, Forecast("exact", "b.sop", scenario, [higher]))
    assert result["kpis"]["gmv"]["significant"] is True
    assert result["kpis"]["purchase_rate"]["significant"] is False


def test_seeds_and_methods_must_match() -> None:
    """Forecasts with other seeds or methods cannot be paired."""
    a = fixed_forecast()
    other = shifted(a, [0.0, 0.0, 0.0])
    other.seeds = [4, 5, 6]
    with pytest.raises(ValueError):
        compare(a, other)
    with pytest.raises(ValueError):
        compare(a, Forecast("exact", "b.sop", a.scenario, [exact_tally(None, None)]))


def test_goals_of_one_side_only_are_listed() -> None:
    """A goal only one playbook has is listed, not compared."""
    a = fixed_forecast()
    b = shifted(a, [0.0, 0.0, 0.0])
    for tally in b.tallies:
        tally.journeys["winback"] = tally.journeys.pop("onboarding")
    result = compare(a, b)
    assert result["goals"] == {}
    assert result["only_in_a"] == ["goals.onboarding.first_order", "goals.onboarding.repeat_order"]
    assert result["only_in_b"] == ["goals.winback.first_order", "goals.winback.repeat_order"]


def test_a_rate_with_nothing_eligible_has_no_difference() -> None:
    """Undefined on both sides, a rate's difference is null, shown n/a, never 0 or significant."""
    a = fixed_forecast()
    result = compare(a, shifted(a, [1.0, 2.0, 3.0]))
    row = result["goals"]["onboarding"]["repeat_order"]
    assert row == {"a": None, "b": None, "difference": None, "significant": None}
    line = next(line for line in render_comparison(result).splitlines() if "repeat_order" in line)
    assert line.split()[-5:] == ["n/a"] * 5


def test_scenarios_compared_with_the_same_seeds(onboarding) -> None:
    """Two scenarios of one playbook: a higher click rate lifts every goal rate significantly."""
    program = onboarding
    low = simulate(program, small_scenario(click=0.1), replications=8, seed=1, runner=fake_runner,
                   baseline=False)
    high = simulate(program, small_scenario(click=0.5), replications=8, seed=1,
                    runner=fake_runner, baseline=False)
    result = compare(low, high)
    for journey in program.journeys:
        row = result["goals"][journey]["goal"]
        assert row["significant"] is True and row["difference"]["mean"] > 0.3


def test_text_table() -> None:
    """The text shows both sides, the rate rows in percentage points and the verdicts."""
    a = fixed_forecast()
    text = render_comparison(compare(a, shifted(a, [90.0, 100.0, 110.0])))
    assert "A: playbooks/onboarding.sop" in text and "B: b.sop" in text
    gmv = next(line for line in text.splitlines() if line.startswith("GMV"))
    assert gmv.split()[1:4] == ["900.00", "1,000.00", "+100.00"] and gmv.endswith("yes")
    rate = next(line for line in text.splitlines() if line.startswith("onboarding / first_order"))
    assert "+0.00 pp" in rate and rate.endswith("no")

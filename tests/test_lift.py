"""Tests for the lift: the baseline run, common random numbers and the increment's closed form."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.engine import run_baseline, run_replication, switched_off
from simulator.lift import incremental_roi, lift
from simulator.montecarlo import simulate
from simulator.report import build_report
from simulator.report_text import render_report
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of

CUSTOMERS, OPEN, CLICK, BUY, DAILY, DAYS, VALUE, PER_SEND = 2000, 0.5, 0.4, 0.3, 0.02, 5, 100, 2
# One send to every customer of the stock on the first morning; its only effect on what
# customers do is the after-click purchase chance.
PLAYBOOK = f"""
content offer: text "hi"
journey nudge {{
  when every day at 09:00
  reentry never
  goal bought: purchase within {DAYS}d
  send offer via sms
}}
"""
SCENARIO = f"""
scenario s {{
  start 2026-12-01  horizon {DAYS}d  replications 20  seed 4
  population {CUSTOMERS} {{ arrivals 0/day }}
  channel sms {{ open {OPEN:.0%}  click {CLICK:.0%}  reply 0%  unfriend 0%  delay fixed(0m) }}
  purchase {{ daily {DAILY:.0%}  after_click {BUY:.0%} within 1d  value fixed({VALUE}) }}
  fatigue {{ }}
  cost {{ per_send {PER_SEND}  per_arrival 0 }}
}}
"""
NO_QUIET = 'playbook "no quiet hours" { }\n'


@pytest.fixture(scope="module")
def nudge():
    program = program_of(PLAYBOOK + SCENARIO, playbook=NO_QUIET)
    scenario, _ = effective_scenario(program)
    return program, scenario, simulate(program, scenario, replications=scenario.replications,
                                       seed=scenario.seed)


def covers(figure: dict, value: float) -> bool:
    low, high = figure["ci95"]
    return low <= value <= high


def test_the_increment_of_purchases_has_its_closed_form(nudge) -> None:
    """Each customer gets one send: the playbook adds N x P(open) x P(click) x P(buy) purchases,
    on top of the unchanged spontaneous ones; the reported interval covers that."""
    _, _, forecast = nudge
    found = lift(forecast)
    added = CUSTOMERS * OPEN * CLICK * BUY
    assert covers(found["purchases"]["increment"], added)
    assert covers(found["goal_events"]["nudge"]["bought"]["increment"], added)
    assert covers(found["gmv"]["increment"], VALUE * added)
    # The baseline buys only spontaneously: N x daily x days.
    assert covers(found["purchases"]["baseline"], CUSTOMERS * DAILY * DAYS)
    assert found["purchases"]["significant"] is True
    assert found["unfriends"]["increment"] == {"mean": 0.0, "ci95": [0.0, 0.0]}


def test_the_increment_of_purchasers_leaves_out_who_would_have_bought_anyway(nudge) -> None:
    """A customer who buys after the click but would have bought anyway adds no purchaser:
    the increment is N x P(open, click, buy) x P(no spontaneous purchase in the horizon)."""
    _, _, forecast = nudge
    added = CUSTOMERS * OPEN * CLICK * BUY * (1 - DAILY) ** DAYS
    found = lift(forecast)["purchasers"]["increment"]
    assert covers(found, added)
    assert not covers(found, CUSTOMERS * OPEN * CLICK * BUY)  # a gross count would miss it


def test_roi_is_computed_on_the_increment(nudge) -> None:
    """Incremental ROI: the GMV the sends add less their cost, over their cost; gross ROI
    counts every spontaneous purchase as the playbook's and is far higher."""
    _, _, forecast = nudge
    report = build_report(forecast)
    cost = PER_SEND * CUSTOMERS  # every customer's one send is delivered
    expected = (VALUE * CUSTOMERS * OPEN * CLICK * BUY - cost) / cost
    assert covers(report["lift"]["incremental_roi"], expected)
    gross = (VALUE * CUSTOMERS * (OPEN * CLICK * BUY + DAILY * DAYS) - cost) / cost
    assert covers(report["kpis"]["roi"], gross)
    assert [incremental_roi(a, b) for a, b in zip(forecast.baseline, forecast.tallies)] == \
        pytest.approx([(b.gmv - a.gmv - b.cost + a.cost) / (b.cost - a.cost)
                       for a, b in zip(forecast.baseline, forecast.tallies)])
    text = render_report(report)
    assert "KPIs (gross)" in text and "ROI (gross)" in text and "incremental ROI" in text


def test_the_baseline_is_the_simulation_without_the_playbook(nudge) -> None:
    """With the same seed, the baseline reproduces, draw for draw, a playbook that declares
    the same things but runs no journey."""
    program, scenario, forecast = nudge
    bare = program_of("content offer: text \"hi\"\n" + SCENARIO, playbook=NO_QUIET)
    for seed, without in zip(forecast.seeds[:3], forecast.baseline):
        alone = run_replication(bare, scenario, seed)
        assert without == dataclasses.replace(alone, goal_events=without.goal_events,
                                              journeys=without.journeys)
        assert (without.sends, without.journeys["nudge"].entered) == (0, 0)
    assert run_baseline(program, scenario, 5).purchases == \
        run_replication(switched_off(program), scenario, 5).purchases


def test_a_playbook_that_changes_nothing_has_no_lift() -> None:
    """Common random numbers: a journey that only waits leaves every pair identical, so the
    increment is exactly zero (independent seeds would show noise)."""
    program = program_of("""
journey idle {
  when every day at 09:00
  reentry never
  goal bought: purchase within 5d
  wait 1d
}
""" + SCENARIO, playbook=NO_QUIET)
    scenario, _ = effective_scenario(program)
    found = lift(simulate(program, scenario, replications=4, seed=2))
    for name in ("purchases", "purchasers", "gmv", "cost"):
        assert found[name]["increment"] == {"mean": 0.0, "ci95": [0.0, 0.0]}, name
    assert found["purchases"]["baseline"]["mean"] > 0
    assert found["incremental_roi"] is None  # no added cost: no return on it


def test_exact_forecasts_say_their_lift_is_monte_carlo_only(nudge) -> None:
    """The exact method runs no baseline: its report has no lift and says why."""
    from simulator.montecarlo import forecast as forecast_with

    program, scenario, _ = nudge
    report = build_report(forecast_with(program, scenario, method="exact"))
    assert report["lift"] is None
    assert any("exact method runs no baseline" in note for note in report["meta"]["notes"])

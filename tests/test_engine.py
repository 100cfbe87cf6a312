"""Tests for one replication of the SimPy engine: the bundled playbook, exact small cases,
reproducibility and notes."""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys

import pytest

from sopdsl.api import load
from simulator.engine import run_replication
from simulator.montecarlo import simulate
from simulator.report import build_report
from simulator.report_text import render_report
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of
from programs import ONBOARDING, ROOT


def small(scenario: Scenario, size: int, arrivals: float, horizon_days: int = 90) -> Scenario:
    """The scenario with a smaller population and horizon."""
    people = scenario.population.model_copy(update={"size": size, "arrivals_per_day": arrivals})
    return scenario.model_copy(update={"population": people,
                                       "horizon_minutes": horizon_days * 24 * 60})


@pytest.fixture(scope="module")
def onboarding_run(onboarding):
    """The onboarding playbook with its scenario at a small population."""
    scenario, diagnostics = effective_scenario(onboarding)
    assert diagnostics == [] and scenario is not None
    return onboarding, small(scenario, 400, 12)


@pytest.fixture(scope="module")
def onboarding_tally(onboarding_run):
    program, scenario = onboarding_run
    return run_replication(program, scenario, 11)


def test_onboarding_fills_every_section(onboarding_tally) -> None:
    """The bundled playbook at a small population fills journeys, goals, steps, arms, funnel,
    staff, daily series and every KPI."""
    tally = onboarding_tally
    assert tally.customers == 400 + tally.arrivals and tally.arrivals > 800
    journey = tally.journeys["onboarding"]
    assert 0 < journey.entered <= tally.arrivals
    assert journey.completed > 0 and journey.exited >= 0
    goal = journey.goals["first_order"]
    assert 0 < goal.reached_eligible <= goal.reached and 0 < goal.eligible < journey.entered
    assert 0 < goal.rate < 1
    course = journey.steps["onboarding/course"]
    assert course.reached >= course.sent > course.delivered > course.opened > course.clicked > 0
    # Every step is reached, `if ever(sample_claimed)` too: the scenario gives that event a
    # behaviour, so nothing is noted as never happening.
    assert all(step.reached > 0 for step in journey.steps.values())
    assert "no_staff" not in tally.dropped
    arms = journey.arms["new_coupon_test"]
    assert set(arms) == {"control", "small", "big"}
    assert all(arm.entered > 0 and arm.goals["first_order"].eligible > 0 for arm in arms.values())
    assert sum(arm.entered for arm in arms.values()) == journey.steps["onboarding/coupon_test"].reached
    assert tally.journeys["sales_followup"].entered > 0
    stages = list(tally.funnel)
    assert stages[0] == "visitor" and tally.funnel["visitor"] == tally.customers
    assert all(tally.funnel[a] >= tally.funnel[b] for a, b in zip(stages, stages[1:]))
    assert tally.funnel["intent"] > 0
    guide = tally.staff["guide"]
    assert guide.tasks > guide.done > 0 and guide.expired > 0 and guide.max_backlog > 0
    assert 0 < guide.utilisation < 1
    assert tally.staff["sales"].tasks > 0
    assert tally.purchases > 0 and tally.purchasers > 0 and tally.gmv > 0
    assert tally.unfriends > 0 and tally.interactions > 0
    assert tally.sends >= tally.delivered + sum(tally.dropped.values()) - 1e-9
    assert {"expired"} <= set(tally.dropped)
    assert all(math.isfinite(v) and v != 0 for v in tally.kpis().values())


def test_daily_series_add_up_to_the_totals(onboarding_run, onboarding_tally) -> None:
    """Each daily series has one entry per day and sums to its total."""
    tally = onboarding_tally
    daily = tally.daily
    assert all(len(series) == 90 for series in (daily.sends, daily.delivered, daily.clicks,
                                                daily.purchases, daily.unfriends))
    assert (sum(daily.sends), sum(daily.delivered)) == (tally.sends, tally.delivered)
    assert (sum(daily.purchases), sum(daily.unfriends)) == (tally.purchases, tally.unfriends)
    clicks = sum(s.clicked for j in tally.journeys.values() for s in j.steps.values())
    assert sum(daily.clicks) == clicks
    assert set(daily.backlog) == set(onboarding_run[0].roles)
    assert max(daily.backlog["guide"]) <= tally.staff["guide"].max_backlog
    cost = onboarding_run[1].cost
    assert tally.cost == pytest.approx(cost.per_arrival * tally.arrivals
                                       + cost.per_send * tally.delivered)


def test_same_seed_same_tally_other_seed_differs(onboarding_run, onboarding_tally) -> None:
    """A seed reproduces its Tally bit for bit; another seed gives another one."""
    program, scenario = onboarding_run
    assert run_replication(program, scenario, 11).to_dict() == onboarding_tally.to_dict()
    assert run_replication(program, scenario, 12).to_dict() != onboarding_tally.to_dict()


def test_a_seed_reproduces_in_another_process() -> None:
    """A fresh interpreter with another string hash seed computes the same Tally."""
    script = f"""
import json, sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests")!r}]
from sopdsl.api import load
from simulator.engine import run_replication
from sopdsl.scenario.build import effective_scenario
from tests.test_engine import small
program = load({str(ONBOARDING)!r})
scenario = small(effective_scenario(program)[0], 100, 5, 20)
print(json.dumps(run_replication(program, scenario, 3).to_dict(), sort_keys=True))
"""
    outputs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")]
    assert outputs[0] == outputs[1]
    program = load(ONBOARDING)
    here = run_replication(program, small(effective_scenario(program)[0], 100, 5, 20), 3)
    assert json.loads(outputs[0]) == json.loads(json.dumps(here.to_dict(), sort_keys=True))


def test_progress_reports_every_day_and_the_collector_is_restored(onboarding_run) -> None:
    """`progress` hears days 1..N in order; the garbage collector is on again afterwards."""
    program, scenario = onboarding_run
    days: list[int] = []
    run_replication(program, small(scenario, 20, 2, 7), 1, progress=days.append)
    assert days == [1, 2, 3, 4, 5, 6, 7]
    assert gc.isenabled()


def test_a_replication_leaves_next_to_nothing_for_the_collector(onboarding_run) -> None:
    """A replication's customers, runs and timers are freed as it returns, by reference counts:
    the collector's next pass finds a few objects, not some for every customer."""
    program, scenario = onboarding_run
    gc.collect()
    gc.disable()
    try:
        run_replication(program, small(scenario, 2_000, 0, 30), 1)
        left = gc.collect()
    finally:
        gc.enable()
    assert left < 2_000


AUTOMATIC = """
journey hello {
  when friend_added
  goal clicked: click within 1d
  send note via sms
  wait for click within 1d { then { tag "clicked" } }
}
content note: text "hi"
scenario s {
  start 2026-12-01  horizon 10d
  population 0 { arrivals 20/day }
  channel sms { open 100%  click 100%  reply 0%  unfriend 0%  delay fixed(30m) }
  purchase { daily 0%  after_click 0% }
  form_submitted { after_click 0% }
  store_visit { daily 0%  after_click 0% }
}
"""


def test_certain_behaviour_gives_exact_counts() -> None:
    """With open and click certain, every arrival is sent, opens, clicks and reaches the goal."""
    program = program_of(AUTOMATIC, playbook='playbook "no quiet hours" { }\n')
    scenario, _ = effective_scenario(program)
    tally = run_replication(program, scenario, 5)
    n = tally.arrivals
    journey = tally.journeys["hello"]
    assert journey.entered == n and tally.customers == n
    step = journey.steps["hello/1"]
    # Arrivals in the last 30 minutes respond after the horizon.
    late = n - journey.goals["clicked"].reached
    assert late <= 2
    assert (step.sent, step.delivered) == (n, n)
    assert step.opened == step.clicked == tally.interactions == n - late
    assert journey.steps["hello/2.then/1"].reached == 0  # the goal ends the run first
    assert tally.purchases == tally.gmv == tally.unfriends == 0
    assert "no_staff" not in tally.dropped


def test_staff_sends_with_nobody_to_do_them_expire() -> None:
    """A role with no members does none of its sends; each expires at its due time."""
    program = program_of("""
role guide "导购"
content note: text "hi"
journey hello { when friend_added  send note via private_chat }
scenario s {
  start 2026-12-01  horizon 10d
  population 0 { arrivals 20/day  owner guide }
  staff guide 0
}
""", playbook='playbook "no quiet hours" { }\n')
    scenario, _ = effective_scenario(program)
    tally = run_replication(program, scenario, 5)
    guide = tally.staff["guide"]
    assert tally.sends == tally.arrivals == guide.tasks
    assert tally.delivered == guide.done == guide.available_minutes == 0
    assert guide.expired == tally.dropped["expired"] > 0.7 * tally.sends


def test_events_nobody_models_are_noted() -> None:
    """A journey waiting for an event the scenario never produces gets a note saying so."""
    program = program_of("""
event webinar
content note: text "hi"
journey hello {
  when friend_added
  send note via sms
  wait for webinar within 2d { then { tag "came" } }
}
scenario s { start 2026-12-01  horizon 2d  population 5 { arrivals 1/day } }
""")
    scenario, _ = effective_scenario(program)
    report = build_report(simulate(program, scenario, replications=2, seed=1))
    assert report["unproduced_events"] == [{"event": "webinar", "journeys": ["hello"]}]
    assert any("`webinar` never happens" in note and "`hello`" in note
               for note in report["meta"]["notes"])
    # The `then` arm waits for the webinar: no run reached it.
    assert report["unreached_steps"] == [{"journey": "hello", "step": "hello/2.then/1"}]
    assert "Steps no run reached: hello/2.then/1 (hello)" in render_report(report)


SLA = """
role sales
journey lead {{
  when friend_added
  goal contract: purchase within 14d
  task sales "回电" {due}
  wait for task_done within 5d {{ then {{ tag "called" }} }}
}}
scenario s {{
  start 2026-12-01  horizon 30d
  population 0 {{ arrivals 40/day  owner sales }}
  staff sales 2 {{ capacity 30/day  completion 90%  delay exponential(3h) }}
}}
"""


def test_an_sla_changes_no_customer_outcome_only_its_lateness_figures() -> None:
    """A task past its due time is done late, not dropped: the same seed with `due 2h`, and
    without a due, calls the same customers (the `then` arm after `task_done`) and reaches the
    same goals; only the SLA figures (on time, late) tell the two apart."""
    tallies = []
    for due in ("due 2h", ""):
        program = program_of(SLA.format(due=due))
        scenario, diagnostics = effective_scenario(program)
        assert scenario is not None, diagnostics
        tallies.append(run_replication(program, scenario, 5))
    with_sla, without = tallies
    assert with_sla.journeys["lead"].steps == without.journeys["lead"].steps
    assert with_sla.journeys["lead"].steps["lead/2.then/1"].reached > 0
    assert with_sla.journeys["lead"].goals == without.journeys["lead"].goals
    assert with_sla.staff["sales"].done == without.staff["sales"].done > 0
    figures = with_sla.staff["sales"]
    assert figures.late > 0 and figures.on_time > 0
    assert without.staff["sales"].on_time == without.staff["sales"].late == 0

"""Arrival cohorts and the clock: friends of a playbook that reads no clock are one arrival
step's, shifted, and forecast as every step followed apart (the forecaster's way before,
kept in test_exact_cohorts as the reference); anything absolute keeps the steps apart; and
the memory guard holds what the merged flow really keeps."""

from __future__ import annotations

import time

import pytest

import simulator.exact as exact
import simulator.exact_size as exact_size
from programs import TEST_DATA
from simulator.exact import Refusal, arrival_steps, forecast_exact
from simulator.exact_model import ExactModel
from simulator.exact_population import customer_types
from simulator.exact_size import size_of
from simulator.results import Tally
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario
from test_exact_cohorts import Counted, figures, per_step_arrivals
from tests.runtime_kit import program_of

RELATIVE = (TEST_DATA / "exact" / "relative.sop").read_text(encoding="utf-8")


def _forecast(program, scenario, monkeypatch: pytest.MonkeyPatch,
              reference: bool = False) -> tuple[Tally, int]:
    """The forecast (the reference: every arrival step of the day apart) and its states."""
    with monkeypatch.context() as patch:
        patch.setattr(exact, "StateCount", Counted)
        if reference:
            patch.setattr(exact, "_arrivals", per_step_arrivals)
        Counted.made_by = []
        tally = forecast_exact(program, scenario)
    assert isinstance(tally, Tally), tally
    [count] = Counted.made_by
    return tally, count.made


def _assert_exact(found: Tally, reference: Tally) -> None:
    a, b = figures(found), figures(reference)
    assert a.keys() == b.keys()
    off = {k: (a[k], b[k]) for k in a if a[k] != pytest.approx(b[k], rel=1e-12, abs=1e-12)}
    assert not off, off


def _variant(old: str, new: str, playbook: str | None = None):
    """relative.sop with one line changed (and its playbook line), loaded."""
    assert old in RELATIVE
    line = 'playbook "exact: relative" { timezone "Asia/Shanghai" }'
    return program_of(RELATIVE.replace(line, "").replace(old, new),
                      playbook=(playbook or line) + "\n")


def test_daily_cohorts_of_a_clockless_journey_with_goals_merge(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """relative.sop (relative waits, a `wait for`, a split, a goal) follows one arrival step,
    shifted to every step: its states do not grow with the horizon's arrival steps (16 days
    make no more than 8), are a tenth of the 24 steps' apart, and every figure is theirs to
    1e-12."""
    program = load(TEST_DATA / "exact" / "relative.sop")
    scenario, _ = effective_scenario(program)
    assert arrival_steps(ExactModel(program, scenario)) == 1
    merged, made = _forecast(program, scenario, monkeypatch)
    apart, made_apart = _forecast(program, scenario, monkeypatch, reference=True)
    _assert_exact(merged, apart)
    assert made * 10 < made_apart
    longer = _variant("horizon 8d", "horizon 16d")
    scenario16, _ = effective_scenario(longer)
    merged16, made16 = _forecast(longer, scenario16, monkeypatch)
    assert made16 <= made
    _assert_exact(merged16, _forecast(longer, scenario16, monkeypatch, reference=True)[0])


@pytest.mark.parametrize("old, new, playbook", [
    ("wait 6h", "wait until 20:00", None),
    ("wait 6h", "wait 1d at 09:00", None),
    ("wait 6h", "wait 6h", 'playbook "q" { timezone "Asia/Shanghai"  quiet_hours 22:00-08:00 }'),
    ("send hello via welcome", 'send hello via welcome\n  task guide "打招呼" due 1d', None),
    ("send hello via welcome", "send hello via private_chat", None),
], ids=["wait until", "wait at", "quiet hours", "task", "staff send"])
def test_an_absolute_moment_keeps_the_arrival_steps_apart(
        old: str, new: str, playbook: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clock-of-day wait, quiet hours or staff work (working hours) tell friends arriving
    at different steps of the day apart: the steps stay apart and every figure is theirs
    followed one by one; merged, the figures would move."""
    program = _variant(old, new, playbook)
    scenario, _ = effective_scenario(program)
    model = ExactModel(program, scenario)
    assert arrival_steps(model) == model.steps_per_day
    found, _ = _forecast(program, scenario, monkeypatch)
    _assert_exact(found, _forecast(program, scenario, monkeypatch, reference=True)[0])


GUARDED = """
content hello: text "您好"
content course: article "第一课" { purpose nurture }
journey welcome {
  when friend_added
  goal engaged: click(course) within 5d
  send hello via sms
  wait 5m
  wait for click(hello) within 2d {
    then    { send course via sms }
    timeout { send course via email }
  }
}
scenario s {
  start 2026-12-01  horizon DAYSd
  population 0 { arrivals 100/day  owner guide }
  channel sms   { open 50%  click 20%  reply 0%  unfriend 0%  delay exponential(2h) }
  channel email { open 20%  click 5%  reply 0%  unfriend 0%  delay exponential(12h) }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
"""
PLAYBOOK = 'playbook "t" { timezone "Asia/Shanghai" }\nrole guide "g"\n'


def test_merged_arrivals_that_fit_are_forecast_and_larger_ones_refused_up_front() -> None:
    """On the 5-minute grid (`wait 5m`) over 30 days the 288 arrival steps of a day apart
    would be estimated at ~95 GB; shifted copies of one fit and are forecast. Over 400 days
    even one does not fit: refused in under 2 s, naming the grid, the horizon and the one
    trajectory."""
    program = program_of(GUARDED.replace("DAYS", "30"), playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    model = ExactModel(program, scenario)
    kinds = len(customer_types(program, scenario, stock=False))
    assert not size_of(model, 0, kinds, model.steps_per_day, 0, 0).fits()
    assert size_of(model, 0, kinds, arrival_steps(model), 0, 0).fits()
    assert isinstance(forecast_exact(program, scenario), Tally)

    program = program_of(GUARDED.replace("DAYS", "400"), playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    start = time.process_time()
    result = forecast_exact(program, scenario)
    assert time.process_time() - start < 2
    assert isinstance(result, Refusal)
    [reason] = result.reasons
    assert "a 5-minute grid over 400 days (115,200 steps), 1 customer trajectory," in reason
    assert "over the 1,024 MB it may take" in reason


def test_the_guard_counts_the_cohorts_shares_of_merged_states(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """spent.sop's 24 arrival steps share states: with room for exactly the states it makes
    but not for the cohorts' shares of them, the run stops, saying so."""
    program = load(TEST_DATA / "exact" / "spent.sop")
    scenario, _ = effective_scenario(program)
    _, made = _forecast(program, scenario, monkeypatch)
    monkeypatch.setattr(exact_size, "PER_STEP", 0)
    monkeypatch.setattr(exact_size, "SERIES_BYTES", 0)
    monkeypatch.setattr(exact_size, "MAX_BYTES", made * exact_size.STATE_BYTES)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal), "the shares were not counted"
    [reason] = result.reasons
    assert "arrival cohorts' shares of them" in reason

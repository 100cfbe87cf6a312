"""The exact forecaster's size: estimated up front as an upper bound of the states it makes,
refused before propagating when over the memory bound, and stopped when a run outgrows it."""

from __future__ import annotations

import pytest

import simulator.exact as exact
import simulator.exact_size as exact_size
from programs import TEST_DATA
from simulator.exact import Refusal, forecast_exact
from simulator.exact_size import MAX_BYTES, StateCount
from simulator.exact_states import State
from simulator.results import Tally
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of

PLAYBOOK = 'playbook "t" { timezone "Asia/Shanghai"  quiet_hours 21:55-08:05 }\nrole guide "g"\n'
# Friends arriving all day for half a year, on the 5-minute grid the quiet hours need: one
# trajectory per 5-minute arrival step of the day, each over 51,840 steps.
LARGE = """
content hello: text "您好"
content course: article "第一课" { purpose nurture }
journey welcome {
  when friend_added
  goal engaged: click(course) within 5d
  send hello via sms
  wait for click(hello) within 2d {
    then    { send course via sms }
    timeout { send course via email }
  }
}
scenario s {
  start 2026-12-01  horizon 180d
  population 0 { arrivals 100/day  owner guide }
  channel sms   { open 50%  click 20%  reply 0%  unfriend 0%  delay exponential(2h) }
  channel email { open 20%  click 5%  reply 0%  unfriend 0%  delay exponential(12h) }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
"""


class Counted(StateCount):
    """A state count that remembers itself, for the test to read the states made."""

    made_by: list[StateCount] = []

    def __init__(self, size: exact_size.Size) -> None:
        super().__init__(size)
        Counted.made_by.append(self)


@pytest.mark.parametrize("name", sorted(p.name for p in (TEST_DATA / "exact").glob("*.sop")))
def test_the_estimate_is_above_the_states_every_test_playbook_makes(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An estimator that under-counts (a trajectory, a send, the after-click window or the
    groups' posts left out) falls below what the forecast makes on one of these."""
    program = load(TEST_DATA / "exact" / name)
    scenario, _ = effective_scenario(program)
    monkeypatch.setattr(exact, "StateCount", Counted)
    Counted.made_by = []
    assert isinstance(forecast_exact(program, scenario), Tally)
    [count] = Counted.made_by
    assert 0 < count.made <= count.size.states <= count.size.max_states


def test_a_forecast_that_would_blow_up_is_refused_before_any_state_is_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal comes from the estimate alone (no state is made), names what makes the
    forecast large and says what would fit."""
    program = program_of(LARGE, playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)

    def no_state(*_: object) -> None:
        raise AssertionError("a state was made before the refusal")

    monkeypatch.setattr(State, "__init__", no_state)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    [reason] = result.reasons
    assert reason.startswith("the exact forecast would be too large: a 5-minute grid over 180 "
                             "days (51,840 steps), 288 customer trajectories (friends arriving "
                             "in each of 288 steps of the period, apart until their states "
                             "coincide)")
    assert "about " in reason and f"over the {MAX_BYTES // 2**20:,} MB" in reason
    assert "a shorter horizon" in reason and "Monte Carlo" in reason


def test_a_run_that_outgrows_a_wrong_estimate_stops_at_the_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With an estimate far too low (no state per step) and room for 200 states, the
    forecast (268 states) stops at 200 made, saying so, instead of growing past the bound."""
    program = load(TEST_DATA / "exact" / "wait_for.sop")
    scenario, _ = effective_scenario(program)
    monkeypatch.setattr(exact_size, "PER_STEP", 0)
    monkeypatch.setattr(exact_size, "MAX_BYTES", 200 * exact_size.STATE_BYTES)
    monkeypatch.setattr(exact_size, "SERIES_BYTES", 0)
    monkeypatch.setattr(exact, "StateCount", Counted)
    Counted.made_by = []
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    [count] = Counted.made_by
    assert count.made == count.size.max_states + 1 == 201  # the 201st is refused, not made
    [reason] = result.reasons
    assert "more than 200 states (the estimate was 0)" in reason


# A group calendar of twelve posts a day and nothing for the customers: the posts, each
# followed from its release until it is done or expires, make most of the states.
POSTS = """
content lesson: text "每日一课"
journey 社群 for groups {{
  when {triggers}
  send lesson via group
}}
scenario s {{
  start 2026-12-01  horizon 1d
  population 100 {{ arrivals 0/day  owner guide }}
  staff guide 2 {{ capacity 5000/day  completion 85%  delay exponential(2h) }}
  groups {{ per_owner 1  members 50% }}
  channel group {{ open 40%  click 10%  reply 2%  unfriend 0%  delay exponential(3h) }}
  purchase {{ daily 0%  after_click 0% }}
  fatigue {{ }}
}}
"""


def test_the_estimate_holds_the_states_of_a_calendar_made_of_posts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its posts are in the estimate: without them (or without their steps waiting on staff)
    it falls below the states made."""
    triggers = " or ".join(f"every day at {hour:02d}:00" for hour in range(8, 20))
    program = program_of(POSTS.format(triggers=triggers),
                         playbook='playbook "t" { timezone "Asia/Shanghai" }\nrole guide "g"\n')
    scenario, _ = effective_scenario(program)
    monkeypatch.setattr(exact, "StateCount", Counted)
    Counted.made_by = []
    assert isinstance(forecast_exact(program, scenario), Tally)
    [count] = Counted.made_by
    assert count.size.posts == 12
    assert 0 < count.made <= count.size.states <= count.size.max_states

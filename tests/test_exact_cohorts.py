"""Arrival cohorts in one flow: the friends arriving in each step of the playbook's period are
followed together, so their states merge where they coincide, and forecast exactly as each
step's own trajectory does (the reference, kept here as the forecaster had it)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator.exact as exact
import simulator.exact_size as exact_size
from programs import TEST_DATA
from simulator.exact_clock import period_days
from simulator.exact_play import EARLIER
from simulator.exact_propagate import MassFlow, Recorder
from simulator.exact_size import StateCount
from simulator.exact_tally import Trajectory
from simulator.results import Tally
from sopdsl.scenario.build import effective_scenario
from sopdsl.api import load
from tests.runtime_kit import program_of

DATA = TEST_DATA / "exact"
ARRIVING = sorted(path.name for path in DATA.glob("*.sop")
                  if "arrivals 0/day" not in path.read_text(encoding="utf-8"))

PLAYBOOK = ('playbook "cohorts" { timezone "Asia/Shanghai"  quiet_hours 22:00-08:00 }\n'
            'role guide "导购"\n')
# A welcome that lines the day's friends up at a fixed moment (or not: `wait 1d`), a mass send
# batched across them, and a `wait for` a purchase of daily chance, which reads the step of
# each customer's own day.
JOURNEY = """
content hello: text "您好"
content tip: text "今日小贴士"
journey welcome {{
  when friend_added
  send hello via sms
  {wait}
  send tip via private_chat
  wait for purchase within 1d {{
    then    {{ stage prospect }}
    timeout {{ send hello via sms }}
  }}
}}
scenario s {{
  start 2026-12-01  horizon {days}d
  population 0 {{ arrivals {rate}/day  owner guide }}
  staff guide {staff} {{ capacity 5000/day  completion 80%  delay exponential(2h) }}
  channel sms          {{ open 40%  click 10%  reply 0%  unfriend 0%  delay exponential(1h) }}
  channel private_chat {{ open 60%  click 20%  reply 0%  unfriend 0%  delay exponential(2h) }}
  purchase {{ daily {daily}%  after_click 0% }}
  fatigue {{ }}
}}
"""


def per_step_arrivals(model, kinds, steps) -> list[Trajectory]:
    """The reference: one trajectory per arrival step of the period and customer type, each
    followed on its own and copied to the periods that start inside the horizon; the period
    is at least a day, as the forecaster had it before it copied one arrival step's friends
    to every step when nothing reads the clock."""
    per_day = model.scenario.population.arrivals_per_day
    last = model.horizon_steps
    days = period_days(model.program)
    steps = last if days is None else min(days * model.steps_per_day, last)
    found = []
    for kind in kinds:
        for k0 in range(1, steps + 1):
            recorder = Recorder(model)
            state = exact._customer(model, kind, k0 * model.dt - EARLIER)
            MassFlow(model, recorder).run(state, 1.0, k0, [("event", "friend_added", True)])
            found.append(Trajectory(recorder, list(range(0, last - k0 + 1, steps)),
                                    per_day / model.steps_per_day * kind.share))
    return found


def figures(tally: Tally) -> dict[str, float]:
    """Every number of a tally, by its path."""
    found: dict[str, float] = {}

    def walk(value: object, path: str) -> None:
        if dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found[path] = float(value)

    walk(tally, "")
    return found


class Counted(StateCount):
    """A state count that remembers itself, for the test to read the states made."""

    made_by: list[StateCount] = []

    def __init__(self, size) -> None:
        super().__init__(size)
        Counted.made_by.append(self)


def both_ways(program, monkeypatch: pytest.MonkeyPatch) -> tuple[Tally, Tally, int, int]:
    """The forecast with the cohorts in one flow and with the reference, and their states."""
    scenario, _ = effective_scenario(program)
    monkeypatch.setattr(exact, "StateCount", Counted)
    Counted.made_by = []
    merged = exact.forecast_exact(program, scenario)
    with monkeypatch.context() as patch:
        patch.setattr(exact, "_arrivals", per_step_arrivals)
        apart = exact.forecast_exact(program, scenario)
    assert isinstance(merged, Tally), merged
    assert isinstance(apart, Tally), apart
    first, second = Counted.made_by
    return merged, apart, first.made, second.made


def assert_same(merged: Tally, apart: Tally) -> None:
    a, b = figures(merged), figures(apart)
    assert a.keys() == b.keys()
    off = {k: (a[k], b[k]) for k in a if a[k] != pytest.approx(b[k], rel=1e-9, abs=1e-9)}
    assert not off, off


@pytest.mark.parametrize("name", ARRIVING)
def test_cohorts_in_one_flow_forecast_as_each_arrival_steps_own_trajectory(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every figure of every test playbook with arrivals agrees to 1e-9, and no state more is
    made."""
    merged, apart, made, made_apart = both_ways(load(DATA / name), monkeypatch)
    assert_same(merged, apart)
    assert made <= made_apart


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wait=st.sampled_from(["wait until 10:00", "wait until monday at 10:00", "wait 1d"]),
       days=st.integers(2, 9), rate=st.integers(1, 200), staff=st.integers(1, 4),
       daily=st.sampled_from([0, 1, 5, 30]))
def test_generated_arrival_rates_and_periods_forecast_as_the_reference(
        wait: str, days: int, rate: int, staff: int, daily: int) -> None:
    """Daily and weekly periods, any rate, batches over several senders and daily chances of
    each cohort's own day: the one flow equals the trajectories apart."""
    program = program_of(JOURNEY.format(wait=wait, days=days, rate=rate, staff=staff,
                                        daily=daily), playbook=PLAYBOOK)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # A week of arrival steps is over the estimate's bound, which counts them apart; the
        # states either way make are far fewer.
        monkeypatch.setattr(exact_size, "MAX_BYTES", 8 * exact_size.MAX_BYTES)
        merged, apart, made, made_apart = both_ways(program, monkeypatch)
    assert_same(merged, apart)
    assert made <= made_apart


def test_cohorts_whose_states_coincide_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    """The friends of a day enter the daily journey at 12:00 together: followed in one flow,
    the forecast makes under a third of the states the trajectories apart make."""
    _, _, made, made_apart = both_ways(load(DATA / "spent.sop"), monkeypatch)
    assert made * 3 < made_apart


def test_a_day_lined_up_by_an_at_time_makes_far_fewer_states(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After `wait until 10:00` the day's 24 arrival steps are in the same states: the one flow
    makes under half the states the trajectories apart make."""
    program = program_of(JOURNEY.format(wait="wait until 10:00", days=4, rate=48, staff=2,
                                        daily=1), playbook=PLAYBOOK)
    _, _, made, made_apart = both_ways(program, monkeypatch)
    assert made * 2 < made_apart

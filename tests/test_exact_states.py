"""States' keys: pending work and responses merge across start times that can no longer matter."""

from __future__ import annotations

import math

import pytest

from programs import TEST_DATA
from simulator import exact_propagate, exact_states
from simulator.behaviour import ResponseChances
from simulator.exact import forecast_exact
from simulator.exact_model import ExactModel
from simulator.exact_states import PendingResponse, State, Work
from simulator.results import Tally
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario

DATA = TEST_DATA / "exact"
NOW = 600.0


@pytest.fixture(scope="module")
def model() -> ExactModel:
    program = load(DATA / "wait_for.sop")
    scenario, _ = effective_scenario(program)
    return ExactModel(program, scenario)


def state(model: ExactModel, *procs) -> State:
    c = model.interpreter.new_customer("exact", 0.0, owner="guide", attributes={}, tags=(),
                                       stage=None)
    return State(model, c, procs, (), NOW)


def work(since: float, doing: bool = True) -> Work:
    return Work("send", "guide", "guide", since, doing, 1500.0, None, None, None)


def response(since: float) -> PendingResponse:
    return PendingResponse("sms", "hello", None, None, since, None,
                           ResponseChances(0.5, 0.1, 0.1, 0.0, 0.0))


@pytest.mark.parametrize("make", [work, lambda since: work(since, doing=False), response])
def test_a_phase_begun_by_now_is_keyed_without_its_start(model: ExactModel, make) -> None:
    """Two states alike but for when a phase began, both by now, are one state; a phase
    that begins later keeps its start, which decides when its chances begin."""
    assert state(model, make(NOW - 60)).key == state(model, make(NOW - 300)).key \
        == state(model, make(NOW)).key
    assert state(model, make(NOW + 60)).key != state(model, make(NOW + 120)).key
    assert state(model, make(NOW + 60)).key != state(model, make(NOW)).key


def test_work_still_differs_by_what_goes_on_mattering(model: ExactModel) -> None:
    """Its due time and phase stay in the key."""
    a, b = work(NOW - 60), work(NOW - 60, doing=False)
    assert state(model, a).key != state(model, b).key
    assert state(model, a).key != state(model, Work("send", "guide", "guide", NOW - 60, True,
                                                    1560.0, None, None, None)).key


def figures(tally: Tally) -> dict[str, float]:
    found = {"purchases": tally.purchases, "purchasers": tally.purchasers,
             "sends": tally.sends, "delivered": tally.delivered}
    found.update((f"dropped.{k}", v) for k, v in tally.dropped.items())
    for role, staff in tally.staff.items():
        found.update({f"{role}.done": staff.done, f"{role}.expired": staff.expired,
                      f"{role}.late": staff.late, f"{role}.backlog": staff.max_backlog})
    for name, journey in tally.journeys.items():
        found.update((f"{name}.{goal}", t.rate) for goal, t in journey.goals.items())
    for name, series in vars(tally.daily).items():
        if isinstance(series, list):
            found.update((f"daily.{name}.{i}", v) for i, v in enumerate(series)
                         if isinstance(v, float))
    return found


@pytest.mark.parametrize("case", ["wait_for.sop", "tasks.sop"])
def test_merged_states_forecast_as_states_keyed_by_every_start(case, monkeypatch) -> None:
    """Keying phases without their start changes no figure: with no state dropped as
    negligible, the forecast equals the one whose states carry every start."""
    program = load(DATA / case)
    scenario, _ = effective_scenario(program)
    monkeypatch.setattr(exact_propagate, "NEGLIGIBLE", 1e-30)
    merged = figures(forecast_exact(program, scenario))
    monkeypatch.setattr(exact_states, "_proc_key", lambda proc, now: proc)
    apart = figures(forecast_exact(program, scenario))
    assert merged.keys() == apart.keys()
    off = {k: (merged[k], apart[k]) for k in merged
           if not math.isclose(merged[k], apart[k], rel_tol=1e-12, abs_tol=1e-15)}
    assert not off, off

"""Tests for customer behaviour: responses, multipliers, after-click and daily chances."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from simulator.behaviour import BehaviourSampler, ResponseChances, daily_moments
from simulator.exact_model import ExactModel
from sopdsl.scenario.build import effective_scenario
from sopdsl.runtime.interpreter import Interpreter
from tests.runtime_kit import CLOCK, program_of
from tests.test_population import within_binomial
from sopdsl.builtins import MINUTES_PER_DAY as DAY

DECLS = """content guide_post: article "a" { purpose nurture }
content plain: text "b"
segment vip = tag "VIP"
journey j { when friend_added  tag "x" }
"""
SCENARIO = """scenario s {
  channel sms { open 40%  click 25%  reply 10%  unfriend 2%  delay fixed(1h) }
  purpose nurture { open x1.5  reply x2 }
  effect vip { click x2  purchase x3 }
  fatigue { above 3 per 7d: open x0.5 }
  purchase { daily 1%  after_click 10% within 2d  value fixed(50) }
  form_submitted { after_click 40% within 1d }
}
"""


def setup(scenario: str = SCENARIO, seed: int = 1):
    program = program_of(DECLS + scenario)
    chosen, diagnostics = effective_scenario(program)
    assert diagnostics == []
    behaviour = BehaviourSampler(program, chosen, random.Random(seed), np.random.default_rng(seed))
    return Interpreter(program, CLOCK), behaviour


def responses(behaviour: BehaviourSampler, customers: list, content: str, now: float = 0.0):
    return [behaviour.respond(c, "sms", content, now) for c in customers]


def test_response_frequencies_follow_probabilities_and_multipliers() -> None:
    """Open x purpose, click x effect (given open), reply x purpose, unfriend per message."""
    machine, behaviour = setup()
    n = 20_000
    vips = [machine.new_customer(str(i), 0.0, tags=["VIP"]) for i in range(n)]
    drawn = responses(behaviour, vips, "guide_post")
    opened = sum(r.opened for r in drawn)
    assert within_binomial(opened, n, 0.6)  # 40% x1.5
    assert within_binomial(sum(r.clicked for r in drawn), opened, 0.5)  # 25% x2
    assert within_binomial(sum(r.replied for r in drawn), opened, 0.2)  # 10% x2
    unfriended = sum(any(e.name == "friend_deleted" for e in r.events) for r in drawn)
    assert within_binomial(unfriended, n, 0.02)
    others = [machine.new_customer(f"o{i}", 0.0) for i in range(n)]
    plain = responses(behaviour, others, "plain")
    opened = sum(r.opened for r in plain)
    assert within_binomial(opened, n, 0.4)
    assert within_binomial(sum(r.clicked for r in plain), opened, 0.25)


def test_response_events_come_in_order_after_the_delay() -> None:
    """Open, click and reply happen together, one response delay after delivery."""
    machine, behaviour = setup()
    customer = machine.new_customer("1", 0.0, tags=["VIP"])
    for _ in range(200):
        response = behaviour.respond(customer, "sms", "guide_post", 100.0)
        names = [e.name for e in response.events]
        assert names == sorted(names, key=["open", "click", "reply", "friend_deleted"].index)
        assert all(e.time == 160.0 for e in response.events)
        assert all(e.content == "guide_post" for e in response.events
                   if e.name in ("open", "click"))
        assert response.clicked <= response.opened and response.replied <= response.opened


def test_fatigue_scales_open_and_probabilities_cap_at_one() -> None:
    """Above 3 sends in 7 days open is halved; a multiplied chance above 100% is certain."""
    machine, behaviour = setup()
    n = 20_000
    tired = []
    for i in range(n):
        customer = machine.new_customer(str(i), 0.0)
        customer.sends.times.extend([-3 * DAY, -2 * DAY, -DAY, 0.0])
        tired.append(customer)
    assert within_binomial(sum(r.opened for r in responses(behaviour, tired, "plain")), n, 0.2)
    _, eager = setup(SCENARIO.replace("open 40%", "open 80%"))
    fresh = [machine.new_customer(f"f{i}", 0.0) for i in range(2000)]
    assert all(r.opened for r in responses(eager, fresh, "guide_post"))  # 80% x1.5 = 100%


def test_responses_held_against_the_chances_bounds_are_those_of_the_full_multipliers() -> None:
    """A draw decided by the least or greatest chance the multipliers can give decides as the
    customer's own chance would: the same seed gives the same responses as working the
    multipliers out for every draw, while most draws need them not at all."""
    machine, bounded = setup()
    _, full = setup()
    full.model.factor_range = lambda content: ((0.0,) * 5, (1e300,) * 5)  # bounds never decide
    customers = []
    for i in range(4000):
        customer = machine.new_customer(str(i), 0.0, tags=["VIP"] if i % 3 == 0 else [])
        if i % 4 == 0:  # fatigued: open halved
            customer.sends.times.extend([-3 * DAY, -2 * DAY, -DAY, 0.0])
        customers.append(customer)
    worked = 0
    chance_values = bounded.model.chance_values

    def counted(*args, **kwargs):
        nonlocal worked
        worked += 1
        return chance_values(*args, **kwargs)

    bounded.model.chance_values = counted
    for content in ("guide_post", "plain"):
        assert responses(bounded, customers, content) == responses(full, customers, content)
    assert sum(r.opened for r in responses(full, customers, "plain")) > 1000
    assert 0 < worked < len(customers)


def test_after_click_purchases_fall_uniformly_inside_their_window() -> None:
    """A click leads to a purchase with after_click x purchase multipliers, uniform in 2 days."""
    machine, behaviour = setup(SCENARIO.replace("open 40%  click 25%", "open 100%  click 100%"))
    n = 20_000
    vips = [machine.new_customer(str(i), 0.0, tags=["VIP"]) for i in range(n)]
    drawn = responses(behaviour, vips, "plain")
    purchases = [e for r in drawn for e in r.later if e.name == "purchase"]
    assert within_binomial(len(purchases), n, 0.3)  # 10% x3
    offsets = np.array([e.time - 60 for e in purchases])
    assert offsets.min() >= 0 and offsets.max() <= 2 * DAY
    # Uniform on [0, 2d]: mean 1d, standard deviation 2d / sqrt(12).
    assert abs(offsets.mean() - DAY) < 4 * (2 * DAY / math.sqrt(12)) / math.sqrt(offsets.size)
    assert {e.amount for e in purchases} == {50}
    forms = [e for r in drawn for e in r.later if e.name == "form_submitted"]
    assert within_binomial(len(forms), n, 0.4)
    assert all(60 <= e.time <= 60 + DAY and e.amount is None for e in forms)


def test_daily_moments_give_one_chance_per_day_followed() -> None:
    """Daily candidates: about n x days x p, at most one a customer-day, after each start."""
    rng = np.random.default_rng(9)
    starts = np.concatenate([np.zeros(5000), np.full(5000, 5 * DAY + 30.0)])
    horizon = 10 * DAY
    customers, times = daily_moments(starts, horizon, 0.05, rng)
    expected_trials = 5000 * 10 + 5000 * 5  # the late half is followed for 5 days
    assert within_binomial(customers.size, expected_trials, 0.05)
    assert np.all(np.diff(times) >= 0) and times.max() < horizon
    assert np.all(times >= starts[customers])
    days = np.floor((times - starts[customers]) / DAY)
    pairs = set(zip(customers.tolist(), days.tolist()))
    assert len(pairs) == customers.size
    assert daily_moments(starts, horizon, 0.0, rng)[0].size == 0


def test_organic_purchases_accept_candidates_at_each_customers_own_rate() -> None:
    """Candidates come at the highest possible rate; each is kept with own rate over it."""
    machine, behaviour = setup()
    assert behaviour.daily_purchase_ceiling == 0.03  # 1% x3 for vip
    vip = machine.new_customer("v", 0.0, tags=["VIP"])
    other = machine.new_customer("o", 0.0)
    n = 20_000
    uniforms = random.Random(3)
    assert all(behaviour.organic_purchase(vip, 0.0, 0, uniforms.random()) for _ in range(1000))
    kept = sum(behaviour.organic_purchase(other, 0.0, 1, uniforms.random()) for _ in range(n))
    assert within_binomial(kept, n, 1 / 3)


def test_both_forecasters_read_one_set_of_chances() -> None:
    """The engine's sampler and the exact forecaster hold the same behaviour model, whose
    chances are the scenario's probabilities times purpose, fatigue and effects, capped at 1."""
    machine, behaviour = setup()
    program = program_of(DECLS + SCENARIO)
    exact = ExactModel(program, effective_scenario(program)[0])
    vip = machine.new_customer("v", 0.0, tags=["VIP"])
    for model in (behaviour.model, exact.behaviour):
        assert model.chances(vip, 0.0, "sms", "guide_post") == ResponseChances(
            open=pytest.approx(0.6), click=0.5, reply=0.2, unfriend=0.02, buy=pytest.approx(0.3))
        assert model.daily_purchase(vip, 0.0) == pytest.approx(0.03)
        tired = machine.new_customer("t", 0.0)
        tired.sends.times.extend([-3 * DAY, -2 * DAY, -DAY, 0.0])
        assert model.chances(tired, 0.0, "sms", "plain").open == pytest.approx(0.2)
        follows = [(f.event, f.chance, f.within) for f in model.after_click]
        assert follows[:2] == [("purchase", 0.1, 2 * DAY), ("form_submitted", 0.4, DAY)]
    _, eager = setup(SCENARIO.replace("open 40%", "open 80%"))
    assert eager.model.chances(vip, 0.0, "sms", "guide_post").open == 1.0  # 120% capped


def test_fatigue_applies_only_the_highest_threshold_passed() -> None:
    """With sends above two thresholds, the higher one's multipliers apply, not both."""
    machine, behaviour = setup(SCENARIO.replace(
        "fatigue { above 3 per 7d: open x0.5 }",
        "fatigue { above 3 per 7d: open x0.8  above 6 per 7d: open x0.6 }"))

    def open_factor(sends: int) -> float:
        customer = machine.new_customer(str(sends), 0.0)
        customer.sends.times.extend([-DAY * k / 2 for k in range(sends)][::-1])
        return behaviour.model.multipliers(customer, 0.0, None)[0]

    assert [open_factor(n) for n in (0, 3, 4, 6, 7)] == [1.0, 1.0, 0.8, 0.8, 0.6]

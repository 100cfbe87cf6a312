"""Tests for customers' own draws: the BG/NBD and Gamma-Gamma models against their published
closed forms, and per-customer probabilities against the Beta-Bernoulli."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy.special import hyp2f1

import simulator
from simulator.behaviour import BehaviourSampler
from simulator.latent import draw_latent, latent_moments, named_generators
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import CLOCK, program_of
from tests.test_population import within_binomial

# The BG/NBD parameters Fader, Hardie & Lee (2005) estimate on the CDNOW sample, per week.
CDNOW = "bgnbd { r 0.243  alpha 4.414  a 0.793  b 2.426  per 7d }"
R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426
# Their Gamma-Gamma spend parameters on the same data ("RFM and CLV", 2005).
SPEND = "value gamma_gamma { p 6.25  q 3.74  gamma 15.44 }"
P, Q, GAMMA = 6.25, 3.74, 15.44


def expected_purchases(t: float, alpha: float = ALPHA) -> float:
    """E[X(t)] of the BG/NBD model, Fader, Hardie & Lee (2005), equation 7."""
    return (A + B - 1) / (A - 1) * (
        1 - (alpha / (alpha + t)) ** R * hyp2f1(R, B, A + B - 1, t / (alpha + t)))


def no_purchase(t: float) -> float:
    """P(X(t) = 0) of the BG/NBD model (equation 8 at x = 0): nobody drops out before buying."""
    return (ALPHA / (ALPHA + t)) ** R


def quiet_program(weeks: int, customers: int, replications: int, extra: str = ""):
    """A playbook without journeys whose customers only buy spontaneously under BG/NBD."""
    program = program_of(f"""segment vip = tag "VIP"
scenario s {{
  horizon {weeks * 7}d  replications {replications}  seed 3
  population {customers} {{ arrivals 0/day  tag "VIP" 100% }}
  purchase {{ {CDNOW}  {SPEND} }}
  store_visit {{ daily 0% }}
  {extra}
}}
""")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    return program, scenario


@pytest.mark.parametrize("weeks", [39, 78])
def test_mean_purchases_and_share_without_any_follow_the_bgnbd_closed_forms(weeks: int) -> None:
    """The population's purchases in (0, t] per customer match E[X(t)], and the share who buy
    nothing matches P(X(t) = 0), within Monte Carlo error (CDNOW parameters)."""
    n, replications = 3000, 6
    program, scenario = quiet_program(weeks, n, replications)
    tallies = simulator.forecast(program, scenario).tallies
    per_customer = np.array([t.purchases / t.customers for t in tallies])
    error = per_customer.std(ddof=1) / math.sqrt(replications)
    assert abs(per_customer.mean() - expected_purchases(weeks)) <= 4 * error
    nobody = sum(t.customers - t.purchasers for t in tallies)
    assert within_binomial(nobody, n * replications, no_purchase(weeks))
    # Gamma-Gamma: a purchase is worth p * gamma / (q - 1) on average (35.22).
    value = sum(t.gmv for t in tallies) / sum(t.purchases for t in tallies)
    assert value == pytest.approx(P * GAMMA / (Q - 1), rel=0.05)


def test_a_purchase_multiplier_scales_each_customers_rate() -> None:
    """`effect vip { purchase x2 }` on everyone doubles every rate, which is BG/NBD with alpha
    halved (lambda ~ Gamma(r, alpha) times 2 is Gamma(r, alpha / 2))."""
    n, replications = 3000, 6
    program, scenario = quiet_program(39, n, replications, "effect vip { purchase x2 }")
    tallies = simulator.forecast(program, scenario).tallies
    per_customer = np.array([t.purchases / t.customers for t in tallies])
    error = per_customer.std(ddof=1) / math.sqrt(replications)
    assert abs(per_customer.mean() - expected_purchases(39, ALPHA / 2)) <= 4 * error


def test_latent_moments_are_a_poisson_process_of_each_customers_rate() -> None:
    """Counts of moments in the window follow each customer's rate times the time followed."""
    rng = np.random.default_rng(5)
    followed = np.array([0.0, 0.0, 500.0, 900.0])
    rate = np.array([0.01, 0.0, 0.02, 0.05])
    counts = np.zeros(4)
    runs = 2000
    for _ in range(runs):
        who, times = latent_moments(followed, 1000.0, rate, rng)
        assert np.all(np.diff(times) >= 0) and np.all(times >= followed[who])
        counts += np.bincount(who, minlength=4)
    expected = rate * (1000.0 - followed) * runs
    assert counts[1] == 0
    assert np.all(np.abs(counts - expected) <= 4 * np.sqrt(expected) + 1e-9)


def spend_setup(text: str):
    program = program_of('content note: text "hi"\n' + text)
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    return program, scenario


def test_gamma_gamma_values_average_p_over_nu_per_customer_and_p_gamma_over_q_minus_1() -> None:
    """Each customer's purchases average p / nu (their own nu); customers average
    E[p / nu] = p * gamma / (q - 1)."""
    program, scenario = spend_setup(f"scenario s {{ purchase {{ {SPEND} }} }}\n")
    n = 200_000
    latent = draw_latent(scenario, n, named_generators(np.random.SeedSequence(8)))
    assert (P / latent.spend).mean() == pytest.approx(P * GAMMA / (Q - 1), rel=0.01)
    sampler = BehaviourSampler(program, scenario, random.Random(2), np.random.default_rng(2),
                               latent, named_generators(np.random.SeedSequence(9)))
    for index in (0, 1):
        values = np.array([sampler.amount(index) for _ in range(40_000)])
        own_mean, own_sd = P / latent.spend[index], math.sqrt(P) / latent.spend[index]
        assert abs(values.mean() - own_mean) <= 4 * own_sd / math.sqrt(values.size)


def test_per_customer_clicks_follow_the_beta_bernoulli() -> None:
    """With `click beta(2, 8) per customer`, a customer who clicked once clicks the next message
    with P(click2 | click1) = (alpha + 1) / (alpha + beta + 1) = 3/11, not the mean 20%."""
    program, scenario = spend_setup("""scenario s {
  channel sms { open 100%  click beta(2, 8) per customer  reply 0%  unfriend 0% }
}
""")
    n = 20_000
    latent = draw_latent(scenario, n, named_generators(np.random.SeedSequence(4)))
    sampler = BehaviourSampler(program, scenario, random.Random(4), np.random.default_rng(4),
                               latent)
    machine = Interpreter(program, CLOCK)
    customers = [machine.new_customer(str(i), 0.0) for i in range(n)]
    first = [sampler.respond(c, "sms", "note", 0.0, i).clicked for i, c in enumerate(customers)]
    second = [sampler.respond(c, "sms", "note", 0.0, i).clicked for i, c in enumerate(customers)]
    clicked_once = sum(first)
    assert within_binomial(clicked_once, n, 0.2)
    both = sum(a and b for a, b in zip(first, second))
    assert within_binomial(both, clicked_once, 3 / 11)


def test_adding_a_per_customer_value_leaves_the_other_draws_as_they_were() -> None:
    """Each drawn quantity has a stream of its own: common random numbers across scenarios."""
    _, plain = spend_setup(f"scenario s {{ purchase {{ {CDNOW} }} }}\n")
    _, more = spend_setup(f"scenario s {{ purchase {{ {CDNOW}  {SPEND} }}\n"
                          "  channel sms { click beta(2, 8) per customer } }\n")
    one = draw_latent(plain, 100, named_generators(np.random.SeedSequence(6)))
    two = draw_latent(more, 100, named_generators(np.random.SeedSequence(6)))
    assert np.array_equal(one.rate, two.rate) and np.array_equal(one.dropout, two.dropout)

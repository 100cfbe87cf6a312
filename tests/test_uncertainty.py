"""Tests for values drawn once per replication: parameter uncertainty widens the spread between
replications by exactly the distribution's spread, and restores the coverage plug-in loses."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import simulator
from simulator.engine import replication_scenario
from simulator.montecarlo import replication_seeds
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of

JOURNEY = """content note: text "hi"
journey hello { when friend_added  send note via sms }
"""


def scenario_of(open_: str, replications: int = 30, seed: int = 1):
    program = program_of(JOURNEY + f"""scenario s {{
  horizon 2d  replications {replications}  seed {seed}
  population 0 {{ arrivals 250/day }}
  channel sms {{ open {open_}  click 100%  reply 0%  unfriend 0%  delay fixed(1m) }}
}}
""")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    return program, scenario


def open_rates(open_: str) -> tuple[np.ndarray, np.ndarray]:
    """Each replication's share of delivered messages opened (every open clicks), and the
    messages delivered."""
    program, scenario = scenario_of(open_)
    tallies = simulator.forecast(program, scenario).tallies
    delivered = np.array([t.delivered for t in tallies])
    return np.array([t.interactions for t in tallies]) / delivered, delivered


def variance_bounds(variance: float, replications: int) -> tuple[float, float]:
    """Where the sample variance of `replications` normal draws of `variance` falls (99.9%)."""
    df = replications - 1
    return (variance * stats.chi2.ppf(0.0005, df) / df,
            variance * stats.chi2.ppf(0.9995, df) / df)


def test_replications_spread_by_the_betas_sd_where_plug_in_spreads_by_sampling_alone() -> None:
    """`open beta(45, 55)` is drawn once per replication: replication open rates vary with the
    Beta's variance plus sampling; `open 45%` only with sampling."""
    drawn, delivered = open_rates("beta(45, 55)")
    beta = stats.beta(45, 55)
    sampling = (beta.mean() * (1 - beta.mean()) - beta.var()) / delivered.mean()
    low, high = variance_bounds(beta.var() + sampling, drawn.size)
    assert low <= drawn.var(ddof=1) <= high
    plug_in, delivered = open_rates("45%")
    low, high = variance_bounds(0.45 * 0.55 / delivered.mean(), plug_in.size)
    assert low <= plug_in.var(ddof=1) <= high
    assert drawn.var(ddof=1) > 4 * plug_in.var(ddof=1)


def test_parameter_draws_cover_the_truth_where_plug_in_values_under_cover() -> None:
    """Calibrate an open rate of 45% on 200 sends, seed after seed: the replications' middle 95%
    with `open beta(k + 1, n - k + 1)` covers 45% about 95% of the time; the plug-in `k/n`
    (every replication the same rate) almost never."""
    truth, sends, seeds, replications = 0.45, 200, 200, 80
    rng = np.random.default_rng(11)
    covered = plug_in_covered = 0
    for seed in range(seeds):
        opened = int(rng.binomial(sends, truth))
        _, scenario = scenario_of(f"beta({opened + 1}, {sends - opened + 1})", seed=seed)
        rates = [replication_scenario(scenario, s).channels["sms"].open
                 for s in replication_seeds(seed, replications)]
        low, high = np.quantile(rates, [0.025, 0.975])
        covered += low <= truth <= high
        plug_in_covered += opened / sends == truth
    # 95% of the seeds, within 4 binomial standard deviations.
    assert abs(covered - 0.95 * seeds) <= 4 * np.sqrt(seeds * 0.95 * 0.05)
    assert plug_in_covered < 0.2 * seeds


def test_per_customer_values_keep_their_mean_in_the_replications_scenario() -> None:
    """Only values drawn per replication change; a `per customer` one is each customer's."""
    program = program_of(JOURNEY + """scenario s {
  channel sms { open beta(45, 55)  click beta(2, 8) per customer }
}
""")
    scenario, _ = effective_scenario(program)
    one, other = (replication_scenario(scenario, seed) for seed in (1, 2))
    assert one.channels["sms"].click == other.channels["sms"].click == pytest.approx(0.2)
    assert one.channels["sms"].open != other.channels["sms"].open
    assert replication_scenario(scenario, 1) == one  # the seed decides the draw

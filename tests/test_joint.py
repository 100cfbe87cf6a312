"""Tests for parameters drawn jointly (`log_covariance`): the draws have the written covariance,
and the truncation to what the model allows redraws the share and has the mean that the normal
distribution's integrals give."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from simulator.engine import replication_scenario
from sopdsl.scenario.build import effective_scenario
from sopdsl.scenario.joint import JointLognormal, covariance_problem
from tests.runtime_kit import program_of

COVARIANCE = ((0.0121, 0.0098, 0.0102), (0.0098, 0.0110, 0.0090), (0.0102, 0.0090, 0.0135))
SCENARIO = """scenario fitted {
  replications 2
  purchase {
    value gamma_gamma {
      p 6.25  q 3.74  gamma 15.44
      log_covariance {
        gamma  0.0135
        p      0.0102  0.0121
        q      0.0090  0.0098  0.0110
      }
    }
  }
}
"""


def joint(q: float = 3.74, covariance=COVARIANCE, floors=(0.0, 1.0, 0.0)) -> JointLognormal:
    return JointLognormal(names=("p", "q", "gamma"), medians=(6.25, q, 15.44),
                          log_covariance=covariance, floors=floors)


def test_draws_have_the_written_log_covariance() -> None:
    """The logs of 100,000 draws have the written covariance, each entry within four standard
    errors of the sample covariance (Var(s_ij) = (S_ii S_jj + S_ij^2) / n for normal data)."""
    n = 100_000
    logs = np.log(joint(floors=(0.0, 0.0, 0.0)).sample(np.random.default_rng(3), n))
    sample = np.cov(logs, rowvar=False)
    written = np.array(COVARIANCE)
    se = np.sqrt((np.outer(np.diag(written), np.diag(written)) + written**2) / n)
    assert np.all(np.abs(sample - written) < 4 * se), (sample, written)
    assert np.allclose(logs.mean(axis=0), np.log([6.25, 3.74, 15.44]), atol=0.002)


def test_a_replication_draws_the_model_jointly_from_the_rows_in_any_order() -> None:
    """Rows written in another order mean the same matrix: 3,000 replications' (p, q, gamma)
    have the written covariance on the log scale and p, q, gamma correlated as written."""
    scenario, diagnostics = effective_scenario(program_of(SCENARIO))
    assert diagnostics == []
    assert scenario.drawn_jointly["purchase.gamma_gamma"].log_covariance == COVARIANCE
    logs = np.log([[getattr(replication_scenario(scenario, seed).purchase.gamma_gamma, name)
                    for name in ("p", "q", "gamma")] for seed in range(3000)])
    written = np.array(COVARIANCE)
    se = np.sqrt((np.outer(np.diag(written), np.diag(written)) + written**2) / len(logs))
    assert np.all(np.abs(np.cov(logs, rowvar=False) - written) < 4 * se)
    assert np.corrcoef(logs, rowvar=False)[0, 1] > 0.8


# q written at 1.1 with log-variance 0.04: P(q <= 1) = Phi(-log(1.1) / 0.2) = 31.68%.
WIDE = ((0.09, 0.03, 0.0), (0.03, 0.04, 0.0), (0.0, 0.0, 0.01))


def test_the_share_redrawn_is_the_normal_tail_below_q_1() -> None:
    """The kept share is P(log q > 0) of a normal with mean log 1.1 and sd 0.2."""
    cut = joint(q=1.1, covariance=WIDE)
    assert cut.kept_mass() == pytest.approx(stats.norm.sf(0, math.log(1.1), 0.2), rel=1e-9)
    assert 1 - cut.kept_mass() == pytest.approx(0.3168, abs=1e-4)


def test_truncated_means_match_scipys_integrals_and_the_draws() -> None:
    """Given q > 1, E[q] and E[p] (p correlated with q) are SciPy's integrals over log q's
    normal density (for p: of E[p | log q], a lognormal mean given the conditional normal);
    200,000 draws all have q above 1 and their means agree within four standard errors."""
    cut = joint(q=1.1, covariance=WIDE)
    mu_q, sd_q = math.log(1.1), 0.2
    kept = stats.norm.sf(0, mu_q, sd_q)
    density = stats.norm(mu_q, sd_q).pdf
    top = mu_q + 12 * sd_q  # no mass a float can show lies beyond
    mean_q = integrate.quad(lambda x: math.exp(x) * density(x), 0, top)[0] / kept
    slope, rest = WIDE[0][1] / WIDE[1][1], WIDE[0][0] - WIDE[0][1] ** 2 / WIDE[1][1]
    mean_p = integrate.quad(lambda x: math.exp(math.log(6.25) + slope * (x - mu_q) + rest / 2)
                            * density(x), 0, top)[0] / kept
    means = cut.means
    assert means["q"] == pytest.approx(mean_q, rel=1e-7)
    assert means["p"] == pytest.approx(mean_p, rel=1e-7)
    assert means["gamma"] == pytest.approx(15.44 * math.exp(0.005), rel=1e-9)  # independent
    draws = cut.sample(np.random.default_rng(8), 200_000)
    assert draws[:, 1].min() > 1
    for column, name in enumerate(("p", "q", "gamma")):
        se = draws[:, column].std() / math.sqrt(len(draws))
        assert abs(draws[:, column].mean() - means[name]) < 4 * se, name


def test_the_scenarios_fields_hold_the_means_of_the_allowed_draws() -> None:
    """The effective scenario's p, q and gamma are the joint draw's truncated means."""
    scenario, _ = effective_scenario(program_of(SCENARIO))
    means = scenario.drawn_jointly["purchase.gamma_gamma"].means
    spend = scenario.purchase.gamma_gamma
    assert (spend.p, spend.q, spend.gamma) == (means["p"], means["q"], means["gamma"])
    assert spend.q > 3.74  # a lognormal's mean is above its median


@pytest.mark.parametrize("matrix, fine", [
    (COVARIANCE, True),
    (((1.0, 1.0), (1.0, 1.0)), True),  # perfectly correlated: singular but a covariance
    (((1.0, 1.1), (1.1, 1.0)), False),
    (((-0.1, 0.0), (0.0, 1.0)), False),
])
def test_covariance_problem_refuses_exactly_the_matrices_with_a_negative_eigenvalue(
        matrix, fine) -> None:
    """Positive semi-definite matrices are covariances; any negative eigenvalue is named."""
    problem = covariance_problem([list(row) for row in matrix])
    assert (problem is None) == fine
    if not fine:
        assert "not positive semi-definite" in problem

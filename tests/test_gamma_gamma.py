"""The Gamma-Gamma spend model: its log-likelihood's gradient and the fit's search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from sopdsl.calibration import gamma_gamma


def _buyers(seed: int, size: int, p: float, q: float, gamma: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Repeat buyers' purchase counts and mean values drawn from the model itself."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, size).astype(float)
    nu = rng.gamma(q, 1 / gamma, size)
    m = rng.gamma(p * x, 1 / (nu * x))
    return x, m


@settings(max_examples=60, deadline=None)
@given(params=st.tuples(st.floats(0.1, 30.0), st.floats(0.1, 30.0), st.floats(0.1, 500.0)),
       seed=st.integers(0, 2**32 - 1))
def test_gradient_equals_finite_differences(params: tuple[float, float, float], seed: int):
    """The analytic gradient of the log-likelihood agrees with finite differences of it."""
    x, m = _buyers(seed, 15, 3.0, 4.0, 20.0)
    weight = np.random.default_rng(seed).integers(1, 4, 15).astype(float)
    at = np.array(params)
    value, gradient = gamma_gamma.likelihood_gradient(x, m, weight)(at)
    assert value == pytest.approx(gamma_gamma.loglik(at, x, m, weight), rel=1e-12)
    expected = optimize.approx_fprime(
        at, lambda v: gamma_gamma.loglik(v, x, m, weight), 1e-7 * at)
    # forward differences err by about the curvature times the step: a scale-wide margin
    margin = 1e-4 * (1 + np.abs(expected).max())
    assert gradient == pytest.approx(expected, rel=1e-4, abs=margin)


def test_fit_recovers_the_parameters_at_the_likelihoods_maximum():
    """On 4,000 buyers drawn from known parameters the fit lands near them, at a point where
    no direction raises the log-likelihood."""
    x, m = _buyers(11, 4000, 6.0, 4.0, 15.0)
    fit = gamma_gamma.fit(x, m)
    for name, truth in zip(gamma_gamma.NAMES, (6.0, 4.0, 15.0)):
        estimate = fit.estimates[name]
        assert estimate.low < truth < estimate.high
    best = np.array([fit.value(name) for name in gamma_gamma.NAMES])
    for step in np.vstack([np.eye(3), -np.eye(3)]) * 1e-3:
        assert gamma_gamma.loglik(best * np.exp(step), x, m, np.ones(len(x))) <= fit.loglik

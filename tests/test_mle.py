"""Maximum likelihood fits: with an analytic gradient, the same fit as by differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.special import digamma, gammaln

from sopdsl.calibration import mle
from sopdsl.calibration.mle import fit_mle, hessian, hessian_of_gradient, negated


def _gamma_sample(shape: float, rate: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).gamma(shape, 1 / rate, 300)


def _gamma_loglik(values: np.ndarray):
    """The log-likelihood of a Gamma(shape, rate) sample and its gradient."""
    n, total, log_total = len(values), float(values.sum()), float(np.log(values).sum())

    def both(params: np.ndarray) -> tuple[float, np.ndarray]:
        shape, rate = params
        value = (n * (shape * math.log(rate) - gammaln(shape)) + (shape - 1) * log_total
                 - rate * total)
        return value, np.array([n * (math.log(rate) - digamma(shape)) + log_total,
                                n * shape / rate - total])
    return both


@settings(max_examples=15, deadline=None)
@given(shape=st.floats(0.3, 20.0), rate=st.floats(0.05, 50.0), seed=st.integers(0, 10**6))
def test_the_gradient_fit_equals_the_fit_by_differences(shape: float, rate: float, seed: int):
    """Estimates, standard errors and intervals agree whether the search and the Hessian use
    the analytic gradient or differences of the likelihood alone."""
    both = _gamma_loglik(_gamma_sample(shape, rate, seed))
    plain = fit_mle(lambda p: -both(p)[0], (1.0, 1.0), ("shape", "rate"), 300)
    fast = fit_mle(lambda p: -both(p)[0], (1.0, 1.0), ("shape", "rate"), 300,
                   with_gradient=negated(both))
    assert fast.loglik == pytest.approx(plain.loglik, rel=1e-10, abs=1e-8)
    for name in ("shape", "rate"):
        quick, slow = fast.estimates[name], plain.estimates[name]
        assert (quick.value, quick.se, quick.low, quick.high) == pytest.approx(
            (slow.value, slow.se, slow.low, slow.high), rel=1e-5)


def test_a_logit_parameter_has_the_binomial_closed_form():
    """A chance fitted on the logit link: k / n, standard error sqrt(p (1-p) / n)."""
    k, n = 37, 200

    def both(params: np.ndarray) -> tuple[float, np.ndarray]:
        chance = params[0]
        return (k * math.log(chance) + (n - k) * math.log(1 - chance),
                np.array([k / chance - (n - k) / (1 - chance)]))
    fit = fit_mle(lambda p: -both(p)[0], (0.5,), ("chance",), n, links=("logit",),
                  with_gradient=negated(both))
    chance = k / n
    assert fit.value("chance") == pytest.approx(chance, rel=1e-7)
    assert fit.estimates["chance"].se == pytest.approx(math.sqrt(chance * (1 - chance) / n),
                                                       rel=1e-6)


def test_the_hessian_of_the_gradient_equals_the_hessian_of_the_function():
    """Both difference schemes give the same second derivatives of a smooth function."""
    def function(v: np.ndarray) -> float:
        return float(np.exp(v[0]) * v[1] ** 2 + np.sin(v[0] * v[1]) + v[2] ** 4 * v[0])

    def gradient(v: np.ndarray) -> np.ndarray:
        return np.array([np.exp(v[0]) * v[1] ** 2 + v[1] * np.cos(v[0] * v[1]) + v[2] ** 4,
                         2 * np.exp(v[0]) * v[1] + v[0] * np.cos(v[0] * v[1]),
                         4 * v[2] ** 3 * v[0]])
    at = np.array([0.3, -1.2, 0.7])
    assert hessian_of_gradient(gradient, at) == pytest.approx(hessian(function, at), rel=1e-5)


def test_a_gradient_search_past_the_edge_hands_the_fit_to_the_simplex(monkeypatch):
    """When the maximum lies past the edge the gradient searches may reach, the fit is the
    simplex search's on differences, figure for figure."""
    both = _gamma_loglik(_gamma_sample(30.0, 0.2, 5))
    monkeypatch.setattr(mle, "EDGE", 2.0)  # the shape's maximum is near e^3.4
    plain = fit_mle(lambda p: -both(p)[0], (1.0, 1.0), ("shape", "rate"), 300)
    guarded = fit_mle(lambda p: -both(p)[0], (1.0, 1.0), ("shape", "rate"), 300,
                      with_gradient=negated(both))
    assert guarded == plain


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10**6), gain=st.floats(1e-9, 1e-3))
def test_a_maximum_is_where_a_newton_step_gains_next_to_nothing(seed: int, gain: float):
    """At a point of a quadratic negative log-likelihood whose Newton step would gain `gain`,
    the fit is at its maximum exactly when that gain is below NEWTON_GAIN; a saddle never is."""
    # At the threshold itself rounding in building the point decides the side (gain 1e-6).
    assume(abs(gain / mle.NEWTON_GAIN - 1) > 1e-9)
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(3, 3))
    curvature = root @ root.T + 0.1 * np.eye(3)
    direction = rng.normal(size=3)
    step_gain = direction @ np.linalg.solve(curvature, direction) / 2
    slope = direction * math.sqrt(gain / step_gain)
    assert mle.at_maximum(slope, curvature) == (gain < mle.NEWTON_GAIN)
    saddle = curvature - 2 * np.linalg.eigvalsh(curvature)[-1] * np.outer(
        np.linalg.eigh(curvature)[1][:, -1], np.linalg.eigh(curvature)[1][:, -1])
    assert not mle.at_maximum(np.zeros(3), saddle)


@pytest.mark.parametrize("gradient", [False, True])
def test_a_fit_that_starts_on_a_saddle_has_not_converged(gradient: bool):
    """A search started where the slope is flat but the likelihood does not curve down every
    way stops at once with success; the fit still says it found no maximum."""
    def both(params: np.ndarray) -> tuple[float, np.ndarray]:
        x, y = np.log(params)
        return float(x * x - y * y), np.array([2 * x, -2 * y]) / params
    fit = fit_mle(lambda p: both(p)[0], (1.0, 1.0), ("x", "y"), 100, search=False,
                  with_gradient=both if gradient else None)
    assert fit.value("x") == fit.value("y") == 1.0
    assert not fit.converged


@pytest.mark.parametrize("gradient", [False, True])
def test_a_gamma_fit_converges(gradient: bool):
    """Fits of well-behaved samples, with and without the analytic gradient, are maxima."""
    both = _gamma_loglik(_gamma_sample(2.5, 0.7, 11))
    fit = fit_mle(lambda p: -both(p)[0], (1.0, 1.0), ("shape", "rate"), 300,
                  with_gradient=negated(both) if gradient else None)
    assert fit.converged

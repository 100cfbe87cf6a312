"""BG/NBD by maximum likelihood: the published CDNOW fit, and the likelihood against its paper."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from sopdsl.calibration import bgnbd
from sopdsl.calibration.calibrate import Calibration, calibrate

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", on CDNOW weeks 1-39.
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOGLIK = -9582.4
# Fader, Hardie & Lee (2005), "RFM and CLV", on the 946 repeat buyers of the same weeks.
PUBLISHED_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow(cdnow_files: tuple[Path, Path]) -> Calibration:
    """The CDNOW log calibrated on weeks 1-39, without parameter draws."""
    customers, events = cdnow_files
    return calibrate(customers, events, until=dt.datetime(1997, 10, 1), uncertainty=False)


def test_cdnow_reproduces_the_published_bgnbd_fit(cdnow: Calibration):
    """r, alpha, a and b per week to the third decimal, and the log-likelihood."""
    fit = cdnow.fits["bgnbd"]
    assert fit.n == 2357
    assert {name: round(fit.value(name), 3) for name in PUBLISHED} == PUBLISHED
    assert fit.loglik == pytest.approx(PUBLISHED_LOGLIK, abs=0.05)
    assert fit.converged


def test_cdnow_reproduces_the_published_gamma_gamma_fit(cdnow: Calibration):
    """p, q and gamma on the 946 repeat buyers' mean spend per repeat purchase day."""
    fit = cdnow.fits["gamma_gamma"]
    assert fit.n == 946
    assert {name: round(fit.value(name), 2) for name in PUBLISHED_SPEND} == PUBLISHED_SPEND
    assert fit.converged


def test_cdnow_scenario_writes_the_fit_per_week(cdnow: Calibration):
    """The purchase block holds the fitted numbers, `per 7d`, and a comment on each."""
    from sopdsl.calibration.text import scenario_text

    text = scenario_text(cdnow)
    assert "    bgnbd {\n      r 0.2426  # n = 2,357 buyers; se 0.01" in text
    assert "      per 7d  # log-likelihood -9582.4" in text
    assert "    value gamma_gamma {\n      p 6.25" in text


def _loglik_by_the_formula(r, alpha, a, b, x, t_x, T):
    """Eq. 6 of the paper, term by term, with math.lgamma: no shared code with the module."""
    lbeta = lambda u, v: math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)  # noqa: E731
    a1 = (alpha + T) ** -(r + x)
    a2 = a / (b + x - 1) * (alpha + t_x) ** -(r + x) if x > 0 else 0.0
    return (math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha)
            + lbeta(a, b + x) - lbeta(a, b) + math.log(a1 + a2))


def test_loglik_matches_the_paper_term_by_term():
    """The vectorised, weighted log-likelihood equals eq. 6 summed customer by customer."""
    x = np.array([0, 1, 2, 7, 0])
    t_x = np.array([0.0, 3.5, 10.0, 30.1, 0.0])
    T = np.array([20.0, 38.9, 12.0, 35.0, 0.0])
    weight = np.array([3.0, 1.0, 2.0, 1.0, 1.0])
    params = (0.4, 5.0, 0.9, 2.1)
    expected = sum(w * _loglik_by_the_formula(*params, *row)
                   for w, row in zip(weight, zip(x, t_x, T)))
    assert bgnbd.loglik(np.array(params), x, t_x, T, weight) == pytest.approx(expected,
                                                                              rel=1e-12)


def test_loglik_is_a_probability_for_a_customer_who_never_buys_again():
    """With x = 0 the likelihood is P(no purchase in T) = (alpha / (alpha + T))^r, below 1."""
    value = bgnbd.loglik(np.array([0.5, 2.0, 1.0, 1.0]), np.array([0]), np.array([0.0]),
                         np.array([6.0]), np.array([1.0]))
    assert value == pytest.approx(0.5 * math.log(2.0 / 8.0))


def _customers(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BG/NBD customers drawn from r 0.5, alpha 4, a 0.8, b 2.5 over a year, in weeks."""
    rng = np.random.default_rng(seed)
    x, t_x, T = np.zeros(n), np.zeros(n), rng.uniform(1, 52, n)
    for i in range(n):
        rate, drop, now = rng.gamma(0.5, 1 / 4.0), rng.beta(0.8, 2.5), 0.0
        while True:
            now += rng.exponential(1 / rate)
            if now >= T[i]:
                break
            x[i], t_x[i] = x[i] + 1, now
            if rng.random() < drop:
                break
    return x, t_x, T


def test_large_data_starts_from_a_thinned_sample_and_finds_the_same_maximum(monkeypatch):
    """Past the limit, a fit on every k-th customer starts the gradient search on all of
    them: the same maximum and standard errors as the full search, Wald intervals."""
    x, t_x, T = _customers(3, 3000)
    full = bgnbd.fit(x, t_x, T)
    monkeypatch.setattr(bgnbd, "PROFILE_LIMIT", 400)
    large = bgnbd.fit(x, t_x, T)
    assert large.loglik == pytest.approx(full.loglik, abs=1e-6)
    for name in bgnbd.NAMES:
        assert large.value(name) == pytest.approx(full.value(name), rel=1e-4)
        assert large.estimates[name].se == pytest.approx(full.estimates[name].se, rel=1e-2)


def test_without_profile_the_fit_is_the_same_with_wald_intervals():
    """A back-test's fit skips the profile likelihood: the same estimates and standard
    errors, and the intervals estimate x exp(+-1.96 se / estimate) on the log scale."""
    x, t_x, T = _customers(5, 400)
    profiled, wald = bgnbd.fit(x, t_x, T), bgnbd.fit(x, t_x, T, profile=False)
    for name in bgnbd.NAMES:
        fitted, quick = profiled.estimates[name], wald.estimates[name]
        assert quick.value == pytest.approx(fitted.value) and quick.se == pytest.approx(fitted.se)
        spread = 1.959964 * quick.se / quick.value
        assert (quick.low, quick.high) == pytest.approx(
            (quick.value * math.exp(-spread), quick.value * math.exp(spread)), rel=1e-4)
        assert (quick.low, quick.high) != pytest.approx((fitted.low, fitted.high), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(params=st.tuples(*(st.floats(0.05, 20.0) for _ in range(4))),
       seed=st.integers(0, 2**32 - 1))
def test_gradient_equals_finite_differences(params: tuple[float, ...], seed: int):
    """The analytic gradient of the log-likelihood agrees with finite differences of it, over
    customers who never bought again, bought once (b + x - 1 = b) and often."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(0.5, 40.0, 12)
    x = rng.integers(0, 6, 12).astype(float)
    t_x = np.where(x > 0, rng.uniform(0.0, 1.0, 12) * T, 0.0)
    weight = rng.integers(1, 4, 12).astype(float)
    at = np.array(params)
    value, gradient = bgnbd.likelihood_gradient(x, t_x, T, weight)(at)
    assert value == pytest.approx(bgnbd.loglik(at, x, t_x, T, weight), rel=1e-12)
    expected = optimize.approx_fprime(
        at, lambda p: bgnbd.loglik(p, x, t_x, T, weight), 1e-7 * at)
    # forward differences err by about the curvature times the step: a scale-wide margin
    margin = 1e-4 * (1 + np.abs(expected).max())
    assert gradient == pytest.approx(expected, rel=1e-4, abs=margin)

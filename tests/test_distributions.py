"""Tests for scenario distributions: parameters, exact means, seeded sampling, truncation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from sopdsl.scenario.distributions import Distribution, duration_text, parameter_problem

N = 40_000


def dist(kind: str, *params: float, low: float | None = None, high: float | None = None,
         unit: str = "number") -> Distribution:
    return Distribution(kind=kind, params=params, low=low, high=high, unit=unit)


def density_mean(pdf, low: float, high: float, steps: int = 200_000) -> float:
    """The mean of a density restricted to low..high, by the midpoint rule."""
    width = (high - low) / steps
    xs = low + width * (np.arange(steps) + 0.5)
    weights = pdf(xs)
    return float((xs * weights).sum() / weights.sum())


def normal_pdf(mean: float, sd: float):
    return lambda x: np.exp(-((x - mean) / sd) ** 2 / 2)


def lognormal_pdf(median: float, sigma: float):
    return lambda x: np.exp(-((np.log(x) - math.log(median)) / sigma) ** 2 / 2) / x


UNTRUNCATED = [
    (dist("normal", 32, 8), 32.0, 64.0),
    (dist("lognormal", 300, 0.6), 300 * math.exp(0.18),
     (math.exp(0.36) - 1) * 300**2 * math.exp(0.36)),
    (dist("uniform", 18, 60), 39.0, 42**2 / 12),
    (dist("exponential", 120, unit="minutes"), 120.0, 120.0**2),
    (dist("poisson", 0.6), 0.6, 0.6),
    (dist("fixed", 3), 3.0, 0.0),
]


@pytest.mark.parametrize(("distribution", "mean", "variance"), UNTRUNCATED,
                         ids=[d.kind for d, _, _ in UNTRUNCATED])
def test_exact_mean(distribution: Distribution, mean: float, variance: float) -> None:
    """The mean is the closed form of each kind (lognormal is median times exp(sigma²/2))."""
    assert distribution.mean == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize(("distribution", "mean", "variance"), UNTRUNCATED,
                         ids=[d.kind for d, _, _ in UNTRUNCATED])
def test_sample_mean_within_five_standard_errors(
    distribution: Distribution, mean: float, variance: float
) -> None:
    """A seeded sample's mean lies within 5 standard errors of the exact mean."""
    sample = distribution.sample(np.random.default_rng(7), N)
    assert sample.shape == (N,)
    assert abs(sample.mean() - mean) <= 5 * math.sqrt(variance / N) + 1e-12


TRUNCATED = [
    (dist("normal", 32, 8, low=18, high=70), normal_pdf(32, 8)),
    (dist("normal", 32, 8, low=40, high=90), normal_pdf(32, 8)),
    (dist("lognormal", 300, 0.6, low=100, high=500), lognormal_pdf(300, 0.6)),
    (dist("exponential", 2, low=1, high=5), lambda x: np.exp(-x / 2)),
    (dist("uniform", 0, 10, low=4, high=20), lambda x: (x <= 10).astype(float)),
]


@pytest.mark.parametrize(("distribution", "pdf"), TRUNCATED,
                         ids=[d.text() for d, _ in TRUNCATED])
def test_truncated_mean_matches_the_integrated_density(distribution: Distribution, pdf) -> None:
    """The truncated mean equals the mean of the density integrated over the range."""
    expected = density_mean(pdf, distribution.low, distribution.high)
    assert distribution.mean == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(("distribution", "pdf"), TRUNCATED,
                         ids=[d.text() for d, _ in TRUNCATED])
def test_truncated_samples_stay_in_range_near_the_mean(distribution: Distribution, pdf) -> None:
    """Every truncated draw lies in the range; the sample mean is within 5 standard errors."""
    sample = distribution.sample(np.random.default_rng(11), N)
    assert sample.shape == (N,)
    assert sample.min() >= distribution.low and sample.max() <= distribution.high
    bound_sd = (distribution.high - distribution.low) / 2  # the largest sd a range allows
    assert abs(sample.mean() - distribution.mean) <= 5 * bound_sd / math.sqrt(N)


def test_truncated_poisson_mean_is_the_conditional_mean() -> None:
    """A poisson cut to 1..3 has the mean of k weighted by its probability over 1, 2, 3."""
    weights = {k: 2.0**k / math.factorial(k) for k in (1, 2, 3)}
    expected = sum(k * w for k, w in weights.items()) / sum(weights.values())
    truncated = dist("poisson", 2, low=1, high=3)
    assert truncated.mean == pytest.approx(expected, rel=1e-12)
    assert set(np.unique(truncated.sample(np.random.default_rng(3), 2000))) == {1.0, 2.0, 3.0}


def test_same_seed_same_sample() -> None:
    """Two generators with the same seed give the same draws."""
    normal = dist("normal", 32, 8, low=18, high=70)
    first = normal.sample(np.random.default_rng(5), 100)
    assert np.array_equal(first, normal.sample(np.random.default_rng(5), 100))
    assert not np.array_equal(first, normal.sample(np.random.default_rng(6), 100))


@pytest.mark.parametrize(("kind", "params", "phrase"), [
    ("normal", (32,), "takes 2 parameters (mean, standard deviation), not 1"),
    ("exponential", (1, 2), "takes 1 parameter (mean), not 2"),
    ("normal", (32, 0), "standard deviation must be above 0"),
    ("lognormal", (300, -1), "median and sigma must be above 0"),
    ("lognormal", (0, 0.5), "median and sigma must be above 0"),
    ("uniform", (60, 18), "low end is above its high end"),
    ("exponential", (0,), "mean must be above 0"),
    ("poisson", (-1,), "mean must not be below 0"),
])
def test_parameters_that_describe_nothing(kind: str, params: tuple, phrase: str) -> None:
    """Impossible parameters are named, and the model refuses them."""
    assert phrase in parameter_problem(kind, params)
    with pytest.raises(ValidationError, match="describes no distribution"):
        Distribution(kind=kind, params=params)


@pytest.mark.parametrize(("kind", "params"), [
    ("normal", (32, 0.001)), ("uniform", (5, 5)), ("poisson", (0,)), ("fixed", (0,)),
    ("lognormal", (0.1, 3)),
])
def test_near_misses_are_distributions(kind: str, params: tuple) -> None:
    """Parameters just inside the valid region describe a distribution."""
    assert parameter_problem(kind, params) is None
    Distribution(kind=kind, params=params)


def test_a_range_that_keeps_almost_nothing_is_refused() -> None:
    """A range beyond the bulk of the distribution, or an empty one, is refused."""
    with pytest.raises(ValidationError, match="keeps almost none of `normal\\(32, 8\\)`"):
        dist("normal", 32, 8, low=100, high=200)
    with pytest.raises(ValidationError, match="is empty"):
        dist("uniform", 0, 10, low=8, high=2)
    with pytest.raises(ValidationError, match="keeps almost none"):
        dist("fixed", 3, low=4, high=9)
    assert dist("normal", 32, 8, low=48, high=200).kept_mass() == pytest.approx(0.02275, rel=1e-3)


def test_text_writes_what_a_playbook_writes() -> None:
    """Durations come back as durations, numbers as numbers, the range after `in`."""
    assert dist("exponential", 120, unit="minutes").text() == "exponential(2h)"
    assert dist("lognormal", 90, 0.5, unit="minutes").text() == "lognormal(1h30m, 0.5)"
    assert dist("normal", 32, 8, low=18, high=70).text() == "normal(32, 8) in 18..70"
    assert dist("poisson", 0.6).text() == "poisson(0.6)"


@pytest.mark.parametrize(("minutes", "text"), [
    (30, "30m"), (90, "1h30m"), (1440, "1d"), (2160, "1d12h"), (129600, "90d"), (0, "0m"),
    (2.5, "2.5m"),
])
def test_duration_text(minutes: float, text: str) -> None:
    """Minutes print as the shortest duration in days, hours and minutes."""
    assert duration_text(minutes) == text


def test_wide_poisson_ranges_are_computed_quickly_and_exactly_enough() -> None:
    """A poisson range far wider than its mass, or around a huge mean, needs no long sums."""
    assert dist("poisson", 2, low=0, high=1e15).kept_mass() == pytest.approx(1, rel=1e-12)
    assert dist("poisson", 2, low=1, high=1e15).mean == pytest.approx(2 / (1 - math.exp(-2)))
    huge = dist("poisson", 1e8, low=1e8, high=1e12)
    assert huge.kept_mass() == pytest.approx(0.5, abs=1e-3)
    assert huge.mean == pytest.approx(1e8 + 1e4 * math.sqrt(2 / math.pi), rel=1e-6)


def test_infinite_parameters_are_refused() -> None:
    """Parameters beyond floating point describe no distribution."""
    assert parameter_problem("normal", (math.inf, 1)) == "its parameters must be finite numbers"

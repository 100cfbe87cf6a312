"""Means and 95% intervals over replications: Student t, for a mean and for a paired difference.

The t quantile is computed here (the regularised incomplete beta function by its continued
fraction, then bisection) instead of importing SciPy for one function; it agrees with
published tables to every printed digit. Plain Python only, so reports load no numpy.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
# Reports keep this many significant digits: far beyond any forecast's precision, and free of
# the last-bit noise that differs between platforms' maths libraries.
REPORTED_DIGITS = 10
_TINY = 1e-300
_PRECISION = 1e-15
_MAX_TERMS = 500


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95% interval; one observation gives a zero-width interval."""

    mean: float
    low: float
    high: float

    def as_dict(self) -> dict:
        """`{"mean": x, "ci95": [lo, hi]}`, the shape of every figure in a report."""
        return {"mean": _reported(self.mean), "ci95": [_reported(self.low), _reported(self.high)]}

    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        return self.low > 0 or self.high < 0


def estimate(values: Sequence[float]) -> Estimate:
    """The mean of `values` and its Student t 95% interval (`n - 1` degrees of freedom)."""
    n = len(values)
    if n == 0:
        raise ValueError("an estimate needs at least one value")
    mean = math.fsum(values) / n
    if n == 1:
        return Estimate(mean, mean, mean)
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile(0.5 + CONFIDENCE / 2, n - 1) * math.sqrt(variance / n)
    return Estimate(mean, mean - half, mean + half)


def paired_difference(a: Sequence[float], b: Sequence[float]) -> Estimate:
    """The mean of `b - a` over paired replications, with its paired t 95% interval."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    return estimate([y - x for x, y in zip(a, b)])


@functools.lru_cache(maxsize=256)
def t_quantile(p: float, df: float) -> float:
    """The `p` quantile of Student's t distribution with `df` degrees of freedom."""
    if not 0 < p < 1 or df <= 0:
        raise ValueError("need 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    while high - low > _PRECISION * max(1.0, high):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    front = math.exp(log_front)
    # The continued fraction converges fast only below the mean; use the symmetry above it.
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    c, d = 1.0, _nonzero(1 - (a + b) * x / (a + 1))
    d = 1 / d
    result = d
    for m in range(1, _MAX_TERMS + 1):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d, c = 1 / _nonzero(1 + even * d), _nonzero(1 + even / c)
        result *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d, c = 1 / _nonzero(1 + odd * d), _nonzero(1 + odd / c)
        step = d * c
        result *= step
        if abs(step - 1) < _PRECISION:
            break
    return result


def _reported(value: float) -> float:
    return float(f"{value:.{REPORTED_DIGITS}g}")


def _nonzero(value: float) -> float:
    return value if abs(value) > _TINY else _TINY

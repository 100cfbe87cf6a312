"""Means and 95% intervals over replications: Student t, for a mean and for a paired difference.

The t quantile is SciPy's; it is imported on the first interval with more than one value.
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
    from scipy.stats import t

    return float(t.ppf(p, df))


def _reported(value: float) -> float:
    return float(f"{value:.{REPORTED_DIGITS}g}")

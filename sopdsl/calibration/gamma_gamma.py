"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie,
"The Gamma-Gamma model of monetary value").

Each purchase's value ~ Gamma(shape p, rate nu); each customer's nu ~ Gamma(shape q, rate
gamma). A customer's data is x (purchases counted) and m (their mean value); the mean of x
values given nu is Gamma(p x, nu x), so nu integrates out in closed form.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from sopdsl.calibration.mle import Fit, fit_mle

NAMES = ("p", "q", "gamma")


def loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray, weight: np.ndarray) -> float:
    """The summed log-likelihood of customers' mean values m over x purchases:

    ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln m + px ln x - (px+q) ln(gamma + m x).
    """
    p, q, gamma = params
    px = p * x
    each = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + m * x))
    return float(np.dot(weight, each))


def fit(x: np.ndarray, m: np.ndarray) -> Fit:
    """The maximum likelihood Gamma-Gamma parameters of customers with x >= 1 and mean m > 0."""
    weight = np.ones(len(x))
    start = (1.0, 1.0, max(float(np.mean(m)), 1e-9))
    return fit_mle(lambda v: -loglik(v, x, m, weight), start, NAMES, int(len(x)))


def mean_value(p: float, q: float, gamma: float) -> float:
    """The population's mean purchase value, p gamma / (q - 1) (infinite when q <= 1)."""
    return p * gamma / (q - 1) if q > 1 else float("inf")

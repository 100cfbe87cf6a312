"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie,
"The Gamma-Gamma model of monetary value").

Each purchase's value ~ Gamma(shape p, rate nu); each customer's nu ~ Gamma(shape q, rate
gamma). A customer's data is x (purchases counted) and m (their mean value); the mean of x
values given nu is Gamma(p x, nu x), so nu integrates out in closed form.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import digamma, gammaln

from sopdsl.calibration.mle import Fit, fit_mle, negated, thinned

NAMES = ("p", "q", "gamma")
# Past this many repeat buyers the simplex search runs on a thinned sample, the gradient
# search on all of them from there.
SEARCH_LIMIT = 20_000


def loglik(params: np.ndarray, x: np.ndarray, m: np.ndarray, weight: np.ndarray) -> float:
    """The summed log-likelihood of customers' mean values m over x purchases:

    ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln m + px ln x - (px+q) ln(gamma + m x).
    """
    return likelihood(x, m, weight)(params)


def likelihood(x: np.ndarray, m: np.ndarray,
               weight: np.ndarray) -> Callable[[np.ndarray], float]:
    """`loglik` of these customers as a function of the parameters alone."""
    terms = _terms(x, m, weight)
    return lambda params: terms(params, False)[0]


def likelihood_gradient(x: np.ndarray, m: np.ndarray, weight: np.ndarray
                        ) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """`loglik` of these customers and its gradient in (p, q, gamma)."""
    terms = _terms(x, m, weight)
    return lambda params: terms(params, True)


def _terms(x: np.ndarray, m: np.ndarray, weight: np.ndarray
           ) -> Callable[[np.ndarray, bool], tuple[float, np.ndarray | None]]:
    """The log-likelihood of these customers, and on request its gradient."""
    # x takes few values: the terms of x alone are computed once per distinct x.
    x, m, weight = (np.asarray(v, dtype=float) for v in (x, m, weight))
    counts, which = np.unique(x, return_inverse=True)
    which = which.ravel()
    per_count = np.bincount(which, weights=weight, minlength=len(counts))
    log_m, spent = np.log(m), m * x
    # The sums over customers of the terms linear in p: (x ln m + x ln x) and ln m.
    linear = float(np.dot(weight, x * log_m + x * np.log(x)))
    log_m_total = float(np.dot(weight, log_m))
    weight_x = weight * x

    def value(params: np.ndarray, gradient: bool) -> tuple[float, np.ndarray | None]:
        p, q, gamma = params
        px = p * counts
        log_gamma_spent = np.log(gamma + spent)
        each_count = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
        total = float(np.dot(per_count, each_count) + p * linear - log_m_total
                      - np.dot(weight, (p * x + q) * log_gamma_spent))
        if not gradient:
            return total, None
        both = digamma(px + q)
        d_p = (np.dot(per_count, counts * (both - digamma(px))) + linear
               - np.dot(weight_x, log_gamma_spent))
        d_q = (np.dot(per_count, both - digamma(q) + np.log(gamma))
               - np.dot(weight, log_gamma_spent))
        d_gamma = (per_count.sum() * q / gamma
                   - np.dot(weight, (p * x + q) / (gamma + spent)))
        return total, np.array([d_p, d_q, d_gamma], dtype=float)

    return value


def fit(x: np.ndarray, m: np.ndarray) -> Fit:
    """The maximum likelihood Gamma-Gamma parameters of customers with x >= 1 and mean m > 0."""
    weight = np.ones(len(x))
    start = (1.0, 1.0, max(float(np.mean(m)), 1e-9))
    small = len(x) <= SEARCH_LIMIT
    if not small:
        sx, sm, sw = thinned(x, m, weight, limit=SEARCH_LIMIT)
        sample = likelihood(sx, sm, sw)
        rough = fit_mle(lambda v: -sample(v), start, NAMES, len(sw),
                        with_gradient=negated(likelihood_gradient(sx, sm, sw)))
        start = tuple(rough.value(name) for name in NAMES)
    every = likelihood(x, m, weight)
    return fit_mle(lambda v: -every(v), start, NAMES, int(len(x)), search=small,
                   with_gradient=negated(likelihood_gradient(x, m, weight)))


def mean_value(p: float, q: float, gamma: float) -> float:
    """The population's mean purchase value, p gamma / (q - 1) (infinite when q <= 1)."""
    return p * gamma / (q - 1) if q > 1 else float("inf")

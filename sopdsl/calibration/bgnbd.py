"""The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While active a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after
each purchase they drop out for good with probability p ~ Beta(a, b). A customer's data is x
(repeat purchases), t_x (the time of the last one from the first) and T (from the first to the
end of the observation period).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import betaln, digamma, gammaln

from sopdsl.calibration.mle import Fit, fit_mle, negated, thinned

NAMES = ("r", "alpha", "a", "b")
# Up to this many distinct (x, t_x, T) the intervals are profile likelihood ones (a and b are
# far from quadratic in small samples); beyond, Wald intervals on the log scale, which agree
# with them there and cost a few likelihood evaluations instead of thousands.
PROFILE_LIMIT = 20_000


def loglik(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
           weight: np.ndarray) -> float:
    """The summed log-likelihood of eq. 6 of the paper over customers (weight: how many share
    each (x, t_x, T)).

    LL = ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x) - ln B(a, b) + ln(A1 + [x>0] A2), with
    A1 = (alpha+T)^-(r+x) and A2 = a / (b+x-1) (alpha+t_x)^-(r+x).
    """
    return likelihood(x, t_x, T, weight)(params)


def likelihood(x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
               weight: np.ndarray) -> Callable[[np.ndarray], float]:
    """`loglik` of these customers as a function of the parameters alone."""
    terms = _terms(x, t_x, T, weight)
    return lambda params: terms(params, False)[0]


def likelihood_gradient(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weight: np.ndarray
                        ) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """`loglik` of these customers and its gradient in (r, alpha, a, b)."""
    terms = _terms(x, t_x, T, weight)
    return lambda params: terms(params, True)


def _terms(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weight: np.ndarray
           ) -> Callable[[np.ndarray, bool], tuple[float, np.ndarray | None]]:
    """The log-likelihood of these customers, and on request its gradient."""
    # x takes few values: the terms of x alone are computed once per distinct x and summed
    # with the weight of the customers that share it.
    counts, which = np.unique(np.asarray(x, dtype=float), return_inverse=True)
    which = which.ravel()
    per_count = np.bincount(which, weights=weight, minlength=len(counts))
    repeat = counts > 0
    t_x, T = np.asarray(t_x, dtype=float), np.asarray(T, dtype=float)
    weight = np.asarray(weight, dtype=float)

    def value(params: np.ndarray, gradient: bool) -> tuple[float, np.ndarray | None]:
        r, alpha, a, b = params
        power = -(r + counts)
        log_alpha_T = np.log(alpha + T)
        log_a1 = power[which] * log_alpha_T
        log_shift = np.full_like(counts, -np.inf)
        log_shift[repeat] = np.log(a) - np.log(b + counts[repeat] - 1)
        log_alpha_t = np.log(alpha + t_x)
        log_a2 = log_shift[which] + power[which] * log_alpha_t
        each_count = (gammaln(r + counts) - gammaln(r) + r * np.log(alpha)
                      + betaln(a, b + counts) - betaln(a, b))
        log_sum = np.logaddexp(log_a1, log_a2)
        total = float(np.dot(per_count, each_count) + np.dot(weight, log_sum))
        if not gradient:
            return total, None
        # ln(A1 + A2) moves with each A in proportion to its share of the sum.
        share2 = weight * np.exp(log_a2 - log_sum)
        share1 = weight - share2
        share2_by_count = np.bincount(which, weights=share2, minlength=len(counts))
        inverse_shift = np.zeros_like(counts)
        inverse_shift[repeat] = 1 / (b + counts[repeat] - 1)
        both, ab_x = digamma(a + b), digamma(a + b + counts)
        d_r = (np.dot(per_count, digamma(r + counts) - digamma(r) + np.log(alpha))
               - np.dot(share1, log_alpha_T) - np.dot(share2, log_alpha_t))
        d_alpha = (per_count.sum() * r / alpha
                   + np.dot(power[which], share1 / (alpha + T) + share2 / (alpha + t_x)))
        d_a = np.dot(per_count, both - ab_x) + share2_by_count.sum() / a
        d_b = (np.dot(per_count, digamma(b + counts) - digamma(b) + both - ab_x)
               - np.dot(share2_by_count, inverse_shift))
        return total, np.array([d_r, d_alpha, d_a, d_b], dtype=float)

    return value


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, profile: bool = True) -> Fit:
    """The maximum likelihood BG/NBD parameters of customers' (x, t_x, T), time in any unit;
    without `profile` the intervals are Wald's even on small data (far cheaper)."""
    triples = np.stack([x, t_x, T], axis=1).astype(float)
    unique, weight = np.unique(triples, axis=0, return_counts=True)
    ux, ut, uT = unique[:, 0], unique[:, 1], unique[:, 2]
    weight = weight.astype(float)
    scale = max(float(np.mean(T)), 1e-9)
    start = (1.0, scale, 1.0, 1.0)
    small = len(weight) <= PROFILE_LIMIT
    if not small:
        sx, st, sT, sw = thinned(ux, ut, uT, weight, limit=PROFILE_LIMIT)
        sample = likelihood(sx, st, sT, sw)
        rough = fit_mle(lambda p: -sample(p), start, NAMES, len(sw),
                        with_gradient=negated(likelihood_gradient(sx, st, sT, sw)))
        start = tuple(rough.value(name) for name in NAMES)
    every = likelihood(ux, ut, uT, weight)
    return fit_mle(lambda p: -every(p), start, NAMES, int(len(x)),
                   profile=small and profile, search=small,
                   with_gradient=negated(likelihood_gradient(ux, ut, uT, weight)))


def p_alive(r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray,
            T: np.ndarray) -> np.ndarray:
    """The chance each customer of (x, t_x, T) is still active at T (eq. 12 of the paper).

    1 / (1 + [x>0] a / (b+x-1) ((alpha+T) / (alpha+t_x))^(r+x)); one who never bought again
    has had no chance to drop out.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    odds = np.zeros_like(x)
    buyers = x > 0
    xb = x[buyers]
    odds[buyers] = np.exp(np.log(a) - np.log(b + xb - 1)
                          + (r + xb) * (np.log(alpha + T[buyers]) - np.log(alpha + t_x[buyers])))
    return 1 / (1 + odds)

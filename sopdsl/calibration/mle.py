"""Maximum likelihood over positive parameters: the fit, its standard errors and 95% intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

CONFIDENCE = 0.95
Z95 = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
# The simplex search's budget; BFGS then polishes. A likelihood still climbing after this
# many steps runs off to the edge of the parameter space (the data shows no heterogeneity).
MAX_EVALUATIONS = 4000


@dataclass(frozen=True)
class ParameterEstimate:
    """One fitted figure: its value, standard error and 95% interval (None when unknown)."""

    value: float
    se: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Fit:
    """A maximum likelihood fit: each parameter's estimate, the log-likelihood, the sample size."""

    estimates: dict[str, ParameterEstimate]
    loglik: float
    n: int
    converged: bool
    # The estimates' covariance on the link scale (log for positive parameters), in the order
    # of `estimates`: the inverse Hessian; None when the likelihood is flat somewhere.
    link_covariance: tuple[tuple[float, ...], ...] | None = None

    def value(self, name: str) -> float:
        """The fitted value of one parameter."""
        return self.estimates[name].value


def hessian(function: Callable[[np.ndarray], float], at: np.ndarray,
            step: float = 1e-4) -> np.ndarray:
    """The matrix of second derivatives by central differences."""
    size = len(at)
    out = np.empty((size, size))
    for i in range(size):
        for j in range(i, size):
            def shifted(di: float, dj: float) -> float:
                point = at.astype(float)
                point[i] += di
                point[j] += dj
                return function(point)
            value = (shifted(step, step) - shifted(step, -step) - shifted(-step, step)
                     + shifted(-step, -step)) / (4 * step * step)
            out[i, j] = out[j, i] = value
    return out


_LINKS = {  # each parameter is searched on a scale where any real number is a valid value
    "log": (np.log, np.exp),
    "logit": (special.logit, special.expit),
    "identity": (lambda v: v, lambda v: v),
}


def fit_mle(negative_loglik: Callable[[np.ndarray], float], start: Sequence[float],
            names: Sequence[str], n: int, links: Sequence[str] | None = None,
            profile: bool = False, search: bool = True) -> Fit:
    """Minimise a negative log-likelihood of the natural parameters, searched on their links
    (`log` for positive ones, `logit` for probabilities; default all `log`).

    Standard errors come from the inverse Hessian on the link scale (the natural-scale one is
    the delta method's). Each interval is the link-scale estimate +- 1.96 se mapped back, so
    it stays in the parameter's range; with `profile`, it is the profile likelihood interval
    instead (where twice the log-likelihood falls 3.84 below its maximum, the others
    re-fitted), which holds its 95% where the likelihood is far from quadratic. Without
    `search` the start must be near the maximum (a fit on a thinned sample): only the
    gradient search runs, which takes far fewer evaluations on large data.
    """
    links = tuple(links or ("log",) * len(names))
    forward = [_LINKS[link][0] for link in links]
    back = [_LINKS[link][1] for link in links]

    def natural(free: np.ndarray) -> np.ndarray:
        return np.array([back[i](free[i]) for i in range(len(free))])

    def on_links(free: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = negative_loglik(natural(free))
        return float(value) if np.isfinite(value) else 1e300

    first = np.array([forward[i](float(v)) for i, v in enumerate(start)])
    result = optimize.minimize(on_links, first, method="Nelder-Mead",
                               options={"xatol": 1e-7, "fatol": 1e-9, "maxfev": MAX_EVALUATIONS,
                                        "adaptive": True}) if search else None
    polished = optimize.minimize(on_links, result.x if result else first, method="BFGS",
                                 options={"gtol": 1e-8})
    best = polished if result is None or polished.fun <= result.fun else result
    free = best.x
    covariance = _inverse(hessian(on_links, free))
    estimates = {}
    for index, name in enumerate(names):
        value = float(back[index](free[index]))
        variance = covariance[index, index] if covariance is not None else np.nan
        if not (np.isfinite(variance) and variance > 0):
            estimates[name] = ParameterEstimate(value, None, None, None)
            continue
        se = float(np.sqrt(variance))
        step = 1e-6
        slope = (back[index](free[index] + step) - back[index](free[index] - step)) / (2 * step)
        low, high = (_profile_bounds(on_links, free, float(best.fun), index, se) if profile
                     else (free[index] - Z95 * se, free[index] + Z95 * se))
        estimates[name] = ParameterEstimate(value, abs(float(slope)) * se,
                                            float(back[index](low)), float(back[index](high)))
    return Fit(estimates, -float(best.fun), n,
               bool(polished.success or (result is not None and result.success)),
               None if covariance is None else tuple(map(tuple, covariance.tolist())))


def thinned(*arrays: np.ndarray, limit: int) -> list[np.ndarray]:
    """Every k-th element of each array, k chosen so at most about `limit` remain: a sample
    whose fit starts the fit on all the data near its maximum."""
    step = max(len(arrays[0]) // limit, 1)
    return [array[::step] for array in arrays]


def _profile_bounds(on_links: Callable[[np.ndarray], float], free: np.ndarray, lowest: float,
                    index: int, se: float) -> tuple[float, float]:
    """Where the profile negative log-likelihood of parameter `index` (link scale) rises
    chi2(1, 0.95) / 2 above its minimum, on either side of the estimate."""
    rise = float(stats.chi2.ppf(CONFIDENCE, 1)) / 2
    others = [j for j in range(len(free)) if j != index]
    warm = free[others].copy()

    def excess(value: float) -> float:
        def rest(params: np.ndarray) -> float:
            point = free.copy()
            point[index] = value
            point[others] = params
            return on_links(point)
        found = optimize.minimize(rest, warm, method="BFGS", options={"gtol": 1e-6})
        return min(float(found.fun), rest(warm)) - lowest - rise

    bounds = []
    for direction in (-1.0, 1.0):
        width = 2 * Z95 * se
        far = free[index] + direction * width
        for _ in range(20):
            if excess(far) > 0:
                break
            width *= 2
            far = free[index] + direction * width
        else:
            bounds.append(direction * np.inf)
            continue
        bounds.append(optimize.brentq(excess, free[index], far, xtol=1e-6))
    return bounds[0], bounds[1]


def _inverse(matrix: np.ndarray) -> np.ndarray | None:
    """The inverse of a Hessian, None when it is not positive definite (a flat likelihood)."""
    try:
        np.linalg.cholesky(matrix)
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return None

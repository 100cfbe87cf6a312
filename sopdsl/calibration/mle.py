"""Maximum likelihood over positive parameters: the fit, its standard errors and 95% intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special, stats

CONFIDENCE = 0.95
Z95 = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
# The simplex search's budget; BFGS then polishes. A likelihood still climbing after this
# many steps runs off to the edge of the parameter space (the data shows no heterogeneity).
MAX_EVALUATIONS = 4000
# A gradient search has no such budget: past e^23 (about 1e10) on the link scale it has run
# along a ridge to where the log-gamma and log-beta differences lose their digits, and the
# simplex search with its budget decides instead.
EDGE = 23.0
# A fit has converged where a Newton step from it would raise the log-likelihood by less than
# this: far below the 1.92 that moves a 95% interval, whatever the optimiser's status says.
NEWTON_GAIN = 1e-6

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


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


def gradient(function: Callable[[np.ndarray], float], at: np.ndarray,
             step: float = 1e-4) -> np.ndarray:
    """The vector of first derivatives by central differences."""
    return np.array([(function(at + step * unit) - function(at - step * unit)) / (2 * step)
                     for unit in np.eye(len(at))])


def hessian_of_gradient(gradient: Callable[[np.ndarray], np.ndarray], at: np.ndarray,
                        step: float = 1e-4) -> np.ndarray:
    """The matrix of second derivatives by central differences of the gradient."""
    columns = [(gradient(at + step * unit) - gradient(at - step * unit)) / (2 * step)
               for unit in np.eye(len(at))]
    out = np.array(columns)
    return (out + out.T) / 2


_LINKS = {  # each parameter is searched on a scale where any real number is a valid value
    "log": (np.log, np.exp),
    "logit": (special.logit, special.expit),
    "identity": (lambda v: v, lambda v: v),
}
# d natural / d link of each link, as a function of the natural value
_SLOPES = {
    "log": lambda v: v,
    "logit": lambda v: v * (1 - v),
    "identity": lambda v: np.ones_like(v),
}


def fit_mle(negative_loglik: Callable[[np.ndarray], float], start: Sequence[float],
            names: Sequence[str], n: int, links: Sequence[str] | None = None,
            profile: bool = False, search: bool = True,
            with_gradient: Objective | None = None) -> Fit:
    """Minimise a negative log-likelihood of the natural parameters, searched on their links
    (`log` for positive ones, `logit` for probabilities; default all `log`).

    Standard errors come from the inverse Hessian on the link scale (the natural-scale one is
    the delta method's). Each interval is the link-scale estimate +- 1.96 se mapped back, so
    it stays in the parameter's range; with `profile`, it is the profile likelihood interval
    instead (where twice the log-likelihood falls 3.84 below its maximum, the others
    re-fitted), which holds its 95% where the likelihood is far from quadratic. Without
    `search` the start must be near the maximum (a fit on a thinned sample): only the
    gradient search runs, which takes far fewer evaluations on large data. `with_gradient`
    gives the negative log-likelihood and its gradient in the natural parameters: the searches
    and the Hessian then use it instead of finite differences, and the simplex search runs
    only when no gradient search ends at a finite value inside the edges.
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
    both = None if with_gradient is None else _on_links_with_gradient(with_gradient, links)
    found = None if both is None else _gradient_search(first, search, both)
    if found is None:
        both = None
        best = _search(on_links, first, search)
    else:
        best = found
    free = best.x
    curvature = (hessian(on_links, free) if both is None
                 else hessian_of_gradient(lambda point: both(point)[1], free))
    slope = gradient(on_links, free) if both is None else both(free)[1]
    converged = at_maximum(slope, curvature)
    covariance = _inverse(curvature)
    estimates = {}
    for index, name in enumerate(names):
        value = float(back[index](free[index]))
        variance = covariance[index, index] if covariance is not None else np.nan
        if not (np.isfinite(variance) and variance > 0):
            estimates[name] = ParameterEstimate(value, None, None, None)
            continue
        se = float(np.sqrt(variance))
        step = 1e-6
        scale = (back[index](free[index] + step) - back[index](free[index] - step)) / (2 * step)
        low, high = (_profile_bounds(on_links, free, float(best.fun), index, se, both) if profile
                     else (free[index] - Z95 * se, free[index] + Z95 * se))
        estimates[name] = ParameterEstimate(value, abs(float(scale)) * se,
                                            float(back[index](low)), float(back[index](high)))
    return Fit(estimates, -float(best.fun), n, converged,
               None if covariance is None else tuple(map(tuple, covariance.tolist())))


def at_maximum(gradient: np.ndarray, curvature: np.ndarray) -> bool:
    """Whether a point with this gradient and Hessian of the negative log-likelihood is a
    maximum of the likelihood: curving down every way, a Newton step gaining < NEWTON_GAIN."""
    if not (np.all(np.isfinite(gradient)) and np.all(np.isfinite(curvature))):
        return False
    try:
        factor = linalg.cho_factor(curvature)
    except linalg.LinAlgError:
        return False
    return bool(gradient @ linalg.cho_solve(factor, gradient) / 2 < NEWTON_GAIN)


def negated(objective: Objective) -> Objective:
    """A log-likelihood with its gradient turned into the negative one that `fit_mle` takes."""
    def flipped(params: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = objective(params)
        return -value, -gradient
    return flipped


def _on_links_with_gradient(with_gradient: Objective, links: Sequence[str]) -> Objective:
    """`with_gradient` of the link-scale parameters, the gradient by the chain rule; an
    impossible point is a huge value with no slope, which a line search steps back from."""
    def both(free: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):
            point = np.array([_LINKS[link][1](v) for link, v in zip(links, free)])
            value, gradient = with_gradient(point)
            slopes = np.array([_SLOPES[link](v) for link, v in zip(links, point)])
            if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
                return 1e300, np.zeros(len(free))
            return float(value), np.asarray(gradient, dtype=float) * slopes
    return both


def _search(on_links: Callable[[np.ndarray], float], first: np.ndarray,
            search: bool) -> optimize.OptimizeResult:
    """The minimum of `on_links` from `first` by BFGS on differences, after the simplex
    search from afar when `search` asks."""
    result = _simplex(on_links, first) if search else None
    polished = optimize.minimize(on_links, result.x if result else first, method="BFGS",
                                 options={"gtol": 1e-8})
    return polished if result is None or polished.fun <= result.fun else result


def _gradient_search(first: np.ndarray, search: bool,
                     both: Objective) -> optimize.OptimizeResult | None:
    """`_search` on an analytic gradient, None when it ends past an edge. From afar, two
    quasi-Newton searches start at `first` (BFGS's first long step can land on a ridge
    running to an edge where L-BFGS-B's does not, and the other way round) and the better
    one is polished."""
    def polish(start: np.ndarray) -> optimize.OptimizeResult:
        return optimize.minimize(both, start, jac=True, method="BFGS", options={"gtol": 1e-8})

    def inside(found: optimize.OptimizeResult) -> bool:
        return bool(found.fun < 1e300 and np.all(np.abs(found.x) <= EDGE))

    if not search:
        found = polish(first)
        return found if inside(found) else None
    rough = optimize.minimize(both, first, jac=True, method="L-BFGS-B",
                              options={"ftol": 1e-12, "gtol": 1e-8, "maxiter": 1000})
    candidates = [found for found in (polish(first), polish(rough.x)) if inside(found)]
    if not candidates:
        return None
    return min(candidates, key=lambda found: found.fun)


def _simplex(on_links: Callable[[np.ndarray], float],
             first: np.ndarray) -> optimize.OptimizeResult:
    """The Nelder-Mead search from afar, which needs no gradient."""
    return optimize.minimize(on_links, first, method="Nelder-Mead",
                             options={"xatol": 1e-7, "fatol": 1e-9, "maxfev": MAX_EVALUATIONS,
                                      "adaptive": True})


def thinned(*arrays: np.ndarray, limit: int) -> list[np.ndarray]:
    """Every k-th element of each array, k chosen so at most about `limit` remain: a sample
    whose fit starts the fit on all the data near its maximum."""
    step = max(len(arrays[0]) // limit, 1)
    return [array[::step] for array in arrays]


def _profile_bounds(on_links: Callable[[np.ndarray], float], free: np.ndarray, lowest: float,
                    index: int, se: float, both: Objective | None) -> tuple[float, float]:
    """Where the profile negative log-likelihood of parameter `index` (link scale) rises
    chi2(1, 0.95) / 2 above its minimum, on either side of the estimate (the others re-fitted
    on the analytic gradient `both` when given)."""
    rise = float(stats.chi2.ppf(CONFIDENCE, 1)) / 2
    others = [j for j in range(len(free)) if j != index]
    warm = free[others].copy()

    def excess(value: float) -> float:
        def place(params: np.ndarray) -> np.ndarray:
            point = free.copy()
            point[index] = value
            point[others] = params
            return point

        def rest(params: np.ndarray) -> tuple[float, np.ndarray]:
            found_value, gradient = both(place(params))
            return found_value, gradient[others]

        found = (optimize.minimize(lambda params: on_links(place(params)), warm, method="BFGS",
                                   options={"gtol": 1e-6}) if both is None else
                 optimize.minimize(rest, warm, jac=True, method="BFGS", options={"gtol": 1e-6}))
        return min(float(found.fun), on_links(place(warm))) - lowest - rise

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

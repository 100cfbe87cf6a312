"""Random quantities of a scenario: a distribution, its exact mean and vectorised sampling.

Durations are held in minutes (`unit="minutes"`), everything else as plain numbers. A
distribution may be truncated to `low..high` (`attribute age: normal(32, 8) in 18..70`):
samples outside are drawn again, and the mean is that of the truncated distribution.
numpy is imported inside the sampling method only, so checking a playbook never loads it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from sopdsl.builtins import MINUTES_PER_DAY

if TYPE_CHECKING:
    import numpy as np

Kind = Literal["normal", "lognormal", "uniform", "exponential", "poisson", "fixed", "beta"]

# Parameter names per kind, in the order they are written.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "standard deviation"),
    "lognormal": ("median", "sigma"),
    "uniform": ("low", "high"),
    "exponential": ("mean",),
    "poisson": ("mean",),
    "fixed": ("value",),
    "beta": ("alpha", "beta"),
}
# Which parameters carry the unit (minutes for a delay); the sigma of a lognormal does not.
UNIT_PARAMETERS: dict[str, tuple[bool, ...]] = {
    "normal": (True, True),
    "lognormal": (True, False),
    "uniform": (True, True),
    "exponential": (True,),
    "poisson": (True,),
    "fixed": (True,),
    "beta": (False, False),
}
# Above this mean a truncated poisson is computed by its normal approximation (off by less
# than 0.02% of the probability), since summing its probabilities one by one takes too long.
POISSON_SUM_LIMIT = 1_000_000
# A truncation range must keep at least this share of the distribution, or sampling
# would spend its time rejecting draws and the range almost surely says something else.
MIN_KEPT_MASS = 0.01
_MINUTES_PER = {"d": MINUTES_PER_DAY, "h": 60, "m": 1}


class Distribution(BaseModel):
    """One of normal, lognormal (median, sigma), uniform, exponential (mean), poisson, fixed,
    beta (alpha, beta)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    params: tuple[float, ...]
    unit: Literal["number", "minutes"] = "number"
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _describes_something(self) -> Distribution:
        problem = parameter_problem(self.kind, self.params)
        if problem:
            raise ValueError(f"`{self.kind}{self.params}` describes no distribution: {problem}")
        problem = range_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def truncated(self) -> bool:
        """True when a `low..high` range cuts the distribution."""
        return self.low is not None or self.high is not None

    @property
    def mean(self) -> float:
        """The exact mean, of the truncated distribution when a range is set."""
        if not self.truncated:
            return _plain_mean(self.kind, self.params)
        return _truncated_mean(self, *self._bounds())

    def kept_mass(self) -> float:
        """The probability that an untruncated draw falls inside `low..high`."""
        low, high = self._bounds()
        if self.kind == "poisson":
            return _poisson_kept(self.params[0], low, high)
        if self.kind == "fixed" or (self.kind == "uniform" and self.params[0] == self.params[1]):
            return 1.0 if low <= self.params[0] <= high else 0.0
        return _cdf(self, high) - _cdf(self, low)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` independent draws, using `rng` (numpy's Generator) only."""
        import numpy as np

        if not self.truncated:
            return _draw(self.kind, self.params, rng, n)
        low, high = self._bounds()
        if self.kind == "uniform":
            return rng.uniform(max(low, self.params[0]), min(high, self.params[1]), n)
        kept = np.empty(0)
        mass = self.kept_mass()
        while kept.size < n:
            wanted = n - kept.size
            batch = _draw(self.kind, self.params, rng, math.ceil(wanted / mass * 1.2) + 8)
            kept = np.concatenate([kept, batch[(batch >= low) & (batch <= high)][:wanted]])
        return kept

    def text(self) -> str:
        """As a playbook writes it: `exponential(2h)`, `normal(32, 8) in 18..70`."""
        shown = ", ".join(
            duration_text(p) if self.unit == "minutes" and in_unit else _number_text(p)
            for p, in_unit in zip(self.params, UNIT_PARAMETERS[self.kind])
        )
        written = f"{self.kind}({shown})"
        if self.truncated:
            low, high = self._bounds()
            written += f" in {_number_text(low)}..{_number_text(high)}"
        return written

    def _bounds(self) -> tuple[float, float]:
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        return low, high


def support(kind: str, params: tuple[float, ...]) -> tuple[float, float]:
    """The smallest and largest values an untruncated distribution takes."""
    match kind:
        case "normal":
            return -math.inf, math.inf
        case "uniform":
            return params[0], params[1]
        case "beta":
            return 0.0, 1.0
        case "fixed":
            return params[0], params[0]
    return 0.0, math.inf


def kept_within(distribution: Distribution, low: float, high: float) -> tuple[Distribution, float]:
    """The distribution truncated to `low..high` where its values reach past them, and the
    share of its draws that range keeps."""
    first, last = support(distribution.kind, distribution.params)
    if low <= first and last <= high:
        return distribution, 1.0
    cut = distribution.model_copy(update={"low": max(low, first), "high": min(high, last)})
    if cut.low > cut.high:
        return cut, 0.0
    return cut, cut.kept_mass()


def arity_problem(kind: str, count: int) -> str | None:
    """Why `count` parameters are wrong for `kind` (a phrase), or None when they are right."""
    names = PARAMETERS[kind]
    if count == len(names):
        return None
    plural = "s" if len(names) > 1 else ""
    return f"it takes {len(names)} parameter{plural} ({', '.join(names)}), not {count}"


MAX_LOGNORMAL_SIGMA = 10


def parameter_problem(kind: str, params: tuple[float, ...]) -> str | None:
    """Why these parameters describe no distribution of `kind` (a phrase), or None."""
    problem = arity_problem(kind, len(params))
    if problem:
        return problem
    if not all(math.isfinite(p) for p in params):
        return "its parameters must be finite numbers"
    first = params[0]
    second = params[1] if len(params) > 1 else None
    checks = {
        "normal": (second is not None and second <= 0, "its standard deviation must be above 0"),
        "lognormal": (first <= 0 or (second is not None and second <= 0),
                      "its median and sigma must be above 0"),
        # exp(sigma^2 / 2) scales the mean: at sigma 10 it is e^50 times the median already.
        "lognormal_spread": (kind == "lognormal" and second is not None
                             and second > MAX_LOGNORMAL_SIGMA,
                             f"its sigma must be at most {MAX_LOGNORMAL_SIGMA}: a wider spread "
                             "has no usable mean"),
        "uniform": (second is not None and first > second, "its low end is above its high end"),
        "exponential": (first <= 0, "its mean must be above 0"),
        "poisson": (first < 0, "its mean must not be below 0"),
        "beta": (first <= 0 or (second is not None and second <= 0),
                 "its alpha and beta must be above 0"),
    }
    for failed, reason in (checks.get(kind, (False, "")), checks["lognormal_spread"]):
        if failed:
            return reason
    return None


def range_problem(distribution: Distribution) -> str | None:
    """Why the truncation range cannot be sampled, or None when it can."""
    if not distribution.truncated:
        return None
    low, high = distribution._bounds()
    if low > high:
        return f"the range `{_number_text(low)}..{_number_text(high)}` is empty"
    if distribution.kept_mass() < MIN_KEPT_MASS:
        return f"the range `{_number_text(low)}..{_number_text(high)}` keeps almost none " \
               f"of `{distribution.model_copy(update={'low': None, 'high': None}).text()}`"
    return None


def duration_text(minutes: float) -> str:
    """Minutes as a playbook duration: 90 -> `1h30m`, 10080 -> `7d`; fractions as minutes."""
    if minutes != int(minutes) or minutes <= 0:
        return f"{_number_text(minutes)}m"
    rest, parts = int(minutes), []
    for unit, size in _MINUTES_PER.items():
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)


def plain_number(value: float, significant: int = 4) -> str:
    """A number to `significant` digits (whole numbers from 10^significant on), never in
    exponent notation, which the scenario language does not read."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) >= 10 ** significant:
        return f"{round(value)}"
    digits = max(significant - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def _number_text(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.6g}"


def _plain_mean(kind: str, params: tuple[float, ...]) -> float:
    if kind == "lognormal":
        return params[0] * math.exp(params[1] ** 2 / 2)
    if kind == "uniform":
        return (params[0] + params[1]) / 2
    if kind == "beta":
        return params[0] / (params[0] + params[1])
    return params[0]


def _draw(kind: str, params: tuple[float, ...], rng: np.random.Generator, n: int) -> np.ndarray:
    import numpy as np

    match kind:
        case "normal":
            return rng.normal(params[0], params[1], n)
        case "lognormal":
            return rng.lognormal(math.log(params[0]), params[1], n)
        case "uniform":
            return rng.uniform(params[0], params[1], n)
        case "exponential":
            return rng.exponential(params[0], n)
        case "poisson":
            return rng.poisson(params[0], n).astype(float)
        case "beta":
            return rng.beta(params[0], params[1], n)
    return np.full(n, params[0], dtype=float)


def _phi(z: float) -> float:
    """The standard normal density."""
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi) if math.isfinite(z) else 0.0


def _big_phi(z: float) -> float:
    """The standard normal distribution function."""
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _cdf(d: Distribution, x: float) -> float:
    """P(X <= x) of an untruncated continuous distribution."""
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    p = d.params
    match d.kind:
        case "normal":
            return _big_phi((x - p[0]) / p[1])
        case "lognormal":
            return _big_phi((math.log(x) - math.log(p[0])) / p[1]) if x > 0 else 0.0
        case "uniform":
            return min(1.0, max(0.0, (x - p[0]) / (p[1] - p[0])))
        case "beta":
            from scipy.special import betainc

            return float(betainc(p[0], p[1], min(1.0, max(0.0, x))))
    return 1 - math.exp(-x / p[0]) if x > 0 else 0.0


def _poisson_pmf(k: int, mean: float) -> float:
    if mean == 0:
        return 1.0 if k == 0 else 0.0
    return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))


def _poisson_weights(mean: float, low: float, high: float) -> dict[int, float]:
    """P(X = k) for every k in low..high that holds any probability a float can show."""
    spread = 40 * math.sqrt(mean) + 40  # beyond this no probability is left in a float
    first, last = max(0, math.floor(mean - spread)), math.floor(mean + spread)
    first = math.ceil(low) if low > first else first
    last = math.floor(high) if high < last else last
    return {k: _poisson_pmf(k, mean) for k in range(first, last + 1)}


def _poisson_as_normal(mean: float, low: float, high: float) -> tuple[Distribution, float, float]:
    """The normal approximation of a large-mean poisson, its range corrected for continuity."""
    approx = Distribution.model_construct(kind="normal", params=(mean, math.sqrt(mean)))
    low = math.ceil(low) - 0.5 if math.isfinite(low) else low
    high = math.floor(high) + 0.5 if math.isfinite(high) else high
    return approx, low, high


def _poisson_kept(mean: float, low: float, high: float) -> float:
    if mean > POISSON_SUM_LIMIT:
        approx, low, high = _poisson_as_normal(mean, low, high)
        return _cdf(approx, high) - _cdf(approx, low)
    return sum(_poisson_weights(mean, low, high).values())


def _truncated_mean(d: Distribution, low: float, high: float) -> float:
    p = d.params
    match d.kind:
        case "normal":
            a, b = (low - p[0]) / p[1], (high - p[0]) / p[1]
            return p[0] + p[1] * (_phi(a) - _phi(b)) / (_big_phi(b) - _big_phi(a))
        case "lognormal":
            mu, sigma = math.log(p[0]), p[1]
            log_low = math.log(low) if low > 0 else -math.inf
            log_high = math.log(high) if high < math.inf else math.inf
            kept = _big_phi((log_high - mu) / sigma) - _big_phi((log_low - mu) / sigma)
            shifted = _big_phi((log_high - mu - sigma**2) / sigma) \
                - _big_phi((log_low - mu - sigma**2) / sigma)
            return math.exp(mu + sigma**2 / 2) * shifted / kept
        case "uniform":
            return (max(low, p[0]) + min(high, p[1])) / 2
        case "exponential":
            return _truncated_exponential_mean(p[0], max(low, 0.0), high)
        case "poisson":
            return _truncated_poisson_mean(p[0], low, high)
        case "beta":
            from scipy.special import betainc

            low, high = max(low, 0.0), min(high, 1.0)
            # E[X; low < X < high] = mean * P_{alpha+1, beta}(low < X < high)
            shifted = betainc(p[0] + 1, p[1], high) - betainc(p[0] + 1, p[1], low)
            kept = betainc(p[0], p[1], high) - betainc(p[0], p[1], low)
            return float(_plain_mean("beta", p) * shifted / kept)
    return p[0]


def _truncated_exponential_mean(mean: float, low: float, high: float) -> float:
    if high == math.inf:
        return low + mean
    at_low, at_high = math.exp(-low / mean), math.exp(-high / mean)
    return (low * at_low - high * at_high) / (at_low - at_high) + mean


def _truncated_poisson_mean(mean: float, low: float, high: float) -> float:
    if mean > POISSON_SUM_LIMIT:
        return _truncated_mean(*_poisson_as_normal(mean, low, high))
    weights = _poisson_weights(mean, low, high)
    return sum(k * w for k, w in weights.items()) / sum(weights.values())

"""Response chances and delays from sends whose response windows may be cut short.

A send is answered with probability pi, after a delay from a lognormal or exponential
distribution (a mixture cure model). A send watched for c minutes without an answer
contributes 1 - pi F(c): c is the response window, or less when the data ends (or the next
send on the channel comes) first, so recent sends count for what they can tell. Answers are
kept as sufficient statistics (count, sum of log delays and of their squares, sum of delays)
and unanswered sends as a histogram of watched minutes, so memory does not grow with sends.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sopdsl.calibration.mle import Fit, fit_mle

# Below this a delay is logged as this: a response in the minute of its send.
SHORTEST_DELAY = 0.5


@dataclass
class Responses:
    """Sends and their answers for one channel and one kind of response."""

    answered: int = 0
    sum_log: float = 0.0
    sum_log2: float = 0.0
    sum_delay: float = 0.0
    unanswered: Counter = field(default_factory=Counter)  # watched minutes -> sends
    censored: int = 0  # sends watched for less than the full window

    @property
    def sends(self) -> int:
        """Every send counted, answered or not."""
        return self.answered + sum(self.unanswered.values())

    def answer(self, delay: float) -> None:
        """A send answered after `delay` minutes."""
        delay = max(delay, SHORTEST_DELAY)
        self.answered += 1
        log = math.log(delay)
        self.sum_log += log
        self.sum_log2 += log * log
        self.sum_delay += delay

    def silence(self, watched: float, window: float) -> None:
        """A send not answered in the `watched` minutes the data covers."""
        if watched <= 0:
            return
        if watched < window:
            self.censored += 1
        self.unanswered[math.ceil(watched)] += 1

    def add(self, delays: np.ndarray, watched: np.ndarray, window: float) -> None:
        """Sends answered after `delays` minutes and sends not answered in the `watched`
        minutes the data covers, as `answer` and `silence` would add them one at a time."""
        if len(delays):
            delays = np.maximum(delays, SHORTEST_DELAY)
            # math.log and sums in order, so the statistics do not depend on how sends are
            # grouped into calls.
            logs = np.fromiter(map(math.log, delays.tolist()), dtype=float, count=len(delays))
            self.answered += len(delays)
            self.sum_log = float(np.add.accumulate(np.r_[self.sum_log, logs])[-1])
            self.sum_log2 = float(np.add.accumulate(np.r_[self.sum_log2, logs * logs])[-1])
            self.sum_delay = float(np.add.accumulate(np.r_[self.sum_delay, delays])[-1])
        watched = watched[watched > 0]
        if len(watched):
            self.censored += int(np.count_nonzero(watched < window))
            minutes, sends = np.unique(np.ceil(watched).astype(np.int64), return_counts=True)
            unanswered = self.unanswered
            for minute, count in zip(minutes.tolist(), sends.tolist()):
                unanswered[minute] += count

    def merge(self, other: Responses) -> None:
        """Add another tally's sends to this one."""
        self.answered += other.answered
        self.sum_log += other.sum_log
        self.sum_log2 += other.sum_log2
        self.sum_delay += other.sum_delay
        self.unanswered.update(other.unanswered)
        self.censored += other.censored


@dataclass(frozen=True)
class ResponseFit:
    """The fitted chance of an answer (`chance`) and its delay distribution (`delay` is
    `("lognormal", median, sigma)` or `("exponential", mean)`, minutes), chosen by AIC."""

    fit: Fit
    delay: tuple


def fit_responses(tally: Responses,
                  families: tuple[str, ...] = ("lognormal", "exponential")) -> ResponseFit | None:
    """The chance and delay by maximum likelihood, the delay's family among `families` by
    AIC; None without two answered and an unanswered send (nothing to tell the chance from)."""
    if tally.answered < 2 or not tally.unanswered:
        return None
    watched = np.array(sorted(tally.unanswered), dtype=float)
    weight = np.array([tally.unanswered[w] for w in sorted(tally.unanswered)], dtype=float)
    n, s1, s2 = tally.answered, tally.sum_log, tally.sum_log2
    share = n / tally.sends
    mean_log = s1 / n
    sd_log = max(math.sqrt(max(s2 / n - mean_log ** 2, 0.0)), 0.05)

    def lognormal(params: np.ndarray) -> float:
        chance, median, sigma = params
        mu = math.log(median)
        answered = (n * math.log(chance) - n * math.log(sigma) - s1
                    - (s2 - 2 * mu * s1 + n * mu * mu) / (2 * sigma * sigma))
        log_cdf = stats.norm.logcdf((np.log(watched) - mu) / sigma)
        silent = np.log1p(-chance * np.exp(log_cdf))
        return -(answered + float(np.dot(weight, silent)))

    def exponential(params: np.ndarray) -> float:
        chance, mean = params
        answered = n * math.log(chance) - n * math.log(mean) - tally.sum_delay / mean
        silent = np.log1p(-chance * -np.expm1(-watched / mean))
        return -(answered + float(np.dot(weight, silent)))

    chance0 = min(max(share, 0.01), 0.99)
    fits = []
    if "lognormal" in families:
        fit = fit_mle(lognormal, (chance0, math.exp(mean_log), sd_log),
                      ("chance", "median", "sigma"), tally.sends, ("logit", "log", "log"))
        fits.append((6 - 2 * fit.loglik, ResponseFit(fit, ("lognormal", fit.value("median"),
                                                           fit.value("sigma")))))
    if "exponential" in families:
        fit = fit_mle(exponential, (chance0, tally.sum_delay / n), ("chance", "mean"),
                      tally.sends, ("logit", "log"))
        fits.append((4 - 2 * fit.loglik, ResponseFit(fit, ("exponential", fit.value("mean")))))
    return min(fits, key=lambda pair: pair[0])[1]


def share_interval(successes: int, trials: int) -> tuple[float, float]:
    """The Clopper-Pearson 95% interval of a share."""
    low = stats.beta.ppf(0.025, successes, trials - successes + 1) if successes else 0.0
    high = stats.beta.ppf(0.975, successes + 1, trials - successes) if successes < trials else 1.0
    return float(low), float(high)


def count_interval(count: int) -> tuple[float, float]:
    """The exact 95% interval of a Poisson count's mean."""
    low = stats.chi2.ppf(0.025, 2 * count) / 2 if count else 0.0
    return float(low), float(stats.chi2.ppf(0.975, 2 * count + 2) / 2)


def beta_of(value: float, se: float) -> tuple[float, float] | None:
    """The Beta(a, b) with this mean and standard deviation, None when none has them."""
    spread = value * (1 - value) / (se * se) - 1
    if not (0 < value < 1) or spread <= 0:
        return None
    return value * spread, (1 - value) * spread



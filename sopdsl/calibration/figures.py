"""Calibrated figures: a value as the scenario writes it, with its sample and 95% interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sopdsl.calibration.responses import ResponseFit, beta_of
from sopdsl.scenario.distributions import duration_text
from sopdsl.scenario.distributions import plain_number as number

# Fewer observations than this and a figure keeps the default.
MIN_SAMPLE = 30
MIN_ANSWERS = 5


@dataclass(frozen=True)
class Figure:
    """One setting of the fitted scenario: where it goes, what is written, and why."""

    block: tuple[str, ...]  # the blocks it sits in, outermost first: ("channel private_chat",)
    key: str
    text: str  # the value as written after the key
    value: float | None  # the point estimate in the model's units; None for a kept default
    low: float | None
    high: float | None
    se: float | None
    n: int
    note: str  # the comment: sample, interval, or why the default is kept

    def as_json(self) -> dict:
        """The figure as plain data."""
        return {"block": list(self.block), "key": self.key, "text": self.text,
                "value": self.value, "low": self.low, "high": self.high, "se": self.se,
                "n": self.n, "note": self.note, "fitted": self.value is not None}


def percent(value: float) -> str:
    """A probability as a percentage with four significant digits: 0.04512 -> `4.512%`."""
    return f"{number(value * 100)}%"


def probability_text(value: float, se: float | None, uncertain: bool) -> str:
    """A probability as written: a percentage, or `beta(a, b)` over its value."""
    shape = beta_of(value, se) if uncertain and se else None
    return f"beta({number(shape[0])}, {number(shape[1])})" if shape else percent(value)


def positive_text(value: float, se: float | None, uncertain: bool) -> str:
    """A positive parameter as written: the number, or a lognormal over its value."""
    if uncertain and se and value > 0:
        return f"lognormal({number(value)}, {number(se / value)})"
    return number(value)


# Significant digits of a written covariance: at four, rounding can make the matrix of
# strongly correlated estimates (BG/NBD's r and alpha) no covariance at all.
COVARIANCE_DIGITS = 6


def covariance_figures(block: tuple[str, ...], names: tuple[str, ...],
                       covariance: tuple[tuple[float, ...], ...], n: int) -> list[Figure]:
    """The rows of a `log_covariance` block (a lower triangle), each noting its correlations
    with the rows above."""
    figures = []
    for i, name in enumerate(names):
        row = covariance[i][:i + 1]
        text = " ".join(number(value, COVARIANCE_DIGITS) for value in row)
        correlations = ", ".join(
            f"{names[j]} {covariance[i][j] / math.sqrt(covariance[i][i] * covariance[j][j]):+.2f}"
            for j in range(i))
        note = (f"correlation with {correlations}" if correlations else
                "the fit's covariance on the log scale: drawn jointly once per replication")
        figures.append(Figure(block, name, text, covariance[i][i], None, None, None, n, note))
    return figures


def interval_note(n: int, what: str, low: float | None, high: float | None,
                  shown: str = "number", extra: str = "") -> str:
    """`n = 1,204 sends; 95% 41.2%-48.0%`, the interval left out when unknown."""
    show = percent if shown == "percent" else (
        lambda v: duration_text(round(v))) if shown == "minutes" else number
    parts = [f"n = {n:,} {what}"]
    if extra:
        parts.append(extra)
    if low is not None and high is not None:
        parts.append(f"95% {show(low)}-{show(high)}")
    return "; ".join(parts)


def kept(block: tuple[str, ...], key: str, text: str, n: int, what: str,
         needed: int = MIN_SAMPLE) -> Figure:
    """A default kept for want of data, saying so."""
    return Figure(block, key, text, None, None, None, None, n,
                  f"default: too little data (n = {n:,} {what}; needs {needed})")


def delay_figure(block: tuple[str, ...], fit: ResponseFit, answered: int, what: str,
                 detail: str = "") -> Figure:
    """A fitted delay as written (`lognormal(median, sigma)` or `exponential(mean)`), the
    interval that of its median or mean."""
    family = fit.delay[0]
    centre = "median" if family == "lognormal" else "mean"
    estimate = fit.fit.estimates[centre]
    scale = duration_text(max(round(fit.delay[1]), 1))
    text = (f"lognormal({scale}, {number(fit.delay[2])})" if family == "lognormal"
            else f"exponential({scale})")
    return Figure(block, "delay", text, estimate.value, estimate.low, estimate.high, estimate.se,
                  answered, interval_note(answered, what, estimate.low, estimate.high, "minutes",
                                          f"{family} by AIC{detail}; {centre}"))


def shares_text(counts: dict) -> str:
    """`a 33.34%, b 33.33%, c 33.33%`: shares in hundredths of a percent that add up to
    exactly 100% (largest remainders round up), as the scenario language requires."""
    total = sum(counts.values())
    units = {key: count * 10_000 / total for key, count in counts.items()}
    whole = {key: math.floor(value) for key, value in units.items()}
    short = 10_000 - sum(whole.values())
    for key in sorted(units, key=lambda k: (whole[k] - units[k], k))[:short]:
        whole[key] += 1
    return ", ".join(f"{key} {whole[key] / 100:g}%" for key in sorted(counts))

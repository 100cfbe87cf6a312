"""Back-tests: calibrate on what happened before a date, forecast from the real customers as they
were then, and set the forecast next to what actually happened after it.

Each figure's interval is the middle 95% of the replications' values, the range the actual
value should fall in 95 times out of 100 if the model is right (a prediction interval, not the
interval of the mean); `coverage` is the share of figures whose interval holds the actual.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator.backtest_actual import STEP_FIGURES, Actual
from simulator.backtest_replay import replayed
from simulator.montecarlo import Forecast, Progress, forecast
from simulator.real_base import RealBase, frequency_segments, read_base
from simulator.results import Tally
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.checker.program import Program
from sopdsl.customers_io import EventRecord
from sopdsl.runtime.customer import Event
from sopdsl.codes import Severity
from sopdsl.diagnostics import Diagnostic
from sopdsl.errors import SopdslError
from sopdsl.planning.planner import DEFAULT_LOOKBACK_DAYS
from sopdsl.scenario.model import Scenario

SCENARIO_NAME = "backtest"
LATER_UNUSED = "W614"  # calibration's note on events after its cut-off
LEVEL = 0.95


@dataclass
class Row:
    """One figure: the forecast's mean and 95% interval, the actual value, and how they meet."""

    kind: str  # kpi, goal, arm, step
    name: str
    mean: float
    low: float
    high: float
    actual: float | None

    @property
    def error(self) -> float | None:
        """Forecast mean minus actual."""
        return None if self.actual is None else self.mean - self.actual

    @property
    def covered(self) -> bool | None:
        """Whether the interval holds the actual value."""
        return None if self.actual is None else self.low <= self.actual <= self.high

    def as_json(self) -> dict[str, Any]:
        """Plain data."""
        return {"kind": self.kind, "name": self.name, "mean": self.mean,
                "ci95": [self.low, self.high], "actual": self.actual, "error": self.error,
                "covered": self.covered}


@dataclass
class FrequencySegment:
    """Customers who bought `name` times again before the date: their mean purchases after it,
    actual and forecast."""

    name: str
    customers: int
    actual: float
    mean: float
    low: float
    high: float


@dataclass
class Backtest:
    """A back-test's figures, tracking and segments, with the data's problems."""

    at: dt.date
    days: int
    customers: int
    rows: list[Row] = field(default_factory=list)
    tracking: list[tuple[float, float, float, float]] = field(default_factory=list)
    segments: list[FrequencySegment] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fits: dict[str, dict[str, float]] = field(default_factory=dict)
    forecast: Forecast | None = None

    @property
    def coverage(self) -> dict[str, float | int | None]:
        """How many figures with an actual value had it inside their interval."""
        judged = [row.covered for row in self.rows if row.covered is not None]
        return {"figures": len(judged), "covered": sum(judged),
                "share": sum(judged) / len(judged) if judged else None, "level": LEVEL}

    def as_json(self) -> dict[str, Any]:
        """Plain data: rows, coverage, tracking (per day: actual, forecast mean and interval
        of cumulative purchases) and segments."""
        return {
            "at": self.at.isoformat(), "days": self.days, "customers": self.customers,
            "rows": [row.as_json() for row in self.rows], "coverage": self.coverage,
            "tracking": [{"day": day + 1, "actual": a, "mean": m, "ci95": [lo, hi]}
                         for day, (a, m, lo, hi) in enumerate(self.tracking)],
            "segments": [dataclasses.asdict(s) for s in self.segments],
            "fits": self.fits,
        }


class BacktestError(SopdslError):
    """The data could not be read to the end, or nothing was fitted; `diagnostics` say why."""

    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


def backtest(program: Program, customers: str | Path, events: str | Path, staff: str | Path |
             None = None, *, at: dt.date, days: int, replications: int = 100, seed: int = 1,
             lookback_days: int = DEFAULT_LOOKBACK_DAYS, uncertainty: bool = False,
             workers: int = 1, scheduler: str | None = None,
             progress: Progress | None = None) -> Backtest:
    """Calibrate on the data before `at`, forecast `days` days from the customers as they were
    at its start, and compare with the data after it. Raises `BacktestError` when the data
    cannot be read or the fitted scenario cannot be built."""
    start = dt.datetime.combine(at, dt.time())
    scenario, fitted, problems = _fitted_scenario(program, customers, events, staff, start,
                                                  uncertainty)
    after: list[tuple[int, EventRecord]] = []
    base, read = read_base(program, customers, events, staff, start=start,
                           lookback_days=lookback_days,
                           later=lambda number, record: after.append((number, record)))
    if base is None:
        raise BacktestError("the data could not be read to the end", read)
    actual = Actual(days)
    later_events: dict[int, list[Event]] = {}
    for number, record in after:  # by day unless the data has times of day, as calibration
        actual.add(number, record, by_day=not base.timed)
        if number >= 0:
            later_events.setdefault(number, []).append(record.event)
    scenario = scenario.model_copy(update={"start": at, "horizon_minutes": days * MINUTES_PER_DAY})
    scenario = scenario.overridden(replications=replications, seed=seed)
    result = forecast(fitted, scenario, workers=workers, scheduler=scheduler, progress=progress,
                      baseline=False, base=base)
    out = Backtest(at, days, base.size, diagnostics=problems + read, forecast=result,
                   fits=_fits(scenario))
    journeys = replayed(fitted, scenario, base, later_events, days)
    out.rows = (_kpi_rows(result.tallies, actual, base.size)
                + _journey_rows(result.tallies, journeys) + _step_rows(result.tallies, actual))
    out.tracking = _tracking(result.tallies, actual)
    assert base.evidence is not None
    out.segments = _segments(result.tallies, actual, base)
    return out


def _fitted_scenario(program: Program, customers: str | Path, events: str | Path,
                     staff: str | Path | None, until: dt.datetime,
                     uncertainty: bool) -> tuple[Scenario, Program, list[Diagnostic]]:
    """The scenario calibrated before `until`, and the playbook with it (arrivals none when
    the data shows none: nobody was added as a friend before the date)."""
    from sopdsl.api import load_text
    from sopdsl.calibration.calibrate import calibrate
    from sopdsl.calibration.text import scenario_text
    from sopdsl.scenario.build import effective_scenario

    # The forecast reads estimates and standard errors, not the intervals of the comments.
    fitted = calibrate(customers, events, until=until, staff=staff, program=program,
                       name=SCENARIO_NAME, uncertainty=uncertainty, profile=False)
    if not fitted.complete:
        raise BacktestError("the data could not be read to the end", fitted.diagnostics)
    entry = Path(program.entry)
    text = entry.read_text(encoding="utf-8") + "\n" + scenario_text(fitted)
    with_scenario = load_text(text, name=entry.name, folder=entry.parent)
    scenario, problems = effective_scenario(with_scenario, SCENARIO_NAME)
    if scenario is None or not with_scenario.ok:
        errors = [d for d in [*with_scenario.diagnostics, *problems]
                  if d.severity is Severity.ERROR]
        raise BacktestError("the fitted scenario could not be built", errors)
    if fitted.figure(("population",), "arrivals") is None:
        scenario = scenario.model_copy(update={"population": scenario.population.model_copy(
            update={"arrivals_per_day": 0.0})})
    # Events after the date are the actual outcome here, not data calibration leaves unused.
    return scenario, with_scenario, [d for d in fitted.diagnostics if d.code != LATER_UNUSED]


def _fits(scenario: Scenario) -> dict[str, dict[str, float]]:
    """The fitted purchase models' parameters, as the forecast used them."""
    found = {}
    if scenario.purchase.bgnbd is not None:
        model = scenario.purchase.bgnbd
        found["bgnbd"] = {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b,
                          "per_days": model.per_minutes / MINUTES_PER_DAY}
    if scenario.purchase.gamma_gamma is not None:
        model = scenario.purchase.gamma_gamma
        found["gamma_gamma"] = {"p": model.p, "q": model.q, "gamma": model.gamma}
    return found


def _interval(values: list[float] | np.ndarray) -> tuple[float, float, float]:
    """The mean and the middle 95% of the replications' values."""
    values = np.asarray(values, dtype=float)
    # The (R + 1)p-th of R values: a new value from the same model falls below it with chance
    # p, so the interval holds it 95 times in 100 whatever R (the default interpolation's
    # interval, from the (R - 1)p + 1-th, holds it only about 90 times in 100 at R = 40).
    low, high = np.quantile(values, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], method="weibull")
    return float(values.mean()), float(low), float(high)


def _kpi_rows(tallies: list[Tally], actual: Actual, size: int) -> list[Row]:
    rows = []
    figures: list[tuple[str, Callable[[Tally], float], float]] = [
        ("purchases", lambda t: t.purchases, actual.purchases),
        ("purchasers", lambda t: t.purchasers, actual.purchasers),
        ("gmv", lambda t: t.gmv, actual.gmv),
        ("unfriends", lambda t: t.unfriends, actual.unfriends),
        ("arrivals", lambda t: t.arrivals, actual.arrivals),
    ]
    for name, of, value in figures:
        rows.append(Row("kpi", name, *_interval([of(t) for t in tallies]), value))
    rates = [("purchase_rate", lambda t: t.purchasers / t.customers if t.customers else 0.0,
              actual.purchasers / (size + actual.arrivals) if size + actual.arrivals else None),
             ("aov", lambda t: t.gmv / t.purchases if t.purchases else 0.0,
              actual.gmv / actual.purchases if actual.purchases else None)]
    for name, of, value in rates:
        rows.append(Row("kpi", name, *_interval([of(t) for t in tallies]), value))
    return rows


def _journey_rows(tallies: list[Tally], actual: Tally) -> list[Row]:
    """Each journey's entries and goals, and each split arm's entries, goal rates and spend
    (actual: the journeys replayed through what customers did, `backtest_replay`)."""
    rows = []
    for name, journey in tallies[0].journeys.items():
        real = actual.journeys[name]
        rows.append(Row("goal", f"{name} entered", *_interval(
            [t.journeys[name].entered for t in tallies]), real.entered))
        for goal in journey.goals:
            rows.append(Row("goal", f"{name} {goal} reached", *_interval(
                [t.journeys[name].goals[goal].reached for t in tallies]),
                real.goals[goal].reached))
            rows += _rate_row("goal", f"{name} {goal} rate",
                              [t.journeys[name].goals[goal].rate for t in tallies],
                              real.goals[goal].rate)
        for split, arms in journey.arms.items():
            for arm, figures in arms.items():
                where = f"{name} {split}.{arm}"
                forecast = [t.journeys[name].arms[split][arm] for t in tallies]
                seen = real.arms[split][arm]
                rows.append(Row("arm", f"{where} entered",
                                *_interval([f.entered for f in forecast]), seen.entered))
                for goal in figures.goals:
                    rows += _rate_row("arm", f"{where} {goal} rate",
                                      [f.goals[goal].rate for f in forecast],
                                      seen.goals[goal].rate)
                rows.append(Row("arm", f"{where} spend", *_interval(
                    [f.spend or 0.0 for f in forecast]), seen.spend))
                rows += _rate_row("arm", f"{where} spend per entry",
                                  [f.spend_per_entry for f in forecast], seen.spend_per_entry)
    return rows


def _rate_row(kind: str, name: str, rates: list[float | None],
              actual: float | None) -> list[Row]:
    """A goal rate over the replications that had entries to measure it on (none: no row)."""
    measured = [rate for rate in rates if rate is not None]
    return [Row(kind, name, *_interval(measured), actual)] if measured else []


def _step_rows(tallies: list[Tally], actual: Actual) -> list[Row]:
    """Each send step's deliveries, opens and clicks (actual: rows naming journey and step)."""
    rows = []
    for journey, tally in tallies[0].journeys.items():
        for step, figures in tally.steps.items():
            if figures.channel is None:
                continue
            for figure in STEP_FIGURES.values():
                values = [getattr(t.journeys[journey].steps[step], figure) for t in tallies]
                seen = actual.steps.get((journey, step, figure))
                rows.append(Row("step", f"{step} {figure}", *_interval(values),
                                float(seen) if seen is not None else None))
    return rows


def _tracking(tallies: list[Tally], actual: Actual) -> list[tuple[float, float, float, float]]:
    """Per day: actual cumulative purchases, and the forecast's mean and 95% interval."""
    runs = np.cumsum(np.array([t.daily.purchases[:actual.days] for t in tallies]), axis=1)
    done = np.cumsum(actual.daily_purchases)
    return [(float(done[day]), *_interval(runs[:, day])) for day in range(runs.shape[1])]


def _segments(tallies: list[Tally], actual: Actual,
              base: RealBase) -> list[FrequencySegment]:
    """Mean purchases per customer after the date by repeat purchases before it."""
    assert base.evidence is not None
    names = frequency_segments(base.evidence.x)
    bought = actual.per_customer(base.size)
    order = sorted(set(names), key=lambda name: int(name.rstrip("+")))
    out = []
    for name in order:
        members = [i for i, n in enumerate(names) if n == name]
        count = len(members)
        per_run = [t.segments.get(name, 0.0) / count for t in tallies]
        out.append(FrequencySegment(name, count, float(bought[members].mean()),
                                    *_interval(per_run)))
    return out

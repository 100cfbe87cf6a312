"""Back-tests: CDNOW's weeks 40-78 forecast from the end of week 39 against the BG/NBD
conditional expectation (Fader, Hardie & Lee 2005, eq. 10) and the published actual."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import sopdsl
from simulator.backtest import backtest
from tests.test_real_base import conditional_expectation_of

# Fader, Hardie & Lee (2005): 1,882 repeat transactions in weeks 40-78 of the CDNOW cohort.
PUBLISHED_ACTUAL = 1882
AT = dt.date(1997, 10, 1)  # the end of week 39
WEEKS = 39


def _histories(events: Path) -> dict[str, tuple[float, float, float]]:
    """Each customer's (x, t_x, T) in weeks from their purchase days before AT: transactions
    are days, T runs to the last day of week 39."""
    days: dict[str, set[dt.date]] = defaultdict(set)
    for line in events.read_text().splitlines()[1:]:
        customer, day, *_ = line.split(",")
        when = dt.date.fromisoformat(day)
        if when < AT:
            days[customer].add(when)
    last = AT - dt.timedelta(days=1)
    return {c: (len(d) - 1, (max(d) - min(d)).days / 7, (last - min(d)).days / 7)
            for c, d in days.items()}


@pytest.fixture(scope="module")
def cdnow_backtest(cdnow_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    """An empty playbook back-tested on CDNOW at the end of week 39 for 39 weeks."""
    folder = tmp_path_factory.mktemp("empty")
    (folder / "empty.sop").write_text('playbook "empty" { }\n', encoding="utf-8")
    customers, events = cdnow_files
    result = backtest(sopdsl.load(folder / "empty.sop"), customers, events, at=AT,
                      days=WEEKS * 7, replications=40, seed=3)
    return result, _histories(events)


def test_cdnow_actual_is_the_published_count(cdnow_backtest) -> None:
    """The repeat transactions of weeks 40-78, counted by day, are the published 1,882."""
    result, _ = cdnow_backtest
    purchases = next(row for row in result.rows if row.name == "purchases")
    assert purchases.actual == PUBLISHED_ACTUAL
    assert result.customers == 2357 and result.tracking[-1][0] == PUBLISHED_ACTUAL


def test_cdnow_forecast_is_the_bgnbd_conditional_expectation(cdnow_backtest) -> None:
    """The simulated repeat transactions agree with eq. 10 summed over customers from the
    fitted parameters (about 1,658, as published) within Monte Carlo error, in total and in
    each segment of the per-frequency table."""
    result, histories = cdnow_backtest
    fit = result.fits["bgnbd"]
    params = (fit["r"], fit["alpha"], fit["a"], fit["b"])
    expected = {c: conditional_expectation_of(params, WEEKS, *h) for c, h in histories.items()}
    total = sum(expected.values())
    assert total == pytest.approx(1658, abs=10)
    runs = np.array([t.purchases for t in result.forecast.tallies])
    error = runs.std(ddof=1) / math.sqrt(runs.size)
    assert abs(runs.mean() - total) <= 4 * error, (runs.mean(), total)
    by_segment: dict[str, list[float]] = defaultdict(list)
    for customer, (x, _, _) in histories.items():
        by_segment["7+" if x >= 7 else str(int(x))].append(expected[customer])
    for segment in result.segments:
        want = float(np.mean(by_segment[segment.name]))
        per_run = np.array([t.segments.get(segment.name, 0.0) / segment.customers
                            for t in result.forecast.tallies])
        error = max(per_run.std(ddof=1), 1e-9) / math.sqrt(per_run.size)
        assert abs(per_run.mean() - want) <= 4.5 * error, (segment.name, per_run.mean(), want)
        assert segment.customers == len(by_segment[segment.name])


def test_cdnow_tracking_rises_to_the_forecast_and_the_actual(cdnow_backtest) -> None:
    """The tracking chart's series are cumulative: never falling, ending at the totals."""
    result, _ = cdnow_backtest
    actual = [day[0] for day in result.tracking]
    means = [day[1] for day in result.tracking]
    assert len(result.tracking) == WEEKS * 7
    assert actual == sorted(actual) and means == sorted(means)
    purchases = next(row for row in result.rows if row.name == "purchases")
    assert means[-1] == pytest.approx(purchases.mean)


@pytest.mark.parametrize("name", ["coupons", "winback"])
def test_replaying_what_customers_did_counts_what_the_simulation_counted(
        name: str, tmp_path: Path) -> None:
    """Customers simulated from a real base (arms chosen as plans choose them), their events
    then replayed through the journeys as a back-test's actual: every journey's entries, goals
    reached and split arms' entries and spend are the simulation's."""
    from simulator.backtest_replay import replayed
    from simulator.real_base import read_base
    from simulator.trace import trace_replication
    from sopdsl.runtime.arms import stable_arm
    from sopdsl.scenario.build import effective_scenario
    from tests.test_engine import small
    from tests.test_plan_vs_simulation import REAL_BASE_CASES, simulated_and_planned

    case = next(case for case in REAL_BASE_CASES if case.name == name)
    planned = simulated_and_planned(case, tmp_path)
    program, start = planned.program, planned.planner.settings.start
    base, problems = read_base(program, tmp_path / "customers.jsonl", tmp_path / "events.jsonl",
                               start=start, lookback_days=case.start_day)
    assert problems == [] and base is not None
    scenario, _ = effective_scenario(program)
    scenario = small(scenario, case.population, 0, case.days).model_copy(
        update={"start": start.date()})
    trace = trace_replication(program, scenario, case.seed, choose_arm=stable_arm, base=base)
    after = {index: [e for e in trace.customers[data.id].events if e.time >= 0]
             for index, (data, _) in enumerate(base.customers())}
    actual = replayed(program, scenario, base, after, case.days)
    compared = 0
    for journey, simulated in trace.tally.journeys.items():
        replay = actual.journeys[journey]
        assert replay.entered == simulated.entered, journey
        for goal, figures in simulated.goals.items():
            assert replay.goals[goal].reached == figures.reached, (journey, goal)
        for split, arms in simulated.arms.items():
            for arm, figures in arms.items():
                replayed_arm = replay.arms[split][arm]
                assert replayed_arm.entered == figures.entered, (split, arm)
                # Spend: the same purchases, in the same windows, counted the same way.
                assert replayed_arm.measured == figures.measured, (split, arm)
                assert replayed_arm.spend == pytest.approx(figures.spend), (split, arm)
        compared += simulated.entered
    assert compared > 0

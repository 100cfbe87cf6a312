"""Tests for the forecast report: its JSON shape, hand-computed figures, and the text tables."""

from __future__ import annotations

import json

import pytest
from forecast_kit import exact_tally, fixed_forecast, fixed_tally, small_scenario
from golden import GOLDEN_ROOT, assert_golden

from simulator.montecarlo import Forecast
from simulator.report import GOAL_NOTE, aggregate, build_report
from simulator.report_text import money, number, percent, render_report
from simulator.results import StepTally

T2 = 4.302652729749464  # t(0.975, 2)
HALF_SD2_N3 = T2 * 2 / 3**0.5  # the half width for three values with sd 2


def is_figure(value: object) -> bool:
    return (isinstance(value, dict) and set(value) == {"mean", "ci95"}
            and len(value["ci95"]) == 2)


def test_report_json_golden() -> None:
    """The report of three fixed tallies matches its reviewed golden JSON."""
    report = build_report(fixed_forecast())
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    assert_golden(GOLDEN_ROOT / "report" / "fixed.json", text)


def test_report_text_golden() -> None:
    """The text rendering of the same report matches its reviewed golden file."""
    text = render_report(build_report(fixed_forecast()))
    assert_golden(GOLDEN_ROOT / "report" / "fixed.txt", text)


def test_report_has_the_issue_shape() -> None:
    """Journeys, funnel, kpis, staff and meta are there, and every figure is an F."""
    report = build_report(fixed_forecast())
    journey = report["journeys"]["onboarding"]
    for key in ("entered", "completed", "exited"):
        assert is_figure(journey[key])
    assert set(journey["goals"]["first_order"]) >= {"reached", "rate"}
    assert set(journey["steps"]["onboarding/1"]) == {"channel", "reached", "sent", "delivered",
                                                    "opened", "clicked", "actions"}
    assert journey["steps"]["onboarding/1"]["channel"] == "moments"
    assert journey["steps"]["onboarding/1"]["actions"]["mean"] == 3.0  # posts, not customers
    assert is_figure(journey["arms"]["coupon_test"]["coupon"]["goals"]["first_order"]["rate"])
    assert set(report["kpis"]) == {"task_completion_rate", "interaction_rate", "purchase_rate",
                                   "unfriend_rate", "gmv", "aov", "revenue_per_customer", "cac",
                                   "roi"}
    assert all(is_figure(f) for f in report["kpis"].values())
    assert set(report["staff"]["guide"]) == {"tasks", "done", "expired", "utilisation",
                                            "max_backlog", "on_time", "late", "missed",
                                            "abandoned", "sla_hit_rate"}
    # Entered 10, 12, 14: on time 5, 7, 9 of 8, 10, 12 decided tasks, averaged per replication.
    hit = report["staff"]["guide"]["sla_hit_rate"]["mean"]
    assert hit == pytest.approx(sum(on / (on + 3) for on in (5, 7, 9)) / 3)
    assert list(report["funnel"]) == ["visitor", "prospect", "won"]


def test_counts_by_hand() -> None:
    """Entered 10, 12, 14 gives mean 12 and 12 -/+ t(0.975, 2) * 2 / sqrt(3)."""
    entered = build_report(fixed_forecast())["journeys"]["onboarding"]["entered"]
    assert entered["mean"] == 12.0
    assert entered["ci95"] == pytest.approx([12 - HALF_SD2_N3, 12 + HALF_SD2_N3], abs=1e-8)


def test_goal_rate_is_averaged_per_replication() -> None:
    """Rates 2/8, 3/10 and 4/12 average to 0.294444, not 9/30 = 0.3."""
    rate = build_report(fixed_forecast())["journeys"]["onboarding"]["goals"]["first_order"]["rate"]
    assert rate["mean"] == pytest.approx((2 / 8 + 3 / 10 + 4 / 12) / 3, abs=1e-9)


def test_kpis_by_hand() -> None:
    """AOV per replication is 600/4, 900/5, 1200/6; ROI is (gmv - 50) / 50."""
    kpis = build_report(fixed_forecast())["kpis"]
    assert kpis["aov"]["mean"] == pytest.approx((150 + 180 + 200) / 3, abs=1e-7)
    assert kpis["roi"]["mean"] == pytest.approx((11 + 17 + 23) / 3, abs=1e-9)
    assert kpis["task_completion_rate"]["mean"] == pytest.approx((8 / 10 + 10 / 12 + 12 / 14) / 3)
    assert kpis["unfriend_rate"] == {"mean": 0.01, "ci95": [0.01, 0.01]}


def test_missing_figures_count_as_zero() -> None:
    """A step only one of two replications ran counts as zero in the other."""
    forecast = fixed_forecast()
    forecast.tallies = forecast.tallies[:2]
    forecast.tallies[1].journeys["onboarding"].steps["extra"] = StepTally(reached=4.0)
    report = build_report(forecast)
    assert report["journeys"]["onboarding"]["steps"]["extra"]["reached"]["mean"] == 2.0


def test_aggregate_keeps_first_seen_order() -> None:
    """Keys come in the order replications first name them."""
    merged = aggregate([{"b": 1.0, "a": {"y": 1.0}}, {"a": {"x": 2.0}, "c": 3.0}])
    assert list(merged) == ["b", "a", "c"]
    assert list(merged["a"]) == ["y", "x"]


def test_meta() -> None:
    """Meta names the method, replications, seed, scenario, start, horizon and the goal note."""
    meta = build_report(fixed_forecast())["meta"]
    assert meta["method"] == "montecarlo" and meta["replications"] == 3 and meta["seed"] == 7
    assert meta["scenario"] == "baseline" and meta["start"] == "2026-12-01"
    assert meta["horizon"] == "2d" and meta["horizon_minutes"] == 2880
    assert meta["customers"] == {"mean": 100.0, "ci95": [100.0, 100.0]}
    assert GOAL_NOTE in meta["notes"]


def test_exact_report_has_zero_width_intervals() -> None:
    """An exact forecast reports its expected counts with intervals of zero width."""
    forecast = Forecast(method="exact", playbook="p.sop", scenario=small_scenario(),
                        tallies=[exact_tally(None, None)])
    report = build_report(forecast)
    rate = report["journeys"]["onboarding"]["goals"]["first_order"]["rate"]
    assert rate == {"mean": 0.125, "ci95": [0.125, 0.125]}
    assert report["meta"]["replications"] is None and report["meta"]["method"] == "exact"
    assert "Monte Carlo" not in render_report(report)


def test_text_names_every_part() -> None:
    """The text has the funnel, KPIs, journey goals, steps, split arms, staff and the goal note."""
    text = render_report(build_report(fixed_forecast()))
    for part in ("Funnel", "KPIs", "Journey `onboarding`", "first_order", "onboarding/1",
                 "split `coupon_test`", "Staff", "frequency_cap 2.0", "goal window ended"):
        assert part in text


def test_text_lines_fit_the_width() -> None:
    """No line is wider than the width asked for, CJK names included."""
    forecast = fixed_forecast()
    for tally in forecast.tallies:
        tally.funnel = {"新客": 100.0, "意向": 20.0}
    text = render_report(build_report(forecast), width=90)
    from sopdsl.render.text import display_width

    assert max(display_width(line) for line in text.splitlines()) <= 90
    assert "新客" in text


def test_number_formats() -> None:
    """Counts get fewer decimals as they grow; rates are percentages; money has two decimals."""
    assert [number(v) for v in (0, 0.256, 3.14159, 1234.5)] == ["0", "0.26", "3.1", "1,234"]
    assert [percent(v) for v in (0.5, 0.0123)] == ["50.0%", "1.23%"]
    assert money(1234.5) == "1,234.50"


def test_fixed_tally_is_consistent() -> None:
    """The kit's tally counts what its docstring promises (a guard on the golden input)."""
    tally = fixed_tally(10, 2, 600.0)
    assert tally.journeys["onboarding"].goals["first_order"].rate == 0.25
    assert tally.kpis()["aov"] == 150.0

"""Tests for the forecast charts and the daily CSV written next to them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from forecast_kit import fixed_forecast

from simulator.plots import write_plots
from simulator.report import build_report
from simulator.outputs import write_outputs
from simulator.timeseries import daily_csv, daily_estimates

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
T2 = 4.302652729749464  # t(0.975, 2)


def charts_of(forecast, folder: Path) -> tuple[list[Path], list[str]]:
    report = build_report(forecast)
    return write_plots(report, daily_estimates(forecast.tallies), forecast.scenario.start, folder)


def test_every_chart_is_a_png(tmp_path: Path) -> None:
    """Funnel, daily, backlog and arms charts are written as real PNG images, nothing else."""
    written, _ = charts_of(fixed_forecast(), tmp_path)
    names = ["funnel.png", "daily.png", "backlog.png", "arms.png"]
    assert [p.name for p in written] == names
    for path in written:
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # no temporary files


def test_no_arms_chart_without_splits(tmp_path: Path) -> None:
    """A playbook without splits gets no arms chart."""
    forecast = fixed_forecast()
    for tally in forecast.tallies:
        tally.journeys["onboarding"].arms = {}
    written, _ = charts_of(forecast, tmp_path)
    assert "arms.png" not in [p.name for p in written]


def test_chinese_names_are_drawn(tmp_path: Path) -> None:
    """Chinese stage and role names draw without font warnings, or with the note on fonts."""
    from sopdsl.draw.fonts import FALLBACK_FONT, NO_CJK_FONT, font_families

    forecast = fixed_forecast()
    for tally in forecast.tallies:
        tally.funnel = {"新客": 100.0, "意向": 20.0}
        tally.daily.backlog = {"导购": [1.0, 2.0]}
    _, notes = charts_of(forecast, tmp_path)
    families, _ = font_families()
    assert (NO_CJK_FONT in notes) == (families[0] == FALLBACK_FONT)


def test_dollar_signs_in_names_are_drawn_as_written(tmp_path: Path, monkeypatch) -> None:
    """A `$` in the playbook's name, a stage or a role is no formula (`a$^$b` crashed)."""
    from matplotlib import mathtext

    def no_formulas(*args: object, **kwargs: object) -> None:
        raise AssertionError("a label was parsed as a formula")

    monkeypatch.setattr(mathtext.MathTextParser, "parse", no_formulas)
    forecast = fixed_forecast()
    for tally in forecast.tallies:
        tally.funnel = {"满$99减$10": 100.0, "a$^$b": 20.0}
        tally.daily.backlog = {"$guide$": [1.0, 2.0]}
    forecast.playbook = "playbooks/满$99减$10 a$^$b.sop"
    written, _ = charts_of(forecast, tmp_path)
    assert all(path.read_bytes().startswith(PNG_SIGNATURE) for path in written)


def test_daily_series_by_hand() -> None:
    """Day 2 purchases are 4, 5, 6 over three replications: mean 5, 5 -/+ t(0.975, 2) / sqrt(3)."""
    series = daily_estimates(fixed_forecast().tallies)
    assert list(series) == ["sends", "delivered", "clicks", "purchases", "unfriends",
                            "backlog guide"]
    day2 = series["purchases"][1]
    assert day2.mean == 5.0
    assert day2.high - day2.mean == pytest.approx(T2 / 3**0.5, abs=1e-9)


def test_a_missing_day_counts_as_zero() -> None:
    """A replication with a shorter series contributes zero on the days it lacks."""
    tallies = fixed_forecast().tallies[:2]
    tallies[0].daily.sends = [4.0]
    series = daily_estimates(tallies)
    assert [e.mean for e in series["sends"]] == [8.0, 6.0]


def test_daily_csv_writes_negative_bounds_as_numbers() -> None:
    """A lower bound below zero stays a plain number (`-1.4...`), not neutralised text: only
    text cells are neutralised against spreadsheet formulas."""
    forecast = fixed_forecast()
    for tally, unfriends in zip(forecast.tallies, ([0.0], [0.0], [3.0])):
        tally.daily.unfriends = unfriends
    text = daily_csv(forecast.tallies, forecast.scenario.start)
    low = next(csv.DictReader(io.StringIO(text)))["unfriends_ci95_low"]
    # mean 1, sample sd sqrt(3): the half-width is T2 * sqrt(3) / sqrt(3)
    assert low.startswith("-") and float(low) == pytest.approx(1 - T2)
    assert "'" not in text


def test_daily_csv() -> None:
    """The CSV has a row per day with dates from the start, and mean and bounds per series."""
    forecast = fixed_forecast()
    text = daily_csv(forecast.tallies, forecast.scenario.start)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["day"], r["date"]) for r in rows] == [("1", "2026-12-01"), ("2", "2026-12-02")]
    assert rows[1]["purchases"] == "5.0"
    assert float(rows[1]["purchases_ci95_low"]) == pytest.approx(5 - T2 / 3**0.5, abs=1e-8)
    assert rows[0]["backlog_guide"] == "2.0"


def test_outputs_are_the_report_the_daily_csv_and_the_charts(tmp_path: Path) -> None:
    """`write_outputs` makes the folder and writes report.json, daily.csv and every chart."""
    forecast = fixed_forecast()
    written = write_outputs(tmp_path / "out", forecast)
    names = ["report.json", "daily.csv", "funnel.png", "daily.png", "backlog.png", "arms.png"]
    assert [p.name for p in written.files] == names
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names)
    report = json.loads(written.files[0].read_text(encoding="utf-8"))
    assert report == json.loads(json.dumps(build_report(forecast)))
    assert written.files[1].read_text(encoding="utf-8") == daily_csv(forecast.tallies,
                                                                     forecast.scenario.start)


def test_outputs_that_cannot_be_written_raise(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(OSError):
        write_outputs(tmp_path / "taken", fixed_forecast())

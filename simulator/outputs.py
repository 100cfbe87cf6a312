"""A forecast's files: the report as JSON, the daily series as CSV and the charts as PNG.

They go into one folder, replaced as a whole: a new folder, or one holding only files a
forecast writes (so an earlier forecast's are replaced, and nothing else is lost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.plots import CHART_FILES
from simulator.report import build_report, report_json

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast

REPORT_FILE, DAILY_FILE = "report.json", "daily.csv"


@dataclass
class WrittenOutputs:
    """The files written, and what the reader should know about them (missing fonts)."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_outputs(folder: str | Path) -> None:
    """Raise OSError unless `folder` may take a forecast's files (before a long forecast)."""
    from sopdsl.atomic import check_folder

    check_folder(folder, _ours)


def write_outputs(folder: str | Path, forecast: Forecast,
                  report: dict | None = None) -> WrittenOutputs:
    """report.json, daily.csv and the charts of a forecast, swapped in as the folder `folder`;
    `report` is the forecast's, when already built. Raises OSError when it cannot be written.
    """
    from simulator.plots import write_plots
    from simulator.timeseries import daily_csv, daily_estimates
    from sopdsl.atomic import atomic_folder, write_text

    folder = Path(folder)
    report = build_report(forecast) if report is None else report
    start = forecast.scenario.start
    with atomic_folder(folder, _ours) as fresh:
        write_text(fresh / REPORT_FILE, report_json(report))
        write_text(fresh / DAILY_FILE, daily_csv(forecast.tallies, start))
        charts, notes = write_plots(report, daily_estimates(forecast.tallies), start, fresh)
    names = [REPORT_FILE, DAILY_FILE, *(chart.name for chart in charts)]
    return WrittenOutputs([folder / name for name in names], notes)


def _ours(name: str) -> bool:
    """The files a forecast writes: an earlier forecast's may be replaced, nothing else."""
    return name in (REPORT_FILE, DAILY_FILE, *CHART_FILES)

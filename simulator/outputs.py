"""A forecast's files: the report as JSON, the daily series as CSV and the charts as PNG."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.report import build_report, report_json

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast


@dataclass
class WrittenOutputs:
    """The files written, and what the reader should know about them (missing fonts)."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_outputs(folder: str | Path, forecast: Forecast,
                  report: dict | None = None) -> WrittenOutputs:
    """report.json, daily.csv and the charts of a forecast in `folder` (made when missing),
    each file written atomically; `report` is the forecast's, when already built.

    Raises OSError when the folder or a file cannot be written.
    """
    from simulator.plots import write_plots
    from simulator.timeseries import daily_csv, daily_estimates
    from sopdsl.atomic import write_text

    folder = Path(folder)
    report = build_report(forecast) if report is None else report
    start = forecast.scenario.start
    folder.mkdir(parents=True, exist_ok=True)
    written = WrittenOutputs([folder / "report.json", folder / "daily.csv"])
    write_text(written.files[0], report_json(report))
    write_text(written.files[1], daily_csv(forecast.tallies, start))
    charts, written.notes = write_plots(report, daily_estimates(forecast.tallies), start, folder)
    written.files += charts
    return written

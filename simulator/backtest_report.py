"""A back-test as text tables, as JSON, and as files: backtest.json, tracking.csv, segments.csv
and the tracking chart (actual cumulative purchases per day against the forecast band)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from simulator.backtest import Backtest
from simulator.outputs import WrittenOutputs

JSON_FILE, TRACKING_FILE, SEGMENTS_FILE, CHART_FILE = (
    "backtest.json", "tracking.csv", "segments.csv", "tracking.png")
FILES = (JSON_FILE, TRACKING_FILE, SEGMENTS_FILE, CHART_FILE)


def backtest_json(result: Backtest) -> str:
    """The back-test as indented JSON."""
    return json.dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n"


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def render_backtest(result: Backtest) -> str:
    """Figures, coverage and the per-segment table as text."""
    end = result.at + dt.timedelta(days=result.days)
    lines = [f"Back-test from {result.at} for {result.days} days (to {end}), "
             f"{result.customers:,} customers at the start", ""]
    width = max([34, *(len(row.name) for row in result.rows)])
    header = f"{'figure':<{width}} {'forecast':>10} {'95% interval':>22} {'actual':>10} " \
             f"{'error':>10}  covered"
    lines += [header, "─" * len(header)]
    for row in result.rows:
        interval = f"{_number(row.low)} – {_number(row.high)}"
        covered = "n/a" if row.covered is None else "yes" if row.covered else "NO"
        lines.append(f"{row.name:<{width}} {_number(row.mean):>10} {interval:>22} "
                     f"{_number(row.actual):>10} {_number(row.error):>10}  {covered}")
    cover = result.coverage
    lines += ["", f"Coverage: {cover['covered']} of {cover['figures']} figures inside their "
              f"95% interval" + (f" ({cover['share']:.0%})" if cover["share"] is not None
                                 else ""), ""]
    header = f"{'repeat purchases before':<24} {'customers':>10} {'actual mean':>12} " \
             f"{'forecast':>10} {'95% interval':>18}"
    lines += ["Purchases per customer after the date, by repeat purchases before it", header,
              "─" * len(header)]
    for s in result.segments:
        lines.append(f"{s.name:<24} {s.customers:>10,} {s.actual:>12.3f} {s.mean:>10.3f} "
                     f"{s.low:>8.3f} – {s.high:<7.3f}")
    return "\n".join(lines) + "\n"


def tracking_csv(result: Backtest) -> str:
    """Per day: the date, actual cumulative purchases, the forecast's mean and interval."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "date", "actual", "forecast", "low", "high"])
    for day, (actual, mean, low, high) in enumerate(result.tracking):
        date = result.at + dt.timedelta(days=day)
        writer.writerow([day + 1, date.isoformat(), actual, round(mean, 4), low, high])
    return out.getvalue()


def segments_csv(result: Backtest) -> str:
    """Per segment: customers, actual and forecast mean purchases per customer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["repeat_purchases_before", "customers", "actual", "forecast", "low",
                     "high"])
    for s in result.segments:
        writer.writerow([s.name, s.customers, round(s.actual, 6), round(s.mean, 6),
                         round(s.low, 6), round(s.high, 6)])
    return out.getvalue()


def check_backtest_outputs(folder: str | Path) -> None:
    """Raise OSError unless `folder` may take a back-test's files."""
    from sopdsl.atomic import check_folder

    check_folder(folder, FILES.__contains__)


def write_backtest(folder: str | Path, result: Backtest) -> WrittenOutputs:
    """The back-test's files, swapped in as the folder `folder` (OSError when it cannot be)."""
    from sopdsl.atomic import atomic_folder, write_text

    folder = Path(folder)
    with atomic_folder(folder, FILES.__contains__) as fresh:
        write_text(fresh / JSON_FILE, backtest_json(result))
        write_text(fresh / TRACKING_FILE, tracking_csv(result))
        write_text(fresh / SEGMENTS_FILE, segments_csv(result))
        _chart(result, fresh / CHART_FILE)
    return WrittenOutputs([folder / name for name in FILES])


def _chart(result: Backtest, path: Path) -> None:
    """Actual cumulative purchases per day over the forecast's mean and 95% band."""
    from matplotlib.figure import Figure

    from sopdsl.atomic import atomic_output

    days = [result.at + dt.timedelta(days=day) for day in range(len(result.tracking))]
    actual, mean, low, high = (list(series) for series in zip(*result.tracking)) \
        if result.tracking else ([], [], [], [])
    figure = Figure(figsize=(8, 4.5))
    ax = figure.subplots()
    ax.fill_between(days, low, high, alpha=0.25, label="forecast, 95% interval")
    ax.plot(days, mean, linestyle="--", label="forecast mean")
    ax.plot(days, actual, color="black", label="actual")
    ax.set_title("Cumulative purchases after the back-test date")
    ax.set_ylabel("purchases")
    ax.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    with atomic_output(path) as out:
        figure.savefig(out, format="png", dpi=100, facecolor="white")

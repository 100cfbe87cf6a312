"""A forecast's charts as PNG files: funnel, daily activity, staff backlog and split arms.

Every chart shows the mean with its 95% interval (error bars or a shaded band). Labels use
the same CJK-capable fonts as `sopdsl graph` drawings, so Chinese stage, role and arm names
are readable. Files are written atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulator.stats import Estimate

DPI = 110
COLOURS = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04")
DAILY_PANELS = (("sends", "sends"), ("clicks", "clicks"), ("purchases", "purchases"))
BAND_ALPHA = 0.2
CHART_FILES = ("funnel.png", "daily.png", "backlog.png", "arms.png")


def write_plots(report: dict, daily: dict[str, list[Estimate]], start: dt.date,
                folder: str | Path) -> tuple[list[Path], list[str]]:
    """Write every chart into `folder`; the files written and notes for the user.

    `arms.png` is written only when the playbook has splits.
    """
    from sopdsl.draw.fonts import drawing_fonts, missing_font_note

    folder = Path(folder)
    funnel, daily_chart, backlog, arms = CHART_FILES
    charts: list[tuple[str, Callable[[], Any]]] = [
        (funnel, lambda: _funnel(report)),
        (daily_chart, lambda: _daily(daily, start)),
        (backlog, lambda: _backlog(daily, start)),
    ]
    if any(journey["arms"] for journey in report["journeys"].values()):
        charts.append((arms, lambda: _arms(report)))
    written = []
    with drawing_fonts() as (families, notes):
        for name, draw in charts:
            _save(draw(), folder / name)
            written.append(folder / name)
    return written, notes + missing_font_note(families, _chart_texts(report, daily))


def _save(figure: Any, path: Path) -> None:
    from sopdsl.atomic import atomic_output

    figure.tight_layout()
    with atomic_output(path) as out:
        figure.savefig(out, format="png", dpi=DPI, facecolor="white")


def _figure(width: float, height: float, rows: int = 1, shared_x: bool = False
            ) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    axes = figure.subplots(rows, 1, squeeze=False, sharex=shared_x)
    return figure, axes


def _errors(figures: list[dict]) -> list[list[float]]:
    """Error bar lengths below and above each mean (matplotlib's `xerr`/`yerr` shape)."""
    below = [f["mean"] - f["ci95"][0] for f in figures]
    above = [f["ci95"][1] - f["mean"] for f in figures]
    return [below, above]


def _funnel(report: dict) -> Any:
    stages = list(report["funnel"])
    figures = [report["funnel"][stage] for stage in stages]
    figure, axes = _figure(7, 1.2 + 0.5 * max(len(stages), 1))
    ax = axes[0][0]
    positions = range(len(stages))
    ax.barh(positions, [f["mean"] for f in figures], xerr=_errors(figures), color=COLOURS[0],
            capsize=4)
    ax.set_yticks(list(positions), stages)
    ax.invert_yaxis()  # the first stage on top, as a funnel reads
    for position, f in zip(positions, figures):
        ax.annotate(f"{f['mean']:,.0f}", (f["mean"], position), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel("customers at or past the stage at the end (mean, 95% interval)")
    ax.set_title(f"Funnel: {report['meta']['playbook']}")
    return figure


def _days(start: dt.date, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=day) for day in range(count)]


def _band(ax: Any, dates: list[dt.date], estimates: list[Estimate], label: str,
          colour: str) -> None:
    ax.plot(dates, [e.mean for e in estimates], color=colour, label=label, linewidth=1.4)
    ax.fill_between(dates, [e.low for e in estimates], [e.high for e in estimates],
                    color=colour, alpha=BAND_ALPHA, linewidth=0)


def _daily(daily: dict[str, list[Estimate]], start: dt.date) -> Any:
    figure, axes = _figure(8, 6.5, rows=len(DAILY_PANELS), shared_x=True)
    for row, (key, title) in enumerate(DAILY_PANELS):
        ax = axes[row][0]
        estimates = daily.get(key, [])
        _band(ax, _days(start, len(estimates)), estimates, title, COLOURS[row])
        ax.set_ylabel(f"{title} per day")
        ax.grid(alpha=0.3)
    axes[0][0].set_title("Daily activity (mean, 95% band)")
    figure.autofmt_xdate()
    return figure


def _backlog(daily: dict[str, list[Estimate]], start: dt.date) -> Any:
    from simulator.timeseries import BACKLOG

    figure, axes = _figure(8, 3.5)
    ax = axes[0][0]
    roles = [name for name in daily if name.startswith(f"{BACKLOG} ")]
    for index, name in enumerate(roles):
        estimates = daily[name]
        role = name.removeprefix(f"{BACKLOG} ")
        _band(ax, _days(start, len(estimates)), estimates, role, COLOURS[index % len(COLOURS)])
    if roles:
        ax.legend(loc="upper left", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no staff work", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("open items at day end")
    ax.set_title("Staff backlog per role (mean, 95% band)")
    ax.grid(alpha=0.3)
    figure.autofmt_xdate()
    return figure


def _split_panels(report: dict) -> list[tuple[str, dict]]:
    return [(f"{journey} / {split}", arms) for journey, figures in report["journeys"].items()
            for split, arms in figures["arms"].items()]


def _arms(report: dict) -> Any:
    panels = _split_panels(report)
    figure, axes = _figure(7, 3.2 * len(panels), rows=len(panels))
    for row, (title, arms) in enumerate(panels):
        _arm_panel(axes[row][0], title, arms)
    return figure


def _arm_panel(ax: Any, title: str, arms: dict) -> None:
    """Goal rates of each arm side by side, one group of bars per goal."""
    names = list(arms)
    goals = list(dict.fromkeys(goal for arm in arms.values() for goal in arm["goals"]))
    width = 0.8 / max(len(names), 1)
    for index, arm in enumerate(names):
        rates = [arms[arm]["goals"].get(goal, {}).get("rate") for goal in goals]
        figures = [rate or {"mean": 0.0, "ci95": [0.0, 0.0]} for rate in rates]
        positions = [g + (index - (len(names) - 1) / 2) * width for g in range(len(goals))]
        ax.bar(positions, [100 * f["mean"] for f in figures], width,
               yerr=[[100 * e for e in side] for side in _errors(figures)], capsize=4,
               label=arm, color=COLOURS[index % len(COLOURS)])
    ax.set_xticks(range(len(goals)), goals)
    ax.set_ylabel("goal rate (%)")
    ax.set_title(f"Split {title}: goal rate per arm (mean, 95% interval)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    if not goals:
        ax.text(0.5, 0.5, "the journey has no goals", ha="center", va="center",
                transform=ax.transAxes)


def _chart_texts(report: dict, daily: dict) -> list[str]:
    names = [*report["funnel"], *daily, report["meta"]["playbook"]]
    return names + [f"{title} {arm}" for title, arms in _split_panels(report) for arm in arms]

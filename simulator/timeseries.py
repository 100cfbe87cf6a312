"""The daily time series of a forecast: per-day means and 95% intervals, and its CSV file."""

from __future__ import annotations

import datetime as dt
import io

from simulator.results import Tally
from simulator.stats import Estimate, estimate
from sopdsl.csv_cells import CsvWriter

SERIES = ("sends", "delivered", "clicks", "purchases", "unfriends")
BACKLOG = "backlog"


def daily_estimates(tallies: list[Tally]) -> dict[str, list[Estimate]]:
    """Each daily series over the replications (`backlog ROLE` per role), day by day.

    A day a replication did not record counts as zero there.
    """
    columns = {name: [getattr(t.daily, name) for t in tallies] for name in SERIES}
    roles = dict.fromkeys(role for t in tallies for role in t.daily.backlog)
    for role in roles:
        columns[f"{BACKLOG} {role}"] = [t.daily.backlog.get(role, []) for t in tallies]
    days = max((len(series) for runs in columns.values() for series in runs), default=0)
    return {name: [estimate([_day(series, day) for series in runs]) for day in range(days)]
            for name, runs in columns.items()}


def daily_csv(tallies: list[Tally], start: dt.date) -> str:
    """The daily series as CSV: day, date, then each series' mean and interval bounds.

    Figures are written as numbers (an interval's lower bound may be negative); the text
    cells, the header's role names among them, are neutralised as in every sopdsl CSV.
    """
    series = daily_estimates(tallies)
    days = len(next(iter(series.values()), []))
    out = io.StringIO()
    writer = CsvWriter(out, lineterminator="\n")
    header = ["day", "date"]
    for name in series:
        column = name.replace(" ", "_")
        header += [column, f"{column}_ci95_low", f"{column}_ci95_high"]
    writer.writerow(header)
    for day in range(days):
        row: list[object] = [day + 1, (start + dt.timedelta(days=day)).isoformat()]
        for estimates in series.values():
            figure = estimates[day].as_dict()
            row += [figure["mean"], *figure["ci95"]]
        writer.writerow(row)
    return out.getvalue()


def _day(series: list[float], day: int) -> float:
    return series[day] if day < len(series) else 0.0

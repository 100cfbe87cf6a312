"""Two forecasts side by side: the difference B - A of every goal rate and KPI, and if it is real.

Both sides run with common random numbers: the same replication seeds, so replication `i`
of A and of B see the same random draws wherever the playbooks and scenarios allow. The
difference is then estimated per replication pair, with a paired t 95% interval over the
pairs; this cancels much of the noise both sides share, so smaller real differences show as
significant than two independent intervals would allow. A difference is significant when
its interval excludes zero. Exact forecasts have no sampling error: any difference between
two of them is significant.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from simulator.pairing import check_paired, paired
from simulator.report import report_meta, tally_figures
from simulator.report_text import KPI_LABELS, NOT_AVAILABLE, RATE_KPIS, money, percent

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast

NOTE = ("differences are B - A over replication pairs that share their seeds (common random "
        "numbers), with a paired t 95% interval; significant when the interval excludes zero")


def compare(a: Forecast, b: Forecast) -> dict:
    """The differences B - A: `kpis`, `goals` (journey -> goal -> rate) and both sides' meta."""
    if a.method != b.method:
        raise ValueError("both forecasts must use the same method")
    check_paired(a.seeds, b.seeds)
    rows_a, rows_b = _compared(a), _compared(b)
    result: dict = {"kpis": {}, "goals": {}}
    for key in [*rows_a, *(key for key in rows_b if key not in rows_a)]:
        if key not in rows_a or key not in rows_b:
            continue
        section, *names = key
        target = result[section]
        for name in names[:-1]:
            target = target.setdefault(name, {})
        target[names[-1]] = paired(rows_a[key], rows_b[key], a.method == "exact")
    result["only_in_a"] = [_label(key) for key in rows_a if key not in rows_b]
    result["only_in_b"] = [_label(key) for key in rows_b if key not in rows_a]
    result["meta"] = {"a": report_meta(a), "b": report_meta(b), "note": NOTE}
    return result


def _compared(forecast: Forecast) -> dict[tuple[str, ...], list[float | None]]:
    """Per-replication values of every compared figure, keyed by (section, ..., name)."""
    figures = [tally_figures(tally) for tally in forecast.tallies]
    keys = list(dict.fromkeys(key for figure in figures for key in _keys(figure)))
    return {key: [_value(figure, key) for figure in figures] for key in keys}


def _keys(figure: dict) -> Iterator[tuple[str, ...]]:
    yield from (("kpis", name) for name in figure["kpis"])
    for journey, figures in figure["journeys"].items():
        yield from (("goals", journey, goal) for goal in figures["goals"])


def _value(figure: dict, key: tuple[str, ...]) -> float | None:
    if key[0] == "kpis":
        return figure["kpis"].get(key[1], 0.0)
    goal = figure["journeys"].get(key[1], {}).get("goals", {}).get(key[2])
    return goal["rate"] if goal else 0.0


def _label(key: tuple[str, ...]) -> str:
    return ".".join(key)


def render_comparison(result: dict, *, color: bool = False, width: int = 100) -> str:
    """The comparison as a table: A, B, the difference, its interval and significance."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=io.StringIO(), width=width, color_system="standard" if color else None,
                      force_terminal=color, highlight=False)
    meta_a, meta_b = result["meta"]["a"], result["meta"]["b"]
    for side, meta in (("A", meta_a), ("B", meta_b)):
        console.print(f"[bold]{side}[/]: {escape(meta['playbook'])}, scenario "
                      f"`{escape(meta['scenario'])}`")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("figure")
    for column in ("A", "B", "B - A", "95% interval", "significant"):
        table.add_column(column, justify="right")
    for label, row, rate in _rows(result):
        show, change, unit = (percent, points, " pp") if rate else (money, signed_money, "")
        difference = row["difference"]
        spread = NOT_AVAILABLE
        if difference is not None:
            low, high = difference["ci95"]
            spread = f"{change(low)} – {change(high)}{unit}"
        table.add_row(label, _shown(row["a"], show), _shown(row["b"], show),
                      _shown(difference, change, unit), spread, _verdict(row["significant"]))
    console.print()
    console.print(table)
    for side, missing in (("A", result["only_in_a"]), ("B", result["only_in_b"])):
        if missing:
            console.print(f"Only in {side} (not compared): {', '.join(missing)}")
    console.print(f"Note: {result['meta']['note']}.")
    return "".join(f"{line.rstrip()}\n" for line in console.file.getvalue().splitlines())


def points(value: float) -> str:
    """A difference of two rates in percentage points: 0.023 -> `+2.30`."""
    return f"{value * 100:+,.2f}"


def signed_money(value: float) -> str:
    """A difference of two amounts: `+1,234.50`."""
    return f"{value:+,.2f}"


def _rows(result: dict) -> Iterator[tuple[str, dict, bool]]:
    """(label, row, whether the figure is a rate) for every compared figure."""
    for journey, goals in result["goals"].items():
        for goal, row in goals.items():
            yield f"{journey} / {goal} rate", row, True
    for name, row in result["kpis"].items():
        yield KPI_LABELS.get(name, name), row, name in RATE_KPIS


def _verdict(significant: bool | None) -> str:
    return NOT_AVAILABLE if significant is None else "yes" if significant else "no"


def _shown(figure: dict | None, show: Callable[[float], str], unit: str = "") -> str:
    return NOT_AVAILABLE if figure is None else show(figure["mean"]) + unit

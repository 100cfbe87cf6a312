"""The options that start a forecast from real customers, and reading them for `simulate`
and `backtest`."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sopdsl.builtins import date_out_of_range
from sopdsl.cli.output import emit_diagnostics

if TYPE_CHECKING:
    from simulator.real_base import Later, RealBase
    from sopdsl.checker.program import Program
    from sopdsl.diagnostics import Diagnostic

DATA = click.Path(dir_okay=False, path_type=Path)
# A data file that cannot be read is a usage error (exit 2), as for `plan`.
UNREADABLE = "E601"


def day_argument(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """A date option (`YYYY-MM-DD`) within the dates sopdsl uses."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a date such as 2026-12-02") from None
    problem = date_out_of_range(day)
    if problem:
        raise click.BadParameter(problem)
    return day


def data_options(command: Callable) -> Callable:
    """Add --events, --staff and --lookback (the customers file is --customers)."""
    options = [
        click.option("--events", type=DATA,
                     help="The customers' events, sorted (grouped) by customer_id."),
        click.option("--staff", type=DATA,
                     help="Staff members and their roles: a role's members in the forecast."),
        click.option("--lookback", "lookback_days", type=click.IntRange(0, 3660), default=30,
                     show_default=True,
                     help="Days of history before the start replayed through the journeys, "
                          "as `plan` replays them."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_base(program: Program, customers: Path, events: Path | None, staff: Path | None,
              start: dt.date, lookback_days: int,
              later: Later | None = None) -> tuple[RealBase, list[Diagnostic]]:
    """The real base at the start of `start`; the data's problems go to standard error, and
    data that cannot be read to the end exits 2 (unreadable) or 1."""
    from simulator.real_base import read_base

    base, problems = read_base(program, customers, events, staff,
                               start=dt.datetime.combine(start, dt.time()),
                               lookback_days=lookback_days, later=later)
    files = 1 + (events is not None) + (staff is not None)
    if problems:
        code = emit_diagnostics(problems, {}, "text", files=files, err=True)
        if base is None:
            sys.exit(2 if any(d.code == UNREADABLE for d in problems) else code or 1)
    assert base is not None
    return base, problems


def customers_value(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """--customers: a number of synthetic customers, or a file of real ones (a value that reads
    as a number and names no file is a number, checked against the bounds)."""
    if value is None or isinstance(value, int):
        return value
    text = str(value)
    if not text.isdigit() and (Path(text).is_file() or not _numeric(text)):
        return Path(text)
    from sopdsl.scenario.bounds import MAX_CUSTOMERS

    return click.IntRange(0, MAX_CUSTOMERS).convert(text, param, ctx)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

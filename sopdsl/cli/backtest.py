"""`sopdsl backtest`: forecast from the customers as they were at a date, against what happened."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from sopdsl.cli.forecasting import (
    ProgressBar, echo_utf8, emit_diagnostics, fail, load_program, parallel_options,
    check_parallel,
)
from sopdsl.cli.real_base import DATA, UNREADABLE, data_options, day_argument
from sopdsl.scenario.bounds import MAX_REPLICATIONS, MAX_SEED


@click.command()
@click.argument("playbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--customers", type=DATA, required=True,
              help="Customers, CSV or JSON Lines, sorted by customer_id.")
@data_options
@click.option("--at", required=True, callback=day_argument, metavar="DATE",
              help="The date to forecast from: calibrated on what happened before it.")
@click.option("--days", type=click.IntRange(1, 3660), required=True,
              help="Days to forecast and compare.")
@click.option("--replications", type=click.IntRange(2, MAX_REPLICATIONS), default=100,
              show_default=True, help="Replications (the intervals are their middle 95%).")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=1, show_default=True,
              help="Root seed.")
@click.option("--uncertainty", is_flag=True,
              help="Draw the fitted parameters per replication from their estimates' "
                   "uncertainty (wider intervals).")
@parallel_options("run replications")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text tables for people, json for machines.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write backtest.json, tracking.csv, segments.csv and tracking.png "
                   "into this folder, replaced as a whole.")
def backtest(playbook: Path, customers: Path, events: Path | None, staff: Path | None,
             lookback_days: int, at: dt.date, days: int, replications: int, seed: int,
             uncertainty: bool, workers: int, scheduler: str | None, fmt: str,
             out: Path | None) -> None:
    """Calibrate on the data before --at, forecast --days from the customers as they were at
    its start, and compare each figure's forecast and 95% interval with what happened.

    Exit codes: 0 compared, 1 the playbook has errors or data rows are bad, 2 bad arguments or
    data that cannot be read.
    """
    from simulator.backtest import BacktestError, backtest as run
    from simulator.backtest_report import (
        backtest_json, check_backtest_outputs, render_backtest, write_backtest,
    )

    check_parallel(workers, scheduler)
    if events is None:
        raise click.UsageError("a back-test needs --events: what happened before and after --at")
    if out is not None:
        try:
            check_backtest_outputs(out)
        except OSError as error:
            fail(f"cannot write into {out}: {error.strerror or error}")
    program = load_program(playbook, fmt)
    try:
        with ProgressBar(replications, days) as bar:
            result = run(program, customers, events, staff, at=at, days=days,
                         replications=replications, seed=seed, lookback_days=lookback_days,
                         uncertainty=uncertainty, workers=workers, scheduler=scheduler,
                         progress=bar)
    except BacktestError as error:
        code = emit_diagnostics(error.diagnostics, {}, "text", files=2, err=True)
        if any(d.code == UNREADABLE for d in error.diagnostics) or not error.diagnostics:
            fail(str(error))
        sys.exit(code or 1)
    if result.diagnostics:
        emit_diagnostics(result.diagnostics, {}, "text", files=2, err=True)
    echo_utf8(backtest_json(result) if fmt == "json" else render_backtest(result))
    if out is not None:
        try:
            written = write_backtest(out, result)
        except OSError as error:
            fail(f"cannot write into {out}: {error.strerror or error}")
        for path in written.files:
            click.echo(f"wrote {path}", err=True)
    errors = [d for d in result.diagnostics if d.severity.name == "ERROR"]
    if errors:
        sys.exit(1)  # rows were left out

"""`sopdsl simulate`: forecast a playbook's funnel, KPIs and staff workload."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sopdsl.cli.forecasting import (
    echo_utf8, fail, load_program, load_scenario, options_of, run_forecast, run_options,
    text_width,
)
from sopdsl.cli.output import wants_color
from sopdsl.cli.real_base import data_options, day_argument, load_base

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast


@click.command()
@click.argument("playbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scenario", "scenario_name", metavar="NAME",
              help="The scenario to run (default: the playbook's only one, else `baseline`, "
                   "else the built-in default).")
@run_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text tables for people, json for machines.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write report.json, daily.csv and PNG charts into this folder, "
                   "replaced as a whole (a new folder, or one holding only these files).")
@click.option("--no-baseline", "no_baseline", is_flag=True,
              help="Skip the baseline (the same replications without the playbook): half the "
                   "work, but no lift in the report.")
@data_options
@click.option("--start", callback=day_argument, metavar="DATE",
              help="With a --customers file: the day the forecast starts from the customers "
                   "as they were then (their events before it), instead of the scenario's.")
def simulate(playbook: Path, scenario_name: str | None, fmt: str, out: Path | None,
             no_baseline: bool, events: Path | None, staff: Path | None, lookback_days: int,
             start: dt.date | None, **run: object) -> None:
    """Forecast what PLAYBOOK does to conversion, revenue, unfriends and staff workload.

    Every figure is a mean with its 95% interval over the replications; the lift is what the
    playbook adds over the same customers without it (Monte Carlo only). Progress goes to
    standard error. Exit codes: 0 forecast, 1 the playbook has errors, 2 bad arguments, an
    unknown scenario, an unreadable playbook, or an exact forecast that is refused.

    With a --customers file the forecast starts from those customers as they were at --start:
    journeys already running are replayed from --lookback as `plan` replays them, and each
    customer's behaviour is drawn given their own history; arrivals and staff come from the
    scenario (a --staff file names a role's members).
    """
    from simulator.report import build_report, report_json

    options = options_of(run, real=True)
    real = options.customers_file
    if real is None and (events or staff or start):
        raise click.UsageError("--events, --staff and --start go with a --customers file")
    if real is not None and start is None:
        raise click.UsageError("a --customers file needs --start: the day to start from")
    if out is not None:
        _check_out(out)
    program = load_program(playbook, fmt)
    scenario = load_scenario(program, scenario_name, options)
    base, problems = None, []
    if real is not None and start is not None:
        base, problems = load_base(program, real, events, staff, start, lookback_days)
        scenario = scenario.model_copy(update={"start": start})
    forecast = run_forecast(program, scenario, options, baseline=not no_baseline, base=base)
    report = build_report(forecast)
    if fmt == "json":
        echo_utf8(report_json(report))
    else:
        from simulator.report_text import render_report

        echo_utf8(render_report(report, color=wants_color(fmt), width=text_width()))
    if out is not None:
        _write_outputs(out, report, forecast)
    if problems:
        sys.exit(1)  # rows were left out: the forecast ran without them


def _check_out(folder: Path) -> None:
    """Refuse an --out the forecast could not replace, before the forecast runs."""
    from simulator.outputs import check_outputs

    try:
        check_outputs(folder)
    except OSError as error:
        fail(f"cannot write into {folder}: {error.strerror or error}")


def _write_outputs(folder: Path, report: dict, forecast: Forecast) -> None:
    """report.json, daily.csv and the charts, swapped in as one folder; an error exits 2."""
    from simulator.outputs import write_outputs

    try:
        written = write_outputs(folder, forecast, report)
    except OSError as error:
        fail(f"cannot write into {folder}: {error.strerror or error}")
    for note in written.notes:
        click.echo(f"warning: {note}", err=True)
    for path in written.files:
        click.echo(f"wrote {path}", err=True)

"""`sopdsl plan`: the work a playbook asks of staff and systems for real customers."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click

from sopdsl.atomic import STDOUT
from sopdsl.cli.forecasting import check_parallel, fail, load_program, parallel_options
from sopdsl.builtins import date_out_of_range
from sopdsl.executors import SchedulerError
from sopdsl.cli.output import emit_diagnostics
from sopdsl.planning import CSV_STYLES, PLAN_FORMATS

_DATA = click.Path(dir_okay=False, path_type=Path)
# Data problems after which no plan is worth writing: the CLI exits 2 for an unreadable file.
_UNREADABLE = "E601"


def moment_argument(ctx: click.Context, param: click.Parameter, value: str) -> dt.datetime:
    """A date and time option, read in the playbook's time zone, within the dates sopdsl uses."""
    try:
        start = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a date and time such as 2026-12-02 or "
                                 "2026-12-02T09:00 (read in the playbook's time zone)") from None
    problem = date_out_of_range(start.date())
    if problem:
        raise click.BadParameter(problem)
    return start


def _hours(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int]:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a range such as 09:00-21:00") from None
    minutes = (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
    if minutes[0] >= minutes[1]:
        raise click.BadParameter("staff hours must start before they end, within one day")
    return minutes


@click.command()
@click.argument("playbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--customers", type=_DATA, required=True,
              help="Customers, CSV or JSON Lines, sorted by customer_id.")
@click.option("--events", type=_DATA, help="Their events, sorted (grouped) by customer_id.")
@click.option("--staff", type=_DATA,
              help="Staff members and their roles, for role work and handoffs.")
@click.option("--groups", type=_DATA,
              help="Customer groups (group_id, owner, name); memberships come from the "
                   "events' joined_group/left_group rows and their `group` column.")
@click.option("--start", required=True, callback=moment_argument, metavar="DATETIME",
              help="The plan's first moment, e.g. 2026-12-02 (the playbook's time zone).")
@click.option("--days", type=click.IntRange(1, 366), required=True, help="Days to plan.")
@click.option("--lookback", "lookback_days", type=click.IntRange(0, 3660), default=30,
              show_default=True, help="Days of history before --start replayed through the "
                                      "journeys; older events only count as history.")
@click.option("--staff-hours", default="09:00-21:00", show_default=True, callback=_hours,
              help="When staff work, every day.")
@click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="json", show_default=True,
              help="json: the whole plan; csv: staff tasks for a CRM import; ics: staff to-dos, "
                   "one calendar per assignee.")
@click.option("--csv-style", type=click.Choice(CSV_STYLES), default="hubspot",
              show_default=True, help="The CRM whose task import columns the CSV uses.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write here (a regular file, replaced atomically) instead of stdout; `-` is "
                   "stdout. For ics: a folder of one file per assignee, replaced as a whole.")
@parallel_options("plan customers")
def plan(playbook: Path, customers: Path, events: Path | None, staff: Path | None,
         groups: Path | None, start: dt.datetime, days: int, lookback_days: int,
         staff_hours: tuple[int, int], fmt: str, csv_style: str, output: Path | None,
         workers: int, scheduler: str | None) -> None:
    """Plan the work PLAYBOOK asks for, for real customers, from --start for --days.

    Each customer's history is replayed through the journeys; every send, task, alert,
    handoff and update due in the window is listed with its assignee, due window, rendered
    text and idempotency key. Steps that wait for the customer are listed as pending.
    Exit codes: 0 planned, 1 the playbook has errors or data rows are bad (the plan leaves
    them out), 2 bad arguments or an unreadable data file.
    """
    from sopdsl.planning.planner import PlanInputs, PlanSettings
    from sopdsl.planning.plans import stream_plan

    check_parallel(workers, scheduler)
    program = load_program(playbook, "text")
    settings = PlanSettings(start, days, lookback_days, staff_hours)
    inputs = PlanInputs(customers, events, staff, groups)
    from sopdsl.planning.planner import calendar_warning

    assumed = calendar_warning(program, settings)
    if assumed is not None:
        click.echo(f"warning: {assumed}", err=True)
    try:
        with _destination(output) as out:
            summary, problems = stream_plan(program, inputs, settings, fmt, out, csv_style,
                                            workers=workers, scheduler=scheduler)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    except SchedulerError as error:
        fail(str(error))
    files = 1 + (events is not None) + (staff is not None) + (groups is not None)
    if problems:
        code = emit_diagnostics(problems, {}, "text", files=files, err=True)
        sys.exit(2 if any(d.code == _UNREADABLE for d in problems) else code)
    if summary is not None and output is not None and str(output) != STDOUT:
        click.echo(f"planned {summary.customers} customers, {summary.tasks} tasks: wrote "
                   f"{output}", err=True)


@contextlib.contextmanager
def _destination(output: Path | None) -> Iterator[IO[str] | Path]:
    """The output path, or standard output (no -o, or `-`) as UTF-8 text whatever the
    terminal's encoding."""
    from sopdsl.atomic import open_output

    if output is not None and str(output) != STDOUT:
        yield output
        return
    with open_output(STDOUT) as binary:
        stream = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()

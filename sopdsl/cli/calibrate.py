"""`sopdsl calibrate`: a scenario fitted to the operator's customers and events."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from sopdsl.atomic import STDOUT
from sopdsl.cli.forecasting import echo_utf8, fail, load_program
from sopdsl.cli.output import emit_diagnostics
from sopdsl.cli.plan import moment_argument
from sopdsl.cli.push import input_error, ledger_problem
from sopdsl.sent import RecordedSend

_DATA = click.Path(dir_okay=False, path_type=Path)
_LEDGER_HINT = "give the ledger `sopdsl push --ledger` wrote, or leave --ledger out"


def _until(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.combine(dt.date.today(), dt.time())
    return moment_argument(ctx, param, value)


@click.command()
@click.option("--customers", type=_DATA, required=True,
              help="Customers, CSV or JSON Lines, sorted by customer_id.")
@click.option("--events", type=_DATA, help="Their events, sorted (grouped) by customer_id.")
@click.option("--staff", type=_DATA, help="Staff members and their roles (needs --playbook).")
@click.option("--tasks", type=_DATA,
              help="The staff task log: staff_id, created, done (empty: not done).")
@click.option("--ledger", "ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A push ledger: the sends targets accepted count too, where the events "
                   "lack them.")
@click.option("--until", callback=_until, metavar="DATETIME",
              help="Fit what happened before this moment (default: the start of today).")
@click.option("--playbook", type=_DATA,
              help="The playbook whose attributes, stages and events the data holds.")
@click.option("--name", default="fitted", show_default=True, help="The scenario's name.")
@click.option("--uncertainty/--no-uncertainty", default=True, show_default=True,
              help="Write each fitted parameter as a distribution over its value, drawn once "
                   "per replication (beta for chances, lognormal for positive numbers).")
@click.option("--format", "fmt", type=click.Choice(("sop", "json")), default="sop",
              show_default=True, help="sop: the scenario block; json: every figure for machines.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (a regular file, replaced atomically) instead of stdout.")
def calibrate(customers: Path, events: Path | None, staff: Path | None, tasks: Path | None,
              ledger: Path | None, until: dt.datetime, playbook: Path | None, name: str,
              uncertainty: bool, fmt: str, output: Path | None) -> None:
    """Fit a scenario to customers and their events before --until.

    Every figure carries a comment with its sample size and 95% interval; a figure the data
    cannot pin down keeps the default and says so. Exit codes: 0 fitted, 1 data rows are bad
    (they are left out) or the playbook has errors, 2 bad arguments or unreadable data.
    """
    from sopdsl.calibration.calibrate import calibrate as fit
    from sopdsl.calibration.text import calibration_json, scenario_text
    from sopdsl.atomic import write_text

    if staff and not playbook:
        fail("--staff needs --playbook: staff roles are the playbook's")
    program = load_program(playbook, "text") if playbook else None
    recorded = _recorded_sends(ledger) if ledger else None
    with _Progress() as progress:
        result = fit(customers, events, until=until, staff=staff, tasks=tasks, program=program,
                     name=name, uncertainty=uncertainty, progress=progress, recorded=recorded)
    code = 0
    if result.diagnostics:
        files = 1 + sum(path is not None for path in (events, staff, tasks))
        code = emit_diagnostics(result.diagnostics, {}, "text", files=files, err=True)
        if any(d.code == "E601" for d in result.diagnostics):
            sys.exit(2)
    if not result.complete:
        sys.exit(code or 1)
    text = (json.dumps(calibration_json(result), ensure_ascii=False, indent=2) + "\n"
            if fmt == "json" else scenario_text(result))
    if output is None or str(output) == STDOUT:
        echo_utf8(text)
    else:
        try:
            write_text(output, text)
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror or error}")
        click.echo(f"calibrated on {result.customers:,} customers: wrote {output}", err=True)
    sys.exit(code)


def _recorded_sends(path: Path) -> dict[str, list[RecordedSend]]:
    """The sends the ledger at `path` holds as delivered, by customer (all held in memory)."""
    from sopdsl.push.ledger import Ledger, LedgerError

    by_customer: dict[str, list[RecordedSend]] = {}
    try:
        ledger = Ledger.open(path, read_only=True)
        try:
            for send in ledger.recorded_sends():
                dt.datetime.fromisoformat(send.planned)
                by_customer.setdefault(send.customer, []).append(send)
        finally:
            ledger.close()
    except LedgerError as error:
        input_error(ledger_problem(path, str(error), _LEDGER_HINT))
    except ValueError as error:
        input_error(ledger_problem(path, f"a recorded send's planned time is not a time: "
                                         f"{error}", _LEDGER_HINT))
    return by_customer


class _Progress:
    """Customers read so far, on standard error while it is a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self._bar = Progress(SpinnerColumn(), TextColumn("calibrating: {task.completed:,} "
                                                         "customers read"),
                             TimeElapsedColumn(), console=console, transient=True,
                             disable=not console.is_terminal)
        self._task = self._bar.add_task("customers", total=None)

    def __enter__(self) -> _Progress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def __call__(self, customers: int) -> None:
        self._bar.advance(self._task, customers)

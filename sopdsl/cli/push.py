"""`sopdsl push`: send a plan's tasks to a CRM, calendar, WeCom or webhook, once."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from sopdsl.cli.forecasting import echo_utf8, fail
from sopdsl.cli.output import emit_diagnostics

if TYPE_CHECKING:
    from sopdsl.diagnostics import Diagnostic
    from sopdsl.push.ledger import Ledger
    from sopdsl.push.report import PushReport
    from sopdsl.push.target import Batch, Settings, Target

# Stands in for credentials a dry run does not need, so targets can be built without them.
DRY_RUN_SECRET = "<not needed for a dry run>"


@click.command()
@click.argument("plan_file", metavar="PLAN", type=click.Path(path_type=Path))
@click.option("--to", "target_name", required=True, metavar="TARGET",
              help="Where to push: tryton, caldav, wecom or webhook.")
@click.option("--dry-run", is_flag=True,
              help="Print the requests that would be sent, as JSON lines; send and record "
                   "nothing, need no credentials.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(".sopdsl") / "ledger.sqlite", show_default=True,
              help="The ledger of what each system accepted.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              help="The push configuration file (default: $SOPDSL_PUSH_CONFIG, else "
                   "~/.config/sopdsl/push.toml).")
@click.option("--retry-rejected", is_flag=True,
              help="Send again the tasks the system refused in earlier pushes.")
@click.option("--resend-uncertain", is_flag=True,
              help="Send again tasks an interrupted push may have delivered, even to a target "
                   "that would then hold two copies.")
@click.option("--max-attempts", type=click.IntRange(1, 100), default=6, show_default=True,
              help="Sends of one request before giving up for this run.")
@click.option("--max-wait", type=click.FloatRange(0), default=300.0, show_default=True,
              metavar="SECONDS", help="Most time spent waiting to retry one request.")
def push(plan_file: Path, target_name: str, dry_run: bool, ledger_path: Path,
         config: Path | None, retry_rejected: bool, resend_uncertain: bool,
         max_attempts: int, max_wait: float) -> None:
    """Push the tasks of PLAN (a `sopdsl plan` JSON file) to a target system.

    Every task goes once: a local ledger records what the system accepted, so a re-run after
    a failure or a crash sends only what is missing. Settings and credentials come from
    SOPDSL_<TARGET>_<KEY> environment variables or the push configuration file, never from
    the command line. Exit codes: 0 every task is in the system, 1 some tasks were rejected,
    held back or not pushed (re-run to retry), 2 bad input, settings or ledger.
    """
    from sopdsl.diagnostics import Diagnostic
    from sopdsl.push.ledger import LedgerError
    from sopdsl.push.plan_reader import PlanReadError, open_plan
    from sopdsl.push.runner import Choices, Retry
    from sopdsl.push.runner import push as run_push
    from sopdsl.push.settings import load_settings, secret_values

    target_class = _target_class(target_name)
    plan = open_plan(plan_file)
    if isinstance(plan, Diagnostic):
        _input_error(plan)
    settings = load_settings(target_name, config)
    if isinstance(settings, Diagnostic):
        _input_error(settings)
    secrets = secret_values(settings, target_class.secret_keys)
    target = _build(target_class, settings, dry_run)
    ledger = _open_ledger(ledger_path, dry_run)
    try:
        with _Progress(plan.count, dry_run) as progress:
            report = run_push(plan.run, plan.tasks(), target, ledger, dry_run=dry_run,
                              retry=Retry(max_attempts=max_attempts, max_wait=max_wait),
                              choices=Choices(retry_rejected, resend_uncertain),
                              progress=progress, secrets=secrets)
    except PlanReadError as error:
        _input_error(error.diagnostic)
    except LedgerError as error:
        _input_error(_ledger_problem(ledger_path, str(error)))
    finally:
        target.close()
        ledger.close()
    _summary(report, ledger_path)
    sys.exit(0 if dry_run or report.complete else 1)


def _target_class(name: str) -> type[Target]:
    """The target class for `--to`; a usage error naming the known ones otherwise."""
    from sopdsl.diagnostics import did_you_mean
    from sopdsl.push.targets import TARGETS, target_class

    if name not in TARGETS:
        hint = did_you_mean(name, TARGETS) or f"the targets are {', '.join(sorted(TARGETS))}"
        raise click.UsageError(f"unknown target `{name}`: {hint}")
    try:
        return target_class(name)
    except ImportError as error:
        fail(f"the {name} target needs `{error.name}`: install sopdsl with the push extra, "
             f"pip install 'sopdsl[push]'")


def _build(target_class: type[Target], settings: Settings, dry_run: bool) -> Target:
    from sopdsl.push.target import Settings, SettingsError

    if dry_run:
        stand_ins = {key: DRY_RUN_SECRET for key in target_class.secret_keys}
        settings = Settings(settings.target, {**stand_ins, **settings.values})
    try:
        return target_class(settings)
    except SettingsError as error:
        fail(str(error))


def _open_ledger(path: Path, dry_run: bool) -> Ledger:
    from sopdsl.push.ledger import Ledger, LedgerError

    try:
        return Ledger.open(path, read_only=dry_run)
    except LedgerError as error:
        _input_error(_ledger_problem(path, str(error)))


def _ledger_problem(path: Path, reason: str) -> Diagnostic:
    from sopdsl.diagnostics import diag
    from sopdsl.files import display_path
    from sopdsl.source import Span

    return diag("E625", Span(file=display_path(path), line=1, column=1, end_line=1,
                             end_column=2), reason,
                hint="choose another file with --ledger; a ledger that was deleted makes "
                     "idempotent targets skip what they have and others send everything again")


def _input_error(diagnostic: Diagnostic) -> NoReturn:
    emit_diagnostics([diagnostic], {}, "text", files=1, err=True)
    sys.exit(2)


class _Progress:
    """A progress bar of tasks on standard error while it is a terminal; for a dry run, each
    batch as one JSON line on standard output."""

    def __init__(self, total: int, dry_run: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.progress import TimeElapsedColumn, TimeRemainingColumn

        console = Console(stderr=True)
        self.dry_run = dry_run
        self._bar = Progress(TextColumn("pushing"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                             transient=True, disable=dry_run or not console.is_terminal)
        self._tasks = self._bar.add_task("tasks", total=total)

    def __enter__(self) -> _Progress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def __call__(self, batch: Batch, outcome: str) -> None:
        if self.dry_run:
            echo_utf8(json.dumps({"operation": batch.operation, "tasks": list(batch.keys),
                                  "payload": batch.payload}, ensure_ascii=False) + "\n")
        self._bar.advance(self._tasks, len(batch.keys))


def _summary(report: PushReport, ledger_path: Path) -> None:
    """The counts per outcome and operation, and what to do next, on standard error."""
    from rich.console import Console
    from rich.table import Table

    from sopdsl.push.report import OUTCOMES

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    outcomes = [o for o in OUTCOMES if report.counts[o]]
    table = Table(title=f"{'dry run: ' if report.dry_run else ''}{report.target} "
                        f"→ {report.destination}")
    table.add_column("operation")
    for outcome in outcomes:
        table.add_column(outcome, justify="right")
    for operation, counts in sorted(report.by_operation.items()):
        table.add_row(operation, *(str(counts[o]) for o in outcomes))
    if len(report.by_operation) > 1:
        table.add_row("all", *(str(report.counts[o]) for o in outcomes), style="bold")
    if outcomes:
        console.print(table)
    else:
        console.print(f"no tasks for the {report.target} target in this plan")
    _next_steps(console, report, ledger_path)


def _next_steps(console: Any, report: PushReport, ledger_path: Path) -> None:
    from sopdsl.push.report import ACCEPTED

    if report.other_tasks:
        console.print(f"{report.other_tasks} tasks of the plan are not for this target")
    if not report.dry_run:
        console.print(f"{report.counts[ACCEPTED]} tasks accepted in {report.requests} requests, "
                      f"{report.elapsed:.1f}s ({report.throughput:.1f} tasks/s); "
                      f"ledger {ledger_path}")
    if report.remote_ids:
        shown = ", ".join(report.remote_ids[:5])
        more = f" and {len(report.remote_ids) - 5} more" if len(report.remote_ids) > 5 else ""
        console.print(f"remote ids: {shown}{more} (all in the ledger)")
    for key, reason in list(report.rejections.items())[:10]:
        console.print(f"rejected {key}: {reason}")
    if len(report.rejections) > 10:
        console.print(f"... and {len(report.rejections) - 10} more rejections (see the ledger)")
    if report.held_back:
        console.print(f"held back {len(report.held_back)} tasks an interrupted push may have "
                      "delivered; re-run with --resend-uncertain to send them again (the "
                      "system may then hold two copies of some)")
    if report.stopped:
        console.print(f"stopped: {report.stopped}; re-run to send the rest")

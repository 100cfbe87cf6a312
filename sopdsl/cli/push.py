"""`sopdsl push`: send a plan's tasks to a CRM, calendar, WeCom or webhook, once."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from sopdsl.cli.forecasting import echo_utf8, fail
from sopdsl.cli.output import emit_diagnostics

if TYPE_CHECKING:
    from collections import Counter

    from rich.table import Table

    from sopdsl.diagnostics import Diagnostic
    from sopdsl.push.ledger import Ledger
    from sopdsl.push.report import PushReport
    from sopdsl.push.status import StatusReport
    from sopdsl.push.plan_reader import PlanFile
    from sopdsl.push.runner import Retry
    from sopdsl.push.target import Batch, Target, TargetSettings

MAX_WAIT_SECONDS = 86_400.0


def _wait_seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """Seconds from 0 to a day: nan and inf (which float() reads) are refused too."""
    if not 0 <= value <= MAX_WAIT_SECONDS:
        raise click.BadParameter(f"{value:g} is not a number of seconds from 0 to "
                                 f"{MAX_WAIT_SECONDS:g}")
    return value


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
@click.option("--max-wait", type=float, callback=_wait_seconds, default=300.0, show_default=True,
              metavar="SECONDS", help="Most time spent waiting to retry one request "
                                      "(at most a day).")
@click.option("--status", "poll_status", is_flag=True,
              help="Send nothing: ask the target what became of the pushed tasks (sent, "
                   "waiting for staff, not a friend, over quota), per sender.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True, help="How --status prints its report.")
def push(plan_file: Path, target_name: str, dry_run: bool, ledger_path: Path,
         config: Path | None, retry_rejected: bool, resend_uncertain: bool,
         max_attempts: int, max_wait: float, poll_status: bool, output_format: str) -> None:
    """Push the tasks of PLAN (a `sopdsl plan` JSON file) to a target system.

    Every task goes once: a local ledger records what the system accepted, so a re-run after
    a failure or a crash sends only what is missing. Settings and credentials come from
    SOPDSL_<TARGET>_<KEY> environment variables or the push configuration file, never from
    the command line. Exit codes: 0 every task is in the system, 1 some tasks were rejected,
    held back or not pushed (re-run to retry), 2 bad input, settings or ledger.

    With --status nothing is sent: the target is asked what became of the tasks the ledger
    has as accepted. Exit codes: 0 every remote id answered (unsent tasks included), 1 some
    could not be asked, 2 bad input, settings or ledger, or a target that cannot be asked.
    """
    from sopdsl.diagnostics import Diagnostic
    from sopdsl.push.plan_reader import open_plan
    from sopdsl.push.runner import Choices, Retry
    from sopdsl.push.runner import push as run_push
    from sopdsl.push.settings import load_settings, secret_values

    target_class = _target_class(target_name)
    if poll_status:
        _check_status_options(target_class, dry_run, retry_rejected, resend_uncertain)
    elif output_format != "text":
        raise click.UsageError("--format applies to --status only")
    plan = open_plan(plan_file)
    if isinstance(plan, Diagnostic):
        input_error(plan)
    settings = load_settings(target_name, config)
    if isinstance(settings, Diagnostic):
        input_error(settings)
    secrets = secret_values(settings, target_class.secret_keys)
    target = _build(target_class, settings, dry_run, secrets)
    retry = Retry(max_attempts=max_attempts, max_wait=max_wait)
    if poll_status:
        _poll(plan, target, ledger_path, retry, secrets, output_format)
    ledger = _open_ledger(ledger_path, dry_run)
    with _input_errors_closing(target, ledger, ledger_path), \
            _Progress(plan.count, dry_run) as progress:
        report = run_push(plan.run, plan.tasks(), target, ledger, dry_run=dry_run, retry=retry,
                          choices=Choices(retry_rejected, resend_uncertain),
                          progress=progress, secrets=secrets)
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


@contextmanager
def _input_errors_closing(target: Target, ledger: Ledger, ledger_path: Path) -> Iterator[None]:
    """Close the target and the ledger afterwards; a plan or ledger problem exits 2."""
    from sopdsl.push.ledger import LedgerError
    from sopdsl.push.plan_reader import PlanReadError

    try:
        yield
    except PlanReadError as error:
        input_error(error.diagnostic)
    except LedgerError as error:
        input_error(ledger_problem(ledger_path, str(error)))
    finally:
        target.close()
        ledger.close()


def _check_status_options(target_class: type[Target], dry_run: bool, retry_rejected: bool,
                          resend_uncertain: bool) -> None:
    """Usage errors for --status: options that send, and targets that cannot be asked."""
    from sopdsl.push.target import can_poll

    sending = [name for name, given in (("--dry-run", dry_run),
                                        ("--retry-rejected", retry_rejected),
                                        ("--resend-uncertain", resend_uncertain)) if given]
    if sending:
        raise click.UsageError(f"--status sends nothing: it cannot be used with {sending[0]}")
    if not can_poll(target_class):
        raise click.UsageError(f"the {target_class.name} target cannot report what became of "
                               "its tasks: --status works with --to wecom")


def _poll(plan: PlanFile, target: Target, ledger_path: Path, retry: Retry,
          secrets: list[str], output_format: str) -> NoReturn:
    """Poll the pushed tasks' status, print the report and exit."""
    from sopdsl.push.status import poll

    if not ledger_path.is_file():
        target.close()
        input_error(ledger_problem(ledger_path, "there is no ledger here: push the plan "
                                                  "first, or name its ledger with --ledger"))
    ledger = _open_ledger(ledger_path, False)
    with _input_errors_closing(target, ledger, ledger_path):
        report = poll(plan.tasks(), target, ledger, retry=retry, secrets=secrets)
    if output_format == "json":
        echo_utf8(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _status_table(report)
    sys.exit(0 if report.complete else 1)


def _status_table(report: StatusReport) -> None:
    """Tasks per sender and status, then the summary and what changed, on standard output."""
    from rich.console import Console

    from sopdsl.push.target import DELIVERY_STATUSES

    console = Console(highlight=False, soft_wrap=True, markup=False)  # servers' words as sent
    statuses = [status for status in DELIVERY_STATUSES if report.counts[status]]
    if statuses:
        console.print(_count_table(f"{report.target} → {report.destination}: what became of "
                                   "the pushed tasks", "sender", statuses, report.by_sender,
                                   report.counts))
    shown = ", ".join(f"{report.counts[s]} {s}" for s in statuses) or "nothing to report"
    console.print(f"{sum(report.counts.values())} tasks in {report.polled} "
                  f"{report.target} tasks polled: {shown}")
    _status_notes(console, report)


def _status_notes(console: Any, report: StatusReport) -> None:
    if report.changes:
        changed = ", ".join(f"{count} {before} → {now}"
                            for (before, now), count in sorted(report.changes.items()))
        console.print(f"since the last poll ({report.last_polled}): {changed}")
    elif report.last_polled is not None:
        console.print(f"no change since the last poll ({report.last_polled})")
    if report.not_pushed:
        console.print(f"{report.not_pushed} tasks for this target are not in the ledger as "
                      "accepted (not pushed yet, or rejected)")
    for remote_id, reason in list(report.unpolled.items())[:10]:
        console.print(f"could not poll {remote_id}: {reason}")
    if len(report.unpolled) > 10:
        console.print(f"... and {len(report.unpolled) - 10} more remote ids not polled")
    if report.stopped:
        console.print(f"stopped: {report.stopped}")
    if report.unpolled:
        console.print(f"{report.unpolled_tasks} tasks not polled; re-run --status to retry")


def _build(target_class: type[Target], settings: TargetSettings, dry_run: bool,
           secrets: list[str]) -> Target:
    from sopdsl.push.secrets import mask
    from sopdsl.push.target import SettingsError
    from sopdsl.push.targets import build_target

    try:
        return build_target(target_class, settings, dry_run)
    except SettingsError as error:
        fail(mask(str(error), secrets))


def _open_ledger(path: Path, dry_run: bool) -> Ledger:
    from sopdsl.push.ledger import Ledger, LedgerError

    try:
        return Ledger.open(path, read_only=dry_run)
    except LedgerError as error:
        input_error(ledger_problem(path, str(error)))


def ledger_problem(path: Path, reason: str,
                   hint: str = "choose another file with --ledger; a ledger that was deleted "
                               "makes idempotent targets skip what they have and others send "
                               "everything again") -> Diagnostic:
    """An E625 for a ledger that cannot be used, at its file."""
    from sopdsl.diagnostics import diag
    from sopdsl.syntax.files import display_path
    from sopdsl.syntax.source import Span

    return diag("E625", Span(file=display_path(path), line=1, column=1, end_line=1,
                             end_column=2), reason, hint=hint)


def input_error(diagnostic: Diagnostic) -> NoReturn:
    """Show the diagnostic and exit 2: an input cannot be used."""
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

    from sopdsl.push.report import OUTCOMES

    console = Console(stderr=True, highlight=False, soft_wrap=True,
                      markup=False)  # servers' words as sent
    outcomes = [o for o in OUTCOMES if report.counts[o]]
    if outcomes:
        console.print(_count_table(f"{'dry run: ' if report.dry_run else ''}{report.target} "
                                   f"→ {report.destination}", "operation", outcomes,
                                   report.by_operation, report.counts))
    else:
        console.print(f"no tasks for the {report.target} target in this plan")
    _next_steps(console, report, ledger_path)


def _count_table(title: str, row_name: str, columns: list[str],
                 rows: dict[str, Counter[str]], total: Counter[str]) -> Table:
    """Counts per row and column, with an `all` row when there are several rows."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column(row_name)
    for column in columns:
        table.add_column(column, justify="right")
    for name, counts in sorted(rows.items()):
        table.add_row(name, *(str(counts[c]) for c in columns))
    if len(rows) > 1:
        table.add_row("all", *(str(total[c]) for c in columns), style="bold")
    return table


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

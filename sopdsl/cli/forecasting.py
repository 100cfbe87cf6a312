"""Shared pieces of `simulate` and `compare`: run options, loading a scenario, the progress bar.

Every failure here ends the command with its exit code: 1 when the playbook has errors
(printed as diagnostics), 2 for usage and input errors (an unknown scenario, an unreachable
Dask scheduler, a refused exact forecast).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from simulator import METHODS
from sopdsl.cli.output import emit_diagnostics
from sopdsl.cli.real_base import customers_value
from sopdsl.executors import available_cores
from sopdsl.scenario.bounds import MAX_REPLICATIONS, MAX_SEED, MAX_WORKERS

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast
    from simulator.real_base import RealBase
    from sopdsl.scenario.model import Scenario
    from sopdsl.checker.program import Program



@dataclass(frozen=True)
class RunOptions:
    """How to run forecasts, as given on the command line (None: the scenario's own)."""

    replications: int | None
    seed: int | None
    workers: int | None
    scheduler: str | None
    method: str
    customers: int | None
    quick: bool
    customers_file: Path | None = None  # real customers to start from (`simulate` only)


def run_options(command: Callable) -> Callable:
    """Add the options every forecasting command takes."""
    options = [
        click.option("--replications", type=click.IntRange(1, MAX_REPLICATIONS),
                     help="Replications to run (default: the scenario's)."),
        click.option("--seed", type=click.IntRange(0, MAX_SEED),
                     help="Root seed; each replication's seed derives from it (default: the "
                          "scenario's)."),
        click.option("--method", type=click.Choice(METHODS), default="montecarlo",
                     show_default=True,
                     help="montecarlo samples replications; exact computes expected values "
                          "without sampling, for scenarios where customers are independent."),
        click.option("--customers", metavar="N|FILE", callback=customers_value,
                     help="Customers at the start instead of the scenario's: a number of "
                          "synthetic ones, or (simulate) a file of real ones, sorted by "
                          "customer_id, with --events, --staff and --start."),
        click.option("--quick", is_flag=True,
                     help="Simulate a sample of the customers, staff scaled alike, and scale "
                          "counts back: rates in seconds; queueing at full scale can differ."),
    ]
    for option in reversed(options):
        command = option(command)
    return parallel_options("run replications", default=None)(command)


def parallel_options(work: str, default: int | None = 1) -> Callable[[Callable], Callable]:
    """Add --workers and --scheduler: where to `work` (e.g. "run replications"); a default of
    None is every core this process may use."""
    def add(command: Callable) -> Callable:
        command = click.option("--scheduler", metavar="URL",
                               help=f"{work.capitalize()} on a Dask cluster, e.g. "
                                    "tcp://host:8786.")(command)
        return click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=default,
                            show_default="the cores available" if default is None else True,
                            help=f"Processes to {work} in.")(command)
    return add


def check_parallel(workers: int | None, scheduler: str | None) -> None:
    """Refuse --workers with --scheduler, and a scheduler address that cannot be read."""
    if scheduler is not None and workers is not None and workers > 1:
        raise click.UsageError("use either --workers or --scheduler, not both")
    if scheduler is not None and not _is_address(scheduler):
        raise click.UsageError(f"--scheduler takes an address such as tcp://host:8786, "
                               f"not `{scheduler}`")


def options_of(values: dict[str, Any], real: bool = False) -> RunOptions:
    """The run options out of a command's parameters (removed from `values`); `real`: the
    command can start from real customers (a --customers file)."""
    fields = [key for key in RunOptions.__dataclass_fields__ if key != "customers_file"]
    options = RunOptions(**{key: values.pop(key) for key in fields})
    if isinstance(options.customers, Path):
        if not real:
            raise click.UsageError("--customers takes a number here: real customers are "
                                   "simulated by `sopdsl simulate` and `sopdsl backtest`")
        if options.quick or options.method == "exact":
            raise click.UsageError("real customers are simulated by Monte Carlo, every one: "
                                   "drop --quick and --method exact")
        options = dataclasses.replace(options, customers=None, customers_file=options.customers)
    check_parallel(options.workers, options.scheduler)
    if options.quick and options.method == "exact":
        raise click.UsageError("--quick samples customers: it goes with --method montecarlo")
    if options.workers is None:
        options = dataclasses.replace(options, workers=available_cores())
    return options


def _is_address(url: str) -> bool:
    """Whether `url` names a scheme, a host and a port that can be read (`[::1` cannot)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a malformed IPv6 host, or a port past 65535
        return False
    return "://" in url and bool(parts.hostname) and port_ok


def load_program(path: Path, fmt: str) -> Program:
    """The loaded playbook; exits 2 when unreadable, 1 with its diagnostics when it has errors."""
    from sopdsl.api import load
    from sopdsl.codes import Severity

    program = load(path)
    if not program.ok:
        errors = [d for d in program.diagnostics if d.severity is Severity.ERROR]
        sys.exit(emit_diagnostics(errors, program.sources, _diagnostic_format(fmt),
                                  files=len(program.sources) or 1, err=True))
    return program


def load_scenario(program: Program, name: str | None, options: RunOptions) -> Scenario:
    """The effective scenario `name` with the command line's overrides, its warnings on
    standard error; exits 2 when unknown or, with the overrides, too large to simulate."""
    from sopdsl.scenario.bounds import size_problems
    from sopdsl.scenario.build import effective_scenario, unknown_scenario

    unknown = unknown_scenario(program, name)
    if unknown:
        fail(unknown)
    scenario, diagnostics = effective_scenario(program, name)
    if scenario is None:
        sys.exit(emit_diagnostics(diagnostics, program.sources, "text", files=1, err=True))
    if diagnostics:  # warnings about the run itself, such as the days a calendar assumes
        emit_diagnostics(diagnostics, program.sources, "text", files=1, err=True)
    scenario = scenario.overridden(replications=options.replications, seed=options.seed,
                                   customers=options.customers)
    problems = size_problems(scenario)
    if problems:
        fail("\n".join(f"{problem.message} (hint: {problem.hint})" for problem in problems))
    return scenario


def run_forecast(program: Program, scenario: Scenario, options: RunOptions,
                 label: str = "", baseline: bool = False, base: RealBase | None = None,
                 ) -> Forecast:
    """Forecast with the chosen method, a progress bar on standard error for Monte Carlo;
    `baseline` also runs the replications with the playbook switched off (the lift); `base`
    starts them from real customers."""
    from simulator.montecarlo import Refused, forecast, horizon_days
    from sopdsl.executors import SchedulerError

    try:
        if options.method == "exact":
            return forecast(program, scenario, method="exact")
        runs = scenario.replications * (2 if baseline else 1)
        with ProgressBar(runs, horizon_days(scenario), label) as bar:
            return forecast(program, scenario, workers=options.workers,
                            scheduler=options.scheduler, progress=bar, quick=options.quick,
                            baseline=baseline, base=base)
    except Refused as refusal:
        prefix = f"{label}: " if label else ""
        fail(prefix + "the exact method cannot forecast this playbook with scenario "
             f"`{scenario.name}`:\n" + "\n".join(f"  - {reason}" for reason in refusal.reasons)
             + "\n  use --method montecarlo, or a scenario without what is listed")
    except SchedulerError as error:
        fail(str(error))


class ProgressBar:
    """Replications done and simulated days, on standard error while it is a terminal."""

    def __init__(self, replications: int, days: float, label: str = "") -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.progress import TimeElapsedColumn

        console = Console(stderr=True)
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console, transient=True,
                             disable=not console.is_terminal)
        prefix = f"{label} " if label else ""
        self._runs = self._bar.add_task(f"{prefix}replications", total=replications)
        self._days = self._bar.add_task(f"{prefix}simulated days", total=round(replications * days))
        self._per_run = days
        self._done = [0.0] * replications

    def __enter__(self) -> ProgressBar:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def days(self, replication: int, days_done: float) -> None:
        """Advance the days bar by what this replication simulated since it last said."""
        gained = min(days_done, self._per_run) - self._done[replication]
        if gained > 0:
            self._done[replication] += gained
            self._bar.advance(self._days, gained)

    def finished(self, replication: int) -> None:
        """Count the replication, and any of its days not reported yet."""
        self.days(replication, self._per_run)
        self._bar.advance(self._runs)


def echo_utf8(text: str) -> None:
    """Print to standard output as UTF-8 whatever encoding the terminal's locale names."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


def text_width() -> int:
    """Columns for text reports: the terminal's (at least 80), else 100 when redirected."""
    import shutil

    if not sys.stdout.isatty():
        return 100
    return max(80, shutil.get_terminal_size((100, 24)).columns)


def fail(message: str) -> NoReturn:
    """Print an input error and exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _diagnostic_format(fmt: str) -> str:
    return "json" if fmt == "json" else "text"

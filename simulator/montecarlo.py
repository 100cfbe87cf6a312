"""Monte Carlo forecasts: many replications of the engine, in this process, a pool or on Dask.

Each replication gets its own seed from `numpy.random.SeedSequence(seed).spawn(n)`, so a
replication's result depends only on the root seed and its index: never on the number of
workers, where it ran or in which order replications finished. Results are kept in
replication order. Process pools and Dask share the `concurrent.futures.Executor` interface.
"""

from __future__ import annotations

import dataclasses
import queue as queue_module
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from simulator import METHODS
from simulator.quick import sample_fraction, scaled
from simulator.results import Tally
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.errors import SopdslError
from sopdsl.executors import dask_executor

if TYPE_CHECKING:
    from sopdsl.scenario.model import Scenario
    from sopdsl.checker.program import Program

# How often the waiting loop passes on the simulated days that workers report.
POLL_SECONDS = 0.2

# `runner(program, scenario, seed, progress=callback) -> Tally`; the callback takes the
# simulated days done so far. It must be a top-level function when it runs in other processes.
Runner = Callable[..., Tally]


class Progress(Protocol):
    """What a forecast tells as it goes: simulated days per replication, and replications done."""

    def days(self, replication: int, days_done: float) -> None: ...

    def finished(self, replication: int) -> None: ...


@dataclass
class Forecast:
    """The tallies of one forecast and what produced them."""

    method: str  # montecarlo or exact
    playbook: str  # the entry file, as reports show it
    scenario: Scenario
    tallies: list[Tally]
    seed: int | None = None  # the root seed (Monte Carlo only)
    seeds: list[int] = field(default_factory=list)  # each replication's seed, in order
    sample: float | None = None  # a quick forecast: the share of customers simulated


class Refused(SopdslError):
    """The exact forecaster cannot forecast this playbook and scenario; `reasons` says why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def replication_seeds(seed: int, replications: int) -> list[int]:
    """Each replication's seed: child `i` of the root seed's SeedSequence, as a 64-bit integer."""
    import numpy as np

    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]


def default_runner() -> Runner:
    """The SimPy engine's replication function."""
    from simulator.engine import run_replication

    return run_replication


def simulate(
    program: Program,
    scenario: Scenario,
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> Forecast:
    """Run `replications` replications of the playbook under the scenario; tallies in order.

    `workers > 1` runs them in a process pool; `scheduler` (a Dask scheduler address such
    as `tcp://host:8786`) runs them on that cluster instead.
    """
    from sopdsl.syntax.files import display_path

    if replications < 1 or workers < 1:
        raise ValueError("replications and workers must be at least 1")
    runner = runner or default_runner()
    seeds = replication_seeds(seed, replications)
    if scheduler is not None:
        with dask_executor(scheduler) as executor:
            tallies = _run_on(executor, runner, program, scenario, seeds, progress, None)
    elif workers > 1 and replications > 1:
        tallies = _run_in_pool(min(workers, replications), runner, program, scenario, seeds,
                               progress)
    else:
        tallies = [_run_here(runner, program, scenario, seed_i, index, progress)
                   for index, seed_i in enumerate(seeds)]
    return Forecast(method="montecarlo", playbook=display_path(program.entry), scenario=scenario,
                    tallies=tallies, seed=seed, seeds=seeds)


def forecast_exactly(
    program: Program, scenario: Scenario, forecaster: Callable[..., Any] | None = None
) -> Forecast:
    """The expected counts without sampling; `Refused` when the forecaster cannot do it."""
    from sopdsl.syntax.files import display_path

    if forecaster is None:
        from simulator.exact import forecast_exact as forecaster
    result = forecaster(program, scenario)
    if not isinstance(result, Tally):
        reasons = getattr(result, "reasons", result)
        raise Refused([str(reason) for reason in reasons])
    return Forecast(method="exact", playbook=display_path(program.entry), scenario=scenario,
                    tallies=[result])


def forecast(program: Program, scenario: Scenario, *, method: str = "montecarlo",
             workers: int = 1, scheduler: str | None = None,
             progress: Progress | None = None, quick: bool = False) -> Forecast:
    """Forecast with `method`: `montecarlo` runs the scenario's replications from its seed
    (see `simulate`); `exact` computes expected values, or raises `Refused` saying why not.
    `quick` simulates a sample of the customers with staff alike and scales counts back
    (Monte Carlo only; see `simulator.quick`). The playbook must load without errors."""
    if not program.ok:
        raise ValueError("the playbook has errors: `program.diagnostics` lists them")
    if method == "exact":
        if quick:
            raise ValueError("a quick forecast samples customers: it is Monte Carlo only")
        return forecast_exactly(program, scenario)
    if method != "montecarlo":
        raise ValueError(f"the methods are {', '.join(METHODS)}, not {method!r}")
    fraction = sample_fraction(scenario) if quick else 1.0
    result = simulate(program, scenario.sampled(fraction) if fraction < 1 else scenario,
                      replications=scenario.replications, seed=scenario.seed,
                      workers=workers, scheduler=scheduler, progress=progress)
    if fraction == 1.0:
        return result
    tallies = [scaled(tally, 1 / fraction) for tally in result.tallies]
    return dataclasses.replace(result, scenario=scenario, tallies=tallies, sample=fraction)


def horizon_days(scenario: Scenario) -> float:
    """The simulated days of one replication."""
    return scenario.horizon_minutes / MINUTES_PER_DAY


def replicate(runner: Runner, program: Program, scenario: Scenario, seed: int,
              index: int, days: Any = None) -> Tally:
    """One replication in a worker; simulated days go to the `days` queue when there is one."""
    callback = None if days is None else _DaysReporter(days, index)
    return runner(program, scenario, seed, progress=callback)


@dataclass(frozen=True)
class _DaysReporter:
    """Puts `(replication, days_done)` on a queue that the parent process drains."""

    days: Any
    index: int

    def __call__(self, days_done: float) -> None:
        self.days.put((self.index, days_done))


def _run_here(runner: Runner, program: Program, scenario: Scenario, seed: int, index: int,
              progress: Progress | None) -> Tally:
    callback = None if progress is None else (lambda done: progress.days(index, done))
    tally = runner(program, scenario, seed, progress=callback)
    if progress is not None:
        progress.finished(index)
    return tally


def _run_in_pool(workers: int, runner: Runner, program: Program, scenario: Scenario,
                 seeds: list[int], progress: Progress | None) -> list[Tally]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as executor:
        if progress is None:
            return _run_on(executor, runner, program, scenario, seeds, None, None)
        with multiprocessing.Manager() as manager:
            return _run_on(executor, runner, program, scenario, seeds, progress, manager.Queue())


def _run_on(executor: Executor, runner: Runner, program: Program, scenario: Scenario,
            seeds: list[int], progress: Progress | None, days: Any) -> list[Tally]:
    """Submit every replication to the executor and collect the tallies in replication order."""
    futures: dict[Future, int] = {
        executor.submit(replicate, runner, program, scenario, seed, index, days): index
        for index, seed in enumerate(seeds)
    }
    tallies: list[Tally | None] = [None] * len(seeds)
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            _pass_on_days(days, progress)
            for future in sorted(done, key=futures.__getitem__):
                tallies[futures[future]] = future.result()
                if progress is not None:
                    progress.finished(futures[future])
    finally:
        for future in pending:
            future.cancel()
    return tallies  # type: ignore[return-value]


def _pass_on_days(days: Any, progress: Progress | None) -> None:
    if days is None or progress is None:
        return
    while True:
        try:
            index, done = days.get_nowait()
        except queue_module.Empty:
            return
        progress.days(index, done)

"""Monte Carlo forecasts: many replications of the engine, in this process, a pool or on Dask.

Each replication gets its own seed from `numpy.random.SeedSequence(seed).spawn(n)`, so a
replication's result depends only on the root seed and its index: never on the number of
workers, where it ran or in which order replications finished. Results are kept in
replication order. Process pools and Dask share the `concurrent.futures.Executor` interface.
"""

from __future__ import annotations

import dataclasses
import queue as queue_module
from functools import partial
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from simulator import METHODS
from simulator.notes import unproduced_events
from simulator.quick import sample_fraction, scaled
from simulator.results import Tally
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.errors import SopdslError
from sopdsl.executors import dask_executor

if TYPE_CHECKING:
    from sopdsl.scenario.model import Scenario
    from sopdsl.checker.program import Program
    from simulator.real_base import RealBase

# How often the waiting loop passes on the simulated days that workers report.
POLL_SECONDS = 0.2

# `runner(program, scenario, seed, progress=callback) -> Tally`; the callback takes the
# simulated days done so far. It must be a top-level function when it runs in other processes.
Runner = Callable[..., Tally]
Job = tuple[Runner, int]  # a replication's function and its seed


class Progress(Protocol):
    """What a forecast tells as it goes: simulated days per replication, and replications done.

    With a baseline, baseline replication `i` of `n` is told as replication `n + i`."""

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
    # The baseline's tallies (the playbook switched off), paired with `tallies` by seed; None
    # when no baseline was run (`baseline=False`, or the exact method).
    baseline: list[Tally] | None = None
    # Events journeys refer to that the scenario never produces -> the journeys referring.
    unproduced: dict[str, list[str]] = field(default_factory=dict)
    # Started from real customers: how many, as at when, replayed from how many days before.
    real_base: dict[str, Any] | None = None


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


def default_baseline_runner() -> Runner:
    """The SimPy engine's replication function with the playbook switched off."""
    from simulator.engine import run_baseline

    return run_baseline


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
    baseline: bool | Runner = True,
) -> Forecast:
    """Run `replications` replications of the playbook under the scenario; tallies in order.

    `baseline` also runs each replication with the playbook switched off, from the same seed
    (common random numbers), for the lift (`simulator.lift`); a function runs that instead of
    the engine's baseline. `workers > 1` runs them in a process pool; `scheduler` (a Dask
    scheduler address such as `tcp://host:8786`) runs them on that cluster instead.
    """
    from sopdsl.syntax.files import display_path

    if replications < 1 or workers < 1:
        raise ValueError("replications and workers must be at least 1")
    seeds = replication_seeds(seed, replications)
    runner = runner or default_runner()
    jobs = [(runner, seed_i) for seed_i in seeds]
    if baseline is not False:
        without = default_baseline_runner() if baseline is True else baseline
        jobs += [(without, seed_i) for seed_i in seeds]
    if scheduler is not None:
        with dask_executor(scheduler) as executor:
            tallies = _run_on(executor, program, scenario, jobs, progress, None)
    elif workers > 1 and len(jobs) > 1:
        tallies = _run_in_pool(min(workers, len(jobs)), program, scenario, jobs, progress)
    else:
        tallies = [_run_here(job, program, scenario, index, progress)
                   for index, job in enumerate(jobs)]
    return Forecast(method="montecarlo", playbook=display_path(program.entry), scenario=scenario,
                    tallies=tallies[:replications], seed=seed, seeds=seeds,
                    baseline=tallies[replications:] if baseline is not False else None,
                    unproduced=unproduced_events(program, scenario))


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
                    tallies=[result], unproduced=unproduced_events(program, scenario))


def forecast(program: Program, scenario: Scenario, *, method: str = "montecarlo",
             workers: int = 1, scheduler: str | None = None,
             progress: Progress | None = None, quick: bool = False,
             baseline: bool = True, base: RealBase | None = None) -> Forecast:
    """Forecast with `method`: `montecarlo` runs the scenario's replications from its seed,
    and with `baseline` the same replications with the playbook switched off (see
    `simulate`); `exact` computes expected values (its lift is Monte Carlo only), or raises
    `Refused` saying why not.
    `quick` simulates a sample of the customers with staff alike and scales counts back
    (Monte Carlo only; see `simulator.quick`). `base` starts every replication from real
    customers (`simulator.real_base.read_base`; Monte Carlo, not quick). The playbook must load
    without errors."""
    if not program.ok:
        raise ValueError("the playbook has errors: `program.diagnostics` lists them")
    if base is not None:
        if method != "montecarlo" or quick:
            raise ValueError("real customers are simulated by Monte Carlo, every one of them")
        result = simulate(program, scenario, replications=scenario.replications,
                          seed=scenario.seed, workers=workers, scheduler=scheduler,
                          progress=progress, runner=partial(default_runner(), base=base),
                          baseline=partial(default_baseline_runner(), base=base) if baseline
                          else False)
        return dataclasses.replace(result, real_base={
            "customers": base.size, "start": base.start.isoformat(timespec="minutes"),
            "lookback_days": base.lookback_days})
    if method == "exact":
        if quick:
            raise ValueError("a quick forecast samples customers: it is Monte Carlo only")
        return forecast_exactly(program, scenario)
    if method != "montecarlo":
        raise ValueError(f"the methods are {', '.join(METHODS)}, not {method!r}")
    fraction = sample_fraction(scenario) if quick else 1.0
    result = simulate(program, scenario.sampled(fraction) if fraction < 1 else scenario,
                      replications=scenario.replications, seed=scenario.seed,
                      workers=workers, scheduler=scheduler, progress=progress, baseline=baseline)
    if fraction == 1.0:
        return result
    tallies = [scaled(tally, 1 / fraction) for tally in result.tallies]
    without = None if result.baseline is None else [scaled(t, 1 / fraction)
                                                    for t in result.baseline]
    return dataclasses.replace(result, scenario=scenario, tallies=tallies, baseline=without,
                               sample=fraction)


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


def _run_here(job: Job, program: Program, scenario: Scenario, index: int,
              progress: Progress | None) -> Tally:
    runner, seed = job
    callback = None if progress is None else (lambda done: progress.days(index, done))
    tally = runner(program, scenario, seed, progress=callback)
    if progress is not None:
        progress.finished(index)
    return tally


def _run_in_pool(workers: int, program: Program, scenario: Scenario, jobs: list[Job],
                 progress: Progress | None) -> list[Tally]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as executor:
        if progress is None:
            return _run_on(executor, program, scenario, jobs, None, None)
        with multiprocessing.Manager() as manager:
            return _run_on(executor, program, scenario, jobs, progress, manager.Queue())


def _run_on(executor: Executor, program: Program, scenario: Scenario, jobs: list[Job],
            progress: Progress | None, days: Any) -> list[Tally]:
    """Submit every replication to the executor and collect the tallies in job order."""
    futures: dict[Future, int] = {
        executor.submit(replicate, runner, program, scenario, seed, index, days): index
        for index, (runner, seed) in enumerate(jobs)
    }
    tallies: list[Tally | None] = [None] * len(jobs)
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

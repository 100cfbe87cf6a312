"""Speed-up of Monte Carlo replications on a process pool: `--workers 2` against one process.

Runs the same replications with the same root seed on 1 and on N workers through
`simulator.montecarlo.simulate`, checks that both give identical tallies, and prints the
wall-clock times and the speed-up (target: at least 1.8x with 2 workers on 2 idle cores).

The replication is the SimPy engine on the onboarding playbook when the engine is installed
(`--runner engine`), else the bare SimPy funnel of bench_baselines.py (`--runner funnel`):
the same shape of work, so the pool's overhead is measured either way.

Run: .venv/bin/python benchmarks/bench_workers.py [--customers 20000] [--replications 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from pathlib import Path

from bench_baselines import simpy_funnel

from simulator.montecarlo import simulate
from simulator.results import Tally
from sopdsl.scenario.build import effective_scenario
from sopdsl.api import load

ROOT = Path(__file__).parent.parent
PLAYBOOK = ROOT / "playbooks" / "onboarding.sop"


def funnel_runner(program, scenario, seed: int, progress=None) -> Tally:
    """One replication of the bare SimPy funnel, sized by the scenario's population."""
    days = round(scenario.horizon_minutes / 1440)
    _, events = simpy_funnel(scenario.population.size, days, seed=seed % 2**32)
    if progress is not None:
        progress(days)
    return Tally(seed=seed, customers=float(scenario.population.size), sends=float(events))


def engine_runner():
    """The engine's replication function."""
    from simulator.montecarlo import default_runner

    return default_runner()


def timed(program, scenario, replications: int, workers: int, runner) -> tuple[float, list]:
    started = time.perf_counter()
    forecast = simulate(program, scenario, replications=replications, seed=scenario.seed,
                        workers=workers, runner=runner)
    return time.perf_counter() - started, forecast.tallies


def main() -> None:
    has_engine = importlib.util.find_spec("simulator.engine") is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runner", choices=("engine", "funnel"),
                        default="engine" if has_engine else "funnel")
    args = parser.parse_args()

    program = load(PLAYBOOK)
    scenario, _ = effective_scenario(program)
    population = scenario.population.model_copy(update={"size": args.customers})
    scenario = scenario.model_copy(update={"population": population})
    runner = engine_runner() if args.runner == "engine" else funnel_runner

    busy = os.getloadavg()[0]
    one, alone = timed(program, scenario, args.replications, 1, runner)
    many, pooled = timed(program, scenario, args.replications, args.workers, runner)
    assert pooled == alone, "worker counts must not change results"
    print(f"{args.runner} runner, {args.customers:,} customers, {args.replications} replications "
          f"(load average before: {busy:.2f} on {os.cpu_count()} cores; the speed-up is "
          "only meaningful on idle cores)")
    print(f"  1 worker : {one:7.2f} s")
    print(f"  {args.workers} workers: {many:7.2f} s  speed-up {one / many:.2f}x")


if __name__ == "__main__":
    main()

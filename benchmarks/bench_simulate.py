"""Speed and memory of one simulated replication of playbooks/onboarding.sop, next to the baselines.

The playbook's own scenario is scaled to `--customers` (the stock plus the expected arrivals over
the horizon, in the scenario's proportions, with staff scaled alike; `--arrivals-only` makes every customer a new friend
who goes through the onboarding journey). The bare SimPy funnel of bench_baselines.py runs with
the same customers and days (garbage collector off, like the engine), and the NumPy day-step
model gives the limit. Rates are per CPU second (the machine may be shared); peak memory is the process's maximum
resident set size.

Run:  .venv/bin/python benchmarks/bench_simulate.py [--customers 100000] [--days 90]
      .venv/bin/python benchmarks/bench_simulate.py --customers 1000000 --no-baselines
      .venv/bin/python benchmarks/bench_simulate.py --customers 20000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import math
import pstats
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_baselines import numpy_day_step, simpy_funnel  # noqa: E402
from sopdsl.api import load  # noqa: E402
from simulator.engine import Replication  # noqa: E402
from sopdsl.scenario.model import Scenario  # noqa: E402
from sopdsl.scenario.build import effective_scenario  # noqa: E402

MINUTES_PER_DAY = 24 * 60


def scaled(scenario: Scenario, customers: int, days: int, arrivals_only: bool) -> Scenario:
    """The scenario over `days`, its stock, arrivals and staff scaled to `customers` in all."""
    people = scenario.population
    factor = customers / (people.size + people.arrivals_per_day * days)
    if arrivals_only:
        size, rate = 0, customers / days
    else:
        size, rate = round(people.size * factor), people.arrivals_per_day * factor
    population = people.model_copy(update={"size": size, "arrivals_per_day": rate})
    staff = {role: member.model_copy(update={"count": math.ceil(member.count * factor)})
             for role, member in scenario.staff.items()}
    return scenario.model_copy(update={"population": population, "staff": staff,
                                       "horizon_minutes": days * MINUTES_PER_DAY})


def simulate(program, scenario: Scenario, seed: int) -> tuple[float, float, int, object]:
    """One replication with the collector paused as run_replication does.

    Returns wall seconds, CPU seconds, SimPy events scheduled and the tally.
    """
    gc.disable()
    gc.freeze()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        replication = Replication(program, scenario, seed, None)
        tally = replication.run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        gc.unfreeze()
        gc.enable()
    return seconds, cpu, next(replication.env._eid), tally  # SimPy numbers every event


def bare_simpy(customers: int, days: int) -> tuple[float, float, int]:
    """The bare SimPy funnel with the collector off: wall seconds, CPU seconds, events."""
    gc.disable()
    try:
        cpu = time.process_time()
        seconds, events = simpy_funnel(customers, days)
        return seconds, time.process_time() - cpu, events
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--arrivals-only", action="store_true")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    args = parser.parse_args()

    program = load(ROOT / "playbooks" / "onboarding.sop")
    base, _ = effective_scenario(program)
    scenario = scaled(base, args.customers, args.days, args.arrivals_only)
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
    seconds, cpu, events, tally = simulate(program, scenario, args.seed)
    if args.profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    customer_days = tally.customers * args.days
    people = scenario.population
    print(f"onboarding.sop, {tally.customers:,.0f} customers ({people.size:,} at start, "
          f"{tally.arrivals:,.0f} arrivals) x {args.days} days, seed {args.seed}")
    print(f"  engine    : {seconds:6.2f} s wall {cpu:6.2f} s CPU  {events / cpu:9,.0f} events/s  "
          f"{customer_days / cpu:11,.0f} customer-days/s  "
          f"{events / tally.customers:.1f} events/customer  peak {peak_mb:,.0f} MB")
    if args.no_baselines:
        return
    bare_wall, bare_cpu, bare_events = bare_simpy(int(tally.customers), args.days)
    numpy_seconds = numpy_day_step(1_000_000, args.days)
    print(f"  bare SimPy: {bare_wall:6.2f} s wall {bare_cpu:6.2f} s CPU  "
          f"{bare_events / bare_cpu:9,.0f} events/s  {customer_days / bare_cpu:11,.0f} "
          f"customer-days/s  (same customers, gc off)")
    print(f"  engine / bare SimPy: {cpu / bare_cpu:.2f}x CPU, {seconds / bare_wall:.2f}x wall")
    print(f"  NumPy day-step limit, 1,000,000 x {args.days} days: {numpy_seconds:6.2f} s  "
          f"{1_000_000 * args.days / numpy_seconds:14,.0f} customer-days/s")


if __name__ == "__main__":
    main()

"""Time `sopdsl simulate` from real customers against the same number of synthetic ones.

    python benchmarks/bench_real_base.py [--customers 100000] [--events-per-customer 10]
                                         [--playbook playbooks/winback.sop] [--keep DIR]
                                         [--rounds 1]

Generates sorted customers and events files as `bench_plan.py` does (or reuses those in
--keep), then runs one replication without a baseline on one core, in a child process, twice
in turn, `--rounds` times: `--customers N` (the scenario's synthetic stock) and `--customers
FILE --events FILE --start` (the real base, its journeys replayed from the lookback and each
customer's draws given their history). Reports each run's wall and CPU time and peak resident
memory, the medians and the real base's ratios to the synthetic stock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench_plan import START, data_folder
from children import Child, run_pinned

ROOT = Path(__file__).resolve().parent.parent
SOPDSL = Path(sys.executable).parent / "sopdsl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events-per-customer", type=int, default=10)
    parser.add_argument("--playbook", type=Path, default=ROOT / "playbooks" / "winback.sop")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    folder = data_folder(args.keep, args.customers, args.events_per_customer, "sopdsl-real-base-")
    common = [str(SOPDSL), "simulate", str(args.playbook), "--replications", "1",
              "--no-baseline", "--workers", "1", "--format", "json"]
    stocks = {"synthetic": ["--customers", str(args.customers)],
              "real": ["--customers", str(folder / "customers.csv"),
                       "--events", str(folder / "events.csv"), "--start", START]}
    runs: dict[str, list[Child]] = {name: [] for name in stocks}
    print(f"{args.customers:,} customers, {args.events_per_customer} events each, "
          f"{args.playbook.name}")
    for round_ in range(args.rounds):
        for name, stock in stocks.items():
            load = os.getloadavg()[0]
            child = run_pinned([*common, *stock])
            runs[name].append(child)
            print(f"  {name:9} run {round_ + 1}: {child.seconds:6.1f} s wall, {child.cpu:6.1f} s "
                  f"CPU, peak RSS {child.peak_gb * 1024:5.0f} MiB (load before: {load:.2f})")
    medians = {name: {key: statistics.median(getattr(c, key) for c in children)
                      for key in ("seconds", "cpu", "peak_gb")}
               for name, children in runs.items()}
    synthetic, real = medians["synthetic"], medians["real"]
    for name, figures in medians.items():
        print(f"{name:9} median: {figures['seconds']:.1f} s wall, {figures['cpu']:.1f} s CPU, "
              f"peak RSS {figures['peak_gb'] * 1024:.0f} MiB")
    print(f"real / synthetic: wall {real['seconds'] / synthetic['seconds']:.2f}x, CPU "
          f"{real['cpu'] / synthetic['cpu']:.2f}x, peak RSS "
          f"{real['peak_gb'] / synthetic['peak_gb']:.2f}x")


if __name__ == "__main__":
    main()

"""Time `sopdsl simulate` from real customers against the same number of synthetic ones.

    python benchmarks/bench_real_base.py [--customers 100000] [--events-per-customer 10]
                                         [--playbook playbooks/winback.sop] [--keep DIR]

Generates sorted customers and events files as `bench_plan.py` does (or reuses those in
--keep), then runs one replication without a baseline on one core, in a child process, twice:
`--customers N` (the scenario's synthetic stock) and `--customers FILE --events FILE --start`
(the real base, its journeys replayed from the lookback and each customer's draws given their
history). Reports both wall times, their ratio and the children's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_plan import START, generate

ROOT = Path(__file__).resolve().parent.parent
SOPDSL = Path(sys.executable).parent / "sopdsl"


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak resident memory (MiB) of one child run."""
    began = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events-per-customer", type=int, default=10)
    parser.add_argument("--playbook", type=Path, default=ROOT / "playbooks" / "winback.sop")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sopdsl-real-base-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "customers.csv").exists():
        generate(folder, args.customers, args.events_per_customer)
    common = [str(SOPDSL), "simulate", str(args.playbook), "--replications", "1",
              "--no-baseline", "--workers", "1", "--format", "json"]
    synthetic, synthetic_peak = timed([*common, "--customers", str(args.customers)])
    real, real_peak = timed([*common, "--customers", str(folder / "customers.csv"),
                             "--events", str(folder / "events.csv"), "--start", START])
    print(f"{args.customers:,} customers, {args.events_per_customer} events each, "
          f"{args.playbook.name}")
    print(f"synthetic stock: {synthetic:.1f} s")
    print(f"real base:       {real:.1f} s  ({real / synthetic:.2f}x), "
          f"peak memory of the children {max(synthetic_peak, real_peak):.0f} MiB")


if __name__ == "__main__":
    main()

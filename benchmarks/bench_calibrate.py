"""Time `sopdsl calibrate` over many customers and measure its peak memory.

    python benchmarks/bench_calibrate.py [--customers 1000000] [--events-per-customer 10]
                                         [--keep DIR]

Generates sorted customers and events files (each customer: a `friend_added`, then weekly
`private_chat` sends with opens, clicks and replies, and purchases with amounts, over the 90
days before the cut-off), or reuses the ones in --keep, then runs the real command,
`sopdsl calibrate --customers ... --events ... --until ... -o fitted.sop`, in a child process
pinned to one core, and reports wall time, CPU time and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from children import Child, run_pinned

SOPDSL = Path(sys.executable).parent / "sopdsl"
UNTIL = dt.datetime(2026, 12, 2)
TARGETS = {"seconds": 60.0, "peak_gb": 1.0}


def generate(folder: Path, customers: int, per_customer: int, seed: int = 7) -> None:
    """Write customers.csv and events.csv, both sorted by customer_id."""
    rng = random.Random(seed)
    with open(folder / "customers.csv", "w", encoding="utf-8", newline="") as people, \
            open(folder / "events.csv", "w", encoding="utf-8", newline="") as events:
        people.write("customer_id,tags,stage\n")
        events.write("customer_id,time,event,channel,amount\n")
        for number in range(customers):
            cid = f"c{number:07d}"
            people.write(f"{cid},{'VIP' if rng.random() < 0.08 else ''},visitor\n")
            added = rng.uniform(1, 90)
            rows = [(added, "friend_added", "", "")]
            sent = added
            while len(rows) < per_customer:
                sent -= rng.uniform(3, 10)
                if sent <= 0:
                    sent = rng.uniform(0, added)
                    rows.append((sent, "purchase", "", str(rng.randint(99, 999))))
                    continue
                rows.append((sent, "delivered", "private_chat", ""))
                if rng.random() < 0.45 and len(rows) < per_customer:
                    rows.append((max(sent - rng.uniform(0, 0.3), 0), "open", "private_chat", ""))
                    if rng.random() < 0.3 and len(rows) < per_customer:
                        rows.append((max(sent - rng.uniform(0, 0.5), 0), "click",
                                     "private_chat", ""))
            for days_before, name, channel, amount in rows:
                when = UNTIL - dt.timedelta(minutes=int(days_before * 1440) + 1)
                events.write(f"{cid},{when:%Y-%m-%d %H:%M},{name},{channel},{amount}\n")


def run(folder: Path) -> Child:
    """The `sopdsl calibrate` child on the files in `folder`, pinned to one core."""
    return run_pinned([str(SOPDSL), "calibrate", "--customers", str(folder / "customers.csv"),
                       "--events", str(folder / "events.csv"), "--until", UNTIL.isoformat(),
                       "-o", str(folder / "fitted.sop")], ok=(0, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events-per-customer", type=int, default=10)
    parser.add_argument("--keep", type=Path,
                        help="Generate into this folder and keep it; reuse the files there.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if not (args.keep and (folder / "events.csv").exists()):
            generate(folder, args.customers, args.events_per_customer)
        generated = time.perf_counter() - started
        child = run(folder)
        seconds, cpu, peak_gb, stderr = child.seconds, child.cpu, child.peak_gb, child.stderr
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, load average {load}")
    print(f"input: {args.customers:,} customers, {args.events_per_customer} events each "
          f"(generated in {generated:.1f} s)")
    print(f"calibrate: {seconds:.1f} s wall, {cpu:.1f} s CPU, "
          f"{args.customers / cpu:,.0f} customers/s (CPU), peak RSS {peak_gb:.2f} GB "
          f"(targets: < {TARGETS['seconds']:.0f} s, < {TARGETS['peak_gb']:.0f} GB)")
    print(stderr.strip().splitlines()[-1] if stderr.strip() else "")


if __name__ == "__main__":
    main()

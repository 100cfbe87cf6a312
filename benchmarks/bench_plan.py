"""Time `sopdsl plan` over many customers and measure its peak memory.

    python benchmarks/bench_plan.py [--customers 1000000] [--events-per-customer 10] [--days 7]
                                    [--playbook playbooks/onboarding.sop] [--keep DIR]
                                    [--workers N --rounds 3]

Generates sorted customers and events files (each customer: one `friend_added` and further
clicks, replies, opens, purchases and store visits spread over the 90 days before the start),
(or reuses the ones in --keep), then runs the real command, `sopdsl plan ... -o plan.json`, in a child process on one core and
reports wall time, customers/s and the child's peak resident memory. With `--workers N` it
runs one process (on one core) and `--workers N` (on N cores) in turn, `--rounds` times each,
checks that both plans are byte for byte the same, and reports the medians of wall time, CPU
time (workers included) and peak memory, and their ratios.
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

ROOT = Path(__file__).resolve().parent.parent
SOPDSL = Path(sys.executable).parent / "sopdsl"
START = "2026-12-02"
BEFORE_START = dt.datetime(2026, 12, 1, 23, 59)
TARGETS = {"seconds": 300.0, "peak_gb": 2.0}
OWNERS = [f"guide_{i:02d}" for i in range(40)]
NAMES = ["王芳", "李娜", "张敏", "赵静", "陈丽", "刘洋", "杨柳", "黄梅", "周婷", "吴倩"]
KINDS = [("click", "newborn_course"), ("open", "newborn_course"), ("reply", ""),
         ("purchase", ""), ("store_visit", ""), ("sample_claimed", ""), ("form_submitted", ""),
         ("click", "baby_form")]


def data_folder(keep: Path | None, customers: int, per_customer: int, prefix: str) -> Path:
    """`keep` (or a new temporary folder) holding the files `generate` writes, written there
    only if missing."""
    folder = keep or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "customers.csv").exists():
        generate(folder, customers, per_customer)
    return folder


def generate(folder: Path, customers: int, per_customer: int, seed: int = 7) -> None:
    """Write customers.csv and events.csv, both sorted by customer_id."""
    rng = random.Random(seed)
    with open(folder / "customers.csv", "w", encoding="utf-8", newline="") as people, \
            open(folder / "events.csv", "w", encoding="utf-8", newline="") as events:
        people.write("customer_id,owner,name,gender,age,city,birthday,tags,stage,score\n")
        events.write("customer_id,time,event,content,amount\n")
        for number in range(customers):
            cid = f"c{number:07d}"
            birthday = f"{rng.randint(1975, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            tags = "VIP" if rng.random() < 0.08 else ""
            people.write(f"{cid},{rng.choice(OWNERS)},{rng.choice(NAMES)},female,"
                         f"{rng.randint(20, 50)},上海,{birthday},{tags},visitor,0\n")
            added = rng.uniform(0, 90)
            rows = [(added, "friend_added", "", "")]
            for _ in range(per_customer - 1):
                name, content = rng.choice(KINDS)
                amount = f"{rng.randint(99, 999)}" if name == "purchase" else ""
                rows.append((rng.uniform(0, added), name, content, amount))
            for days_before, name, content, amount in rows:
                when = BEFORE_START - dt.timedelta(minutes=int(days_before * 1440))
                events.write(f"{cid},{when:%Y-%m-%d %H:%M},{name},{content},{amount}\n")


def run_plan(folder: Path, playbook: Path, days: int, workers: int = 1,
             output: str = "plan.json") -> Child:
    """The `sopdsl plan` child: its wall and CPU seconds (workers' included), its peak memory
    (the largest process's and the whole tree's at once), its stderr."""
    command = [str(SOPDSL), "plan", str(playbook), "--customers", str(folder / "customers.csv"),
               "--events", str(folder / "events.csv"), "--start", START, "--days", str(days),
               "--workers", str(workers), "-o", str(folder / output)]
    return run_pinned(command, cores=workers, ok=(0, 1), tree=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events-per-customer", type=int, default=10)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--playbook", type=Path, default=ROOT / "playbooks" / "onboarding.sop")
    parser.add_argument("--keep", type=Path,
                        help="Generate into this folder and keep it; reuse the files there.")
    parser.add_argument("--workers", type=int, default=1,
                        help="Also time --workers N against one process, pair by pair.")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.workers > 1:
        compare_workers(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if not (args.keep and (folder / "events.csv").exists()):
            generate(folder, args.customers, args.events_per_customer)
        generated = time.perf_counter() - started
        child = run_plan(folder, args.playbook, args.days)
        seconds, cpu, peak_gb, stderr = child.seconds, child.cpu, child.peak_gb, child.stderr
        tasks = (folder / "plan.json").stat().st_size
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, load average {load}")
    print(f"input: {args.customers:,} customers, {args.events_per_customer} events each "
          f"(generated in {generated:.1f} s); playbook {args.playbook.name}; {args.days}-day window")
    print(f"plan: {seconds:.1f} s wall, {cpu:.1f} s CPU, {args.customers / seconds:,.0f} "
          f"customers/s (wall), {args.customers / cpu:,.0f} customers/s (CPU), "
          f"peak RSS {peak_gb:.2f} GB, plan.json {tasks / 1e6:.1f} MB "
          f"(targets: < {TARGETS['seconds']:.0f} s, < {TARGETS['peak_gb']:.0f} GB)")
    print(stderr.strip().splitlines()[-1] if stderr.strip() else "")


def compare_workers(args: argparse.Namespace) -> None:
    """One process against `--workers N`, run in turn; medians of wall and CPU time, peak
    memory, their ratio, and whether the two plans are the same bytes."""
    import statistics

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if not (args.keep and (folder / "events.csv").exists()):
            generate(folder, args.customers, args.events_per_customer)
        runs: dict[int, list[Child]] = {1: [], args.workers: []}
        loads = []
        for _ in range(args.rounds):
            for workers in runs:
                loads.append(os.getloadavg()[0])
                runs[workers].append(run_plan(folder, args.playbook, args.days, workers,
                                              f"plan-{workers}.json"))
        same = (folder / "plan-1.json").read_bytes() == (
            folder / f"plan-{args.workers}.json").read_bytes()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, 1-minute load average before each run: "
          f"{', '.join(f'{x:.2f}' for x in loads)}")
    print(f"input: {args.customers:,} customers, {args.events_per_customer} events each; "
          f"playbook {args.playbook.name}; {args.days}-day window; {args.rounds} rounds")
    medians = {}
    for workers, children in runs.items():
        figures = {key: statistics.median(getattr(c, key) for c in children)
                   for key in ("seconds", "cpu", "peak_gb", "tree_peak_gb")}
        medians[workers] = figures
        label = "one process" if workers == 1 else f"--workers {workers}"
        print(f"{label}: {figures['seconds']:.1f} s wall, {figures['cpu']:.1f} s CPU (with "
              f"its workers), peak RSS {figures['peak_gb'] * 1024:.0f} MiB (largest process), "
              f"{figures['tree_peak_gb'] * 1024:.0f} MiB (all its processes at once); walls "
              f"{', '.join(f'{c.seconds:.1f}' for c in children)}")
    one, many = medians[1], medians[args.workers]
    print(f"one process / --workers {args.workers}: wall {one['seconds'] / many['seconds']:.2f}x, "
          f"CPU {one['cpu'] / many['cpu']:.2f}x; plans byte-identical: {same}")


if __name__ == "__main__":
    main()

"""Time the replay of a real base alone: each customer followed from the lookback to the start.

    python benchmarks/bench_base_replay.py [--customers 100000] [--keep DIR] [--runs 3]

Reads the customers and events files of `bench_real_base.py` (generated into --keep when it
holds none), then creates the stock of a replication of `playbooks/winback.sop` (`_create_stock`:
decoding, `follow_customer`, `drive` to the start, the first wake-ups) `--runs` times in this
process, and prints the CPU seconds of each. Run it pinned (`taskset -c 0`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
from pathlib import Path

from bench_plan import START, data_folder
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario
from simulator.engine import Replication
from simulator.real_base import read_base

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = data_folder(args.keep, args.customers, 10, "sopdsl-base-replay-")
    program = load(ROOT / "playbooks" / "winback.sop")
    start = dt.date.fromisoformat(START)
    scenario, _ = effective_scenario(program, None)
    assert scenario is not None
    scenario = scenario.model_copy(update={"start": start})
    base, _ = read_base(program, folder / "customers.csv", folder / "events.csv",
                        start=dt.datetime.combine(start, dt.time()))
    assert base is not None
    seconds = []
    for _ in range(args.runs):
        gc.disable()  # as a replication runs (`run_replication`)
        replication = Replication(program, scenario, 1, None, False, base)
        began = time.process_time()
        replication._create_stock()
        seconds.append(time.process_time() - began)
        del replication
        gc.enable()
        gc.collect()
    print(f"{base.size:,} customers: replay CPU " + ", ".join(f"{s:.2f}" for s in seconds)
          + " s")


if __name__ == "__main__":
    main()

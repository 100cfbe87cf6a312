"""CPU time of one replication of every bundled playbook, each at its own scenario's size.

Each playbook under playbooks/ runs once with its effective scenario (customers, horizon and
staff as written), seed 1 unless given, the collector paused as `run_replication` does. Rates
are per CPU second (the machine may be shared). `--digest FILE` also writes each replication's
whole tally as JSON, so two trees can be checked to give the very same figures.

Run:  taskset -c 0 .venv/bin/python benchmarks/bench_playbooks.py [--repeat 3]
      .venv/bin/python benchmarks/bench_playbooks.py --only onboarding --digest /tmp/a.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.engine import run_replication  # noqa: E402
from sopdsl.api import load  # noqa: E402
from sopdsl.scenario.build import effective_scenario  # noqa: E402


def replication(path: Path, seed: int) -> tuple[float, dict, int]:
    """One replication of the playbook at `path`: CPU seconds, its tally as data, customers."""
    program = load(path)
    scenario, _ = effective_scenario(program)
    cpu = time.process_time()
    tally = run_replication(program, scenario, seed)
    return time.process_time() - cpu, tally.to_dict(), int(tally.customers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per playbook (median)")
    parser.add_argument("--only", action="append", help="a playbook's name (repeatable)")
    parser.add_argument("--digest", type=Path, help="write every tally as JSON here")
    args = parser.parse_args()

    paths = sorted((ROOT / "playbooks").glob("*.sop"))
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    print(f"load average {os.getloadavg()[0]:.2f}, seed {args.seed}, median of {args.repeat}")
    tallies = {}
    for path in paths:
        times = []
        for _ in range(args.repeat):
            cpu, tally, customers = replication(path, args.seed)
            times.append(cpu)
        tallies[path.stem] = tally
        print(f"  {path.stem:20} {customers:8,} customers  {statistics.median(times):7.2f} s CPU"
              f"  ({', '.join(f'{t:.2f}' for t in times)})", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")
    if args.digest:
        args.digest.write_text(json.dumps(tallies, sort_keys=True, default=str))


if __name__ == "__main__":
    main()

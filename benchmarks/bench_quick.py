"""Time a quick forecast against the full one, for bundled playbooks, as whole commands.

    .venv/bin/python benchmarks/bench_quick.py [--replications 4] [--rounds 3]
                                               [playbooks/onboarding.sop ...]

Each playbook is forecast with its own scenario by `sopdsl simulate P --format json --workers 1
--replications R`, once as it is and once with `--quick`, in turn, `--rounds` times; the table
gives the median wall seconds of each, their ratio, and the purchase rate of both (mean and
95% interval) so the answers can be compared as well as the times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOPDSL = Path(sys.executable).parent / "sopdsl"


def forecast(playbook: Path, replications: int, quick: bool) -> tuple[float, dict]:
    """Wall seconds and the JSON report of one `sopdsl simulate` run."""
    command = [str(SOPDSL), "simulate", str(playbook), "--format", "json", "--workers", "1",
               "--replications", str(replications), *(["--quick"] if quick else [])]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def purchase_rate(report: dict) -> str:
    figure = report["kpis"]["purchase_rate"]
    return f"{figure['mean']:.2%} ({figure['ci95'][0]:.2%}-{figure['ci95'][1]:.2%})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("playbooks", nargs="*", type=Path,
                        default=[ROOT / "playbooks" / "onboarding.sop"])
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.replications} replications, {args.rounds} rounds, one process each")
    print("| playbook | full (s) | --quick (s) | full / quick | sample | purchase rate full | "
          "purchase rate quick |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for playbook in args.playbooks:
        times: dict[bool, list[float]] = {False: [], True: []}
        reports: dict[bool, dict] = {}
        for _ in range(args.rounds):
            for quick in (False, True):
                seconds, reports[quick] = forecast(playbook, args.replications, quick)
                times[quick].append(seconds)
        full, quick_s = statistics.median(times[False]), statistics.median(times[True])
        sample = reports[True]["meta"]["sample"]
        print(f"| {playbook.name} | {full:.1f} | {quick_s:.1f} | {full / quick_s:.1f} | "
              f"{'whole' if sample is None else f'{sample:.1%}'} | "
              f"{purchase_rate(reports[False])} | {purchase_rate(reports[True])} |")


if __name__ == "__main__":
    main()

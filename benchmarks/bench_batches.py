"""One replication of a playbook with a daily mass send and weekly moments, timed on two trees.

The playbook (written below) sends a daily 群发 (`private_chat`) at 10:00 and a weekly moments
post on Fridays at 20:00 to every customer, 100,000 customers owned by 30 guides, over 90 days.
Each tree (a checkout of the project) runs the same replication in a fresh process, turn about,
`--repeat` times, so both see the same load; the script prints each run, the medians and the
ratio of medians. Without `--before` it times only this tree.

Run:  .venv/bin/python benchmarks/bench_batches.py --before OLD_TREE [--after NEW_TREE] [--repeat 3]
      .venv/bin/python benchmarks/bench_batches.py --customers 20000 --days 30
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from children import run_pinned, turn_about

ROOT = Path(__file__).resolve().parent.parent

PLAYBOOK = """\
playbook "daily mass send and weekly moments" {
  timezone "Asia/Shanghai"
  quiet_hours 21:30-08:30
  mass_quota 31 per month
}

role guide "guide"

content daily_tip: text "Today's tip"
content weekly_post: poster "This week" {
  url "https://example.com/weekly.jpg"
}

journey daily_tips "daily mass send" {
  when every day at 10:00
  reentry always
  send daily_tip via private_chat
}

journey weekly_moments "weekly moments" {
  when every friday at 20:00
  reentry always
  send weekly_post via moments
}

scenario bench {
  start 2026-12-01
  horizon {days}d
  population {customers} {
    owner guide
  }
  staff guide 30 {
    capacity 80/day
    completion 90%
    delay exponential(1h)
    hours 09:00-21:00
  }
}
"""

# Runs in a fresh process with the tree to time first on sys.path.
CHILD = """\
import gc, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario
from simulator.engine import Replication
program = load(sys.argv[2])
scenario, _ = effective_scenario(program)
gc.disable(); gc.freeze()
wall, cpu = time.perf_counter(), time.process_time()
tally = Replication(program, scenario, 1, None).run()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "staff_items": tally.staff["guide"].tasks,
                  "delivered": tally.delivered,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(tree: Path, playbook: Path) -> dict:
    """One replication on `tree`, in a fresh process pinned to one core."""
    return json.loads(run_pinned([sys.executable, "-c", CHILD, str(tree), str(playbook)]).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="the tree to compare with (e.g. main)")
    parser.add_argument("--after", type=Path, default=ROOT, help="the tree to time (this one)")
    args = parser.parse_args()
    trees = {"after": args.after} if args.before is None else {"before": args.before,
                                                                "after": args.after}
    with tempfile.TemporaryDirectory() as folder:
        playbook = Path(folder) / "bench.sop"
        playbook.write_text(PLAYBOOK.replace("{customers}", str(args.customers))
                            .replace("{days}", str(args.days)), encoding="utf-8")
        print(f"{args.customers:,} customers x {args.days} days, 30 guides; load average "
              f"{os.getloadavg()[0]:.2f}")
        medians = turn_about(trees, args.repeat, lambda name, tree: run(tree, playbook))
        for name, median in medians.items():
            delivered = median["delivered"]
            print(f"  {name:6} median: {median['cpu']:7.2f} s CPU, peak "
                  f"{median['peak_mb']:,.0f} MB, {median['cpu'] / delivered * 1e6:,.1f} µs CPU "
                  "per delivered message")
        if "before" in medians:
            print(f"  before / after: {medians['before']['cpu'] / medians['after']['cpu']:.2f}x "
                  f"CPU, {medians['before']['peak_mb'] / medians['after']['peak_mb']:.2f}x "
                  "peak memory")
        print(f"  load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

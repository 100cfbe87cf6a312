"""One replication of a daily customer-group calendar and weekly moments, before and after
customer groups became entities, timed on two trees.

100,000 customers owned by 30 guides, every one of them in a customer group (7 groups of up to
500 members per guide), get a daily 08:30 group post and a weekly moments post on Fridays at
20:00, for 30 days. Before groups were entities the calendar was a customer journey sending
`via group` to every customer (`--before`: a tree from then); after, it is a journey `for
groups` posting once per group. Each tree runs the replication in a fresh process, turn about,
`--repeat` times; the script prints each run, the medians and the ratio of medians.

Run:  .venv/bin/python benchmarks/bench_groups.py --before OLD_TREE [--after NEW_TREE] [--repeat 3]

OLD_TREE is a copy of the older commit (`git archive COMMIT | tar -x -C OLD_TREE`) with its
grammar inside its package (`cp -r OLD_TREE/grammar OLD_TREE/sopdsl/grammar`), since this
environment's editable install maps `sopdsl.grammar` to this tree's grammar folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench_batches import ROOT, run
from children import turn_about

COMMON = """\
playbook "daily group calendar and weekly moments" {
  timezone "Asia/Shanghai"
  quiet_hours 21:30-08:30
  mass_quota 31 per month
}

role guide "guide"

content morning: text "Good morning"
content weekly_post: poster "This week" {
  url "https://example.com/weekly.jpg"
}

journey weekly_moments "weekly moments" {
  when every friday at 20:00
  reentry always
  send weekly_post via moments
}
"""
# The calendar as each tree writes it, and the scenario's groups (after only).
BEFORE = """
journey morning_posts "daily group post, per customer" {
  when every day at 08:30
  reentry always
  send morning via group
}
"""
AFTER = """
journey morning_posts "daily group post" for groups {
  when every day at 08:30
  send morning via group
}
"""
SCENARIO = """
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
  {groups}
}
"""
GROUPS = "groups { per_owner 7  capacity 500  members 100% }"


def playbook(folder: Path, name: str, customers: int, days: int) -> Path:
    """The benchmark playbook as the tree `name` ("before" or "after") writes it."""
    scenario = SCENARIO.replace("{customers}", str(customers)).replace("{days}", str(days))
    text = COMMON + (BEFORE if name == "before" else AFTER) + scenario.replace(
        "{groups}", "" if name == "before" else GROUPS)
    path = folder / f"{name}.sop"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, required=True,
                        help="a tree from before groups were entities")
    parser.add_argument("--after", type=Path, default=ROOT, help="the tree to time (this one)")
    args = parser.parse_args()
    trees = {"before": args.before, "after": args.after}
    with tempfile.TemporaryDirectory() as folder:
        books = {name: playbook(Path(folder), name, args.customers, args.days) for name in trees}
        print(f"{args.customers:,} customers x {args.days} days, 30 guides; load average "
              f"{os.getloadavg()[0]:.2f}")
        medians = turn_about(trees, args.repeat, lambda name, tree: run(tree, books[name]))
        for name, median in medians.items():
            print(f"  {name:6} median: {median['cpu']:7.2f} s CPU, peak "
                  f"{median['peak_mb']:,.0f} MB")
        print(f"  before / after: {medians['before']['cpu'] / medians['after']['cpu']:.2f}x "
              f"CPU, {medians['before']['peak_mb'] / medians['after']['peak_mb']:.2f}x peak "
              f"memory; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Time of the exact forecaster on every bundled playbook and on the agreement playbooks.

For each playbook: load it (not timed), then time `forecast_exact` with its default scenario
in CPU seconds of this process (pin it to a core on a shared machine), best of `--repeat`
runs, and print whether it forecast or refused (the refusal's first reason). Aim: every
playbook the method accepts in under 5 s.

Run:  taskset -c 0 .venv/bin/python benchmarks/bench_exact.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.exact import Refusal, forecast_exact  # noqa: E402
from sopdsl.scenario.build import effective_scenario  # noqa: E402
from sopdsl.api import load  # noqa: E402

PLAYBOOKS = [*sorted((ROOT / "playbooks").glob("*.sop")),
             *sorted((ROOT / "tests" / "data" / "exact").glob("*.sop"))]


def best_time(path: Path, repeat: int) -> tuple[float, str]:
    """The fastest of `repeat` forecasts, and what came out."""
    program = load(path)
    scenario, _ = effective_scenario(program)
    if scenario is None:
        return 0.0, "no scenario"
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = forecast_exact(program, scenario)
        best = min(best, time.process_time() - start)
    if isinstance(result, Refusal):
        return best, f"refused ({len(result.reasons)} reasons: {result.reasons[0][:60]}...)"
    goals = [f"{j}.{g}={t.rate:.4f}" for j, jt in result.journeys.items()
             for g, t in jt.goals.items()]
    return best, "forecast " + ", ".join(goals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'playbook':32} {'seconds':>8}  result")
    for path in PLAYBOOKS:
        seconds, what = best_time(path, args.repeat)
        print(f"{str(path.relative_to(ROOT)):32} {seconds:8.3f}  {what}")


if __name__ == "__main__":
    main()

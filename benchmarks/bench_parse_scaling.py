"""Parse and check N and 4N journeys in one file: linear work gives a ratio near 4.

    python benchmarks/bench_parse_scaling.py [--journeys 10000] [--repeat 5]

Prints the median and best CPU seconds of each size and the ratios of the medians, with the
load average they ran under (the figures are only comparable on the same machine and load).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import load_average  # noqa: E402

from sopdsl.api import check_paths  # noqa: E402
from sopdsl.syntax.parser import parse_text  # noqa: E402

JOURNEY = 'journey j{i} "t{i}" {{\n  when e\n  send c via private_chat\n  wait 1d\n}}\n'


def playbook(count: int) -> str:
    """`count` journeys after the declarations they use."""
    return 'event e\ncontent c: text "hi"\n' + "".join(JOURNEY.format(i=i) for i in range(count))


def cpu_times(repeat: int, action: Callable[[], object]) -> list[float]:
    """CPU seconds of `repeat` runs of `action`."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {load_average()}")
    medians: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="sopdsl-bench-") as folder:
        for count in (args.journeys, 4 * args.journeys):
            text = playbook(count)
            path = Path(folder) / f"j{count}.sop"
            path.write_text(text, encoding="utf-8")
            for name, action in (("parse", lambda: parse_text(text)),
                                 ("check", lambda: check_paths([path]))):
                times = cpu_times(args.repeat, action)
                medians[name, count] = statistics.median(times)
                print(f"{name} {count:>6} journeys: median {medians[name, count]:.3f} s, "
                      f"best {min(times):.3f} s")
    for name in ("parse", "check"):
        ratio = medians[name, 4 * args.journeys] / medians[name, args.journeys]
        print(f"{name}: 4x the journeys took {ratio:.2f}x the time (linear: 4)")
    print(f"load average after {load_average()}")


if __name__ == "__main__":
    main()

"""CPU time of `sopdsl calibrate`'s BG/NBD and Gamma-Gamma fits, and of the whole command.

    taskset -c 0 python benchmarks/bench_fits.py DIR [--output FILE]

DIR holds customers.csv and events.csv as `bench_calibrate.py --keep DIR` writes them. The
command runs in this process with each fit timed by `time.process_time`; run it pinned, and
turn about with the code to compare on `PYTHONPATH`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sopdsl import cli
from sopdsl.calibration import estimate

UNTIL = "2026-12-02T00:00:00"


def timed(name: str, spent: dict[str, float], fit: Callable[..., Any]) -> Callable[..., Any]:
    """`fit` adding its CPU seconds to spent[name]."""
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return fit(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - started
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    spent: dict[str, float] = {}
    estimate.bgnbd.fit = timed("bgnbd", spent, estimate.bgnbd.fit)
    estimate.gamma_gamma.fit = timed("gamma_gamma", spent, estimate.gamma_gamma.fit)
    output = args.output or Path(tempfile.mkdtemp()) / "fitted.sop"
    sys.argv = ["sopdsl", "calibrate", "--customers", str(args.folder / "customers.csv"),
                "--events", str(args.folder / "events.csv"), "--until", UNTIL,
                "-o", str(output)]
    started = time.process_time()
    try:
        cli.main()
    except SystemExit:
        pass
    total = time.process_time() - started
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"calibrate {total:.2f} s CPU; bgnbd fit {spent.get('bgnbd', 0):.2f} s, "
          f"gamma_gamma fit {spent.get('gamma_gamma', 0):.2f} s; load {load}")


if __name__ == "__main__":
    main()

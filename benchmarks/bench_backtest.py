"""Time `sopdsl backtest` on CDNOW: an empty playbook at the end of week 39 for 39 weeks.

    python benchmarks/bench_backtest.py [--replications 100] [--cache DIR]

Fetches the CDNOW log from the `lifetimes` wheel as the tests do (`tests/cdnow_kit.py`), writes
customers and events files, and runs the real command in a child process on one core.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from cdnow_kit import cdnow_log, write_cdnow  # noqa: E402

SOPDSL = Path(sys.executable).parent / "sopdsl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=ROOT / ".pytest_cache" / "d" / "cdnow")
    args = parser.parse_args()
    text = cdnow_log(args.cache)
    if text is None:
        sys.exit("cannot fetch the lifetimes wheel that holds the CDNOW log")
    folder = Path(tempfile.mkdtemp(prefix="sopdsl-cdnow-"))
    customers, events = write_cdnow(text, folder)
    (folder / "empty.sop").write_text('playbook "empty" { }\n', encoding="utf-8")
    began = time.perf_counter()
    subprocess.run([str(SOPDSL), "backtest", str(folder / "empty.sop"), "--customers",
                    str(customers), "--events", str(events), "--at", "1997-10-01", "--days",
                    "273", "--replications", str(args.replications), "--workers", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"CDNOW back-test, {args.replications} replications: "
          f"{time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()

"""Time `fmt --check` of 500 small playbooks through the formatter library.

    python benchmarks/bench_fmt.py [--repeat 3] [--files 500]

Every generated file is already canonical, so each one is parsed, printed, re-parsed and
compared by the formatter's safety net, as `sopdsl fmt --check` does in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import best_of  # noqa: E402
from generate import write_small_files  # noqa: E402

from sopdsl.formatter import format_text  # noqa: E402

TARGET_SECONDS = 5.0


def check_formatting(paths: list[Path]) -> int:
    """How many files `fmt --check` would change (0 for the generated corpus)."""
    changed = 0
    for path in paths:
        result = format_text(path.read_text(encoding="utf-8"), str(path))
        changed += result.text is None or result.changed
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sopdsl-bench-") as folder:
        paths = sorted(write_small_files(Path(folder), args.files).rglob("*.sop"))
        changed = check_formatting(paths)
        seconds = best_of(args.repeat, lambda: check_formatting(paths))
    verdict = "ok" if seconds <= TARGET_SECONDS and changed == 0 else "MISSED"
    print(f"fmt --check, {len(paths)} files  {seconds:.3f} s  {len(paths) / seconds:,.0f} files/s, "
          f"{changed} would change, target {TARGET_SECONDS} s: {verdict}")


if __name__ == "__main__":
    main()

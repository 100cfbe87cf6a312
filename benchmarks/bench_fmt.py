"""Time `fmt --check` of 500 small playbooks through the formatter library.

    python benchmarks/bench_fmt.py [--repeat 3] [--files 500]

Every generated file is already canonical, as in CI: each one is parsed and printed, and the
output equals the input. The same files indented with four spaces are timed too: there every
output differs, so the safety net re-parses and compares each one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import best_of, load_average  # noqa: E402
from generate import write_small_files  # noqa: E402

from sopdsl.fmt.formatter import format_text  # noqa: E402

TARGET_SECONDS = 5.0


def check_formatting(paths: list[Path], reindent: bool = False) -> int:
    """How many files `fmt --check` would change (0 for the generated corpus as written)."""
    changed = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if reindent:
            text = text.replace("\n  ", "\n    ")
        result = format_text(text, str(path))
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
        reindented = check_formatting(paths, reindent=True)
        messy_seconds = best_of(args.repeat, lambda: check_formatting(paths, reindent=True))
    verdict = "ok" if seconds <= TARGET_SECONDS and changed == 0 else "MISSED"
    print(f"load average {load_average()}; best of {args.repeat}")
    print(f"fmt --check, {len(paths)} files  {seconds:.3f} s  {len(paths) / seconds:,.0f} files/s, "
          f"{changed} would change, target {TARGET_SECONDS} s: {verdict}")
    print(f"fmt --check, {len(paths)} files re-indented  {messy_seconds:.3f} s  "
          f"{len(paths) / messy_seconds:,.0f} files/s, {reindented} would change")


if __name__ == "__main__":
    main()

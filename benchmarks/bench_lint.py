"""Time `sopdsl lint` of 500 small playbooks in one process, through the library.

    python benchmarks/bench_lint.py [--repeat 3] [--files 500]

Lint is check plus every rule, configuration and suppression, as `sopdsl lint DIR` runs it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import best_of  # noqa: E402
from generate import write_small_files  # noqa: E402

from sopdsl.lint import lint_paths  # noqa: E402

TARGET_SECONDS = 6.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sopdsl-bench-") as folder:
        corpus = write_small_files(Path(folder), args.files)
        findings = len(lint_paths([corpus]).diagnostics)
        seconds = best_of(args.repeat, lambda: lint_paths([corpus]))
    verdict = "ok" if seconds <= TARGET_SECONDS else "MISSED"
    print(f"lint, {args.files} files  {seconds:.3f} s  {args.files / seconds:,.0f} files/s, "
          f"{findings} findings, target {TARGET_SECONDS} s: {verdict}")


if __name__ == "__main__":
    main()

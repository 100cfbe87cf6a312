"""Check a chain of N files, each importing the next: the entry file alone, then the folder.

    python benchmarks/bench_import_chain.py [--files 2000]

The entry's unit holds every file; checking the folder makes every file a unit of its own, so
the folder holds N(N+1)/2 file visits however it is done. Prints CPU seconds and the load
average they ran under.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import load_average  # noqa: E402

from sopdsl.api import check_paths  # noqa: E402


def write_chain(folder: Path, files: int) -> Path:
    """f0.sop .. f{files-1}.sop, each importing the next and declaring one event; f0.sop."""
    (folder / "sopdsl.toml").write_text("", encoding="utf-8")
    for index in range(files):
        body = f'import "f{index + 1}.sop"\n' if index + 1 < files else ""
        (folder / f"f{index}.sop").write_text(f"{body}event e{index}\n", encoding="utf-8")
    return folder / "f0.sop"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    print(f"load average {load_average()}")
    with tempfile.TemporaryDirectory(prefix="sopdsl-bench-") as name:
        folder = Path(name)
        entry = write_chain(folder, args.files)
        for label, path in (("entry file", entry), ("folder", folder)):
            start = time.process_time()
            report = check_paths([path])
            seconds = time.process_time() - start
            print(f"check {label} ({report.files} files, {len(report.diagnostics)} findings): "
                  f"{seconds:.2f} s CPU")
    print(f"load average after {load_average()}")


if __name__ == "__main__":
    main()

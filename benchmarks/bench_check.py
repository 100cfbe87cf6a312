"""Time `sopdsl check`: a 10,000-line playbook, 500 small playbooks, and start-up.

    python benchmarks/bench_check.py [--repeat 3] [--lines 10000] [--files 500]

Prints a table of best-of-N times and the load average they ran under. The post-parse ratio
compares what checking costs beyond a bare Lark parse of the same text (a parse tree with
positions, as `lark_parser().parse` makes it) with that parse. `check` itself makes no tree: it
builds the AST during Lark's parse, then resolves and type-checks. The two are timed turn about,
so both see the same load.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import write_big_file, write_small_files  # noqa: E402

from sopdsl.api import check_paths  # noqa: E402
from sopdsl.syntax.lalr import lark_parser  # noqa: E402
from sopdsl.syntax.parser import no_cyclic_gc  # noqa: E402

HEAVY_MODULES = ("simpy", "matplotlib", "numpy", "dask")
SOPDSL = Path(sys.executable).parent / "sopdsl"
TARGETS = {"big": 1.5, "ratio": 0.5, "folder": 5.0, "help": 0.3, "small": 0.6}


def best_of(repeat: int, action: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def best_of_each(repeat: int, *actions: Callable[[], object]) -> list[float]:
    """The fastest of `repeat` runs of each action, the actions taking turns."""
    times = [float("inf")] * len(actions)
    for _ in range(repeat):
        for index, action in enumerate(actions):
            start = time.perf_counter()
            action()
            times[index] = min(times[index], time.perf_counter() - start)
    return times


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, where the system has them."""
    try:
        return ", ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def run_script(*args: str) -> None:
    subprocess.run([str(SOPDSL), *args], capture_output=True, check=False)


def heavy_modules_imported(path: Path) -> list[str]:
    """Heavy modules present after `sopdsl check path` in a fresh interpreter."""
    probe = (
        "import sys\nfrom sopdsl.cli import main\n"
        f"try:\n    main(['check', {str(path)!r}])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY:' + ','.join(sorted(m for m in sys.modules "
        f"if m.split('.')[0] in {HEAVY_MODULES!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=False).stdout
    listed = out[out.rindex("HEAVY:") + len("HEAVY:"):].strip()
    return [m for m in listed.split(",") if m]


def measure(folder: Path, repeat: int, lines: int, files: int) -> list[tuple[str, str, str]]:
    """Generate the corpus in `folder`, time everything, and return table rows."""
    big = write_big_file(folder, lines)
    small = write_small_files(folder, files)
    one_small = next(small.rglob("*.sop"))
    text = big.read_text(encoding="utf-8")
    line_count = text.count("\n")
    lark_parser()
    check_paths([big])  # warm caches: the grammar's parse table and imports

    findings = len(check_paths([big]).diagnostics) + len(check_paths([small]).diagnostics)
    def bare_parse() -> None:
        # Under the same conditions as check: the cycle collector paused while trees are made.
        with no_cyclic_gc():
            lark_parser().parse(text)

    parse, whole = best_of_each(max(repeat, 5), bare_parse, lambda: check_paths([big]))
    ratio = (whole - parse) / parse
    folder_time = best_of(repeat, lambda: check_paths([small]))
    run_script("--help")
    help_time = best_of(max(repeat, 5), lambda: run_script("--help"))
    small_time = best_of(max(repeat, 5), lambda: run_script("check", str(one_small)))
    heavy = heavy_modules_imported(one_small)

    def verdict(value: float, key: str) -> str:
        return "ok" if value <= TARGETS[key] else "MISSED"

    return [
        ("findings in the corpus (must be 0)", str(findings), "ok" if findings == 0 else "MISSED"),
        (f"bare Lark parse (tree), {line_count} lines", f"{parse:.3f} s",
         f"{line_count / parse:,.0f} lines/s"),
        (f"check, {line_count} lines", f"{whole:.3f} s",
         f"{line_count / whole:,.0f} lines/s, target 1.5 s: {verdict(whole, 'big')}"),
        ("post-parse / parse", f"{ratio:.2f}", f"target 0.5: {verdict(ratio, 'ratio')}"),
        (f"check, {files} files in one process", f"{folder_time:.3f} s",
         f"{files / folder_time:,.0f} files/s, target 5 s: {verdict(folder_time, 'folder')}"),
        ("sopdsl --help (process)", f"{help_time:.3f} s", f"target 0.3 s: {verdict(help_time, 'help')}"),
        ("sopdsl check one small file (process)", f"{small_time:.3f} s",
         f"target 0.6 s: {verdict(small_time, 'small')}"),
        ("heavy modules imported by check", ", ".join(heavy) or "none",
         "ok" if not heavy else "MISSED"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{platform.processor() or platform.system()}; best of {args.repeat}; "
          f"load average {load_average()}")
    with tempfile.TemporaryDirectory(prefix="sopdsl-bench-") as folder:
        rows = measure(Path(folder), args.repeat, args.lines, args.files)
    rows.append(("load average after", load_average(), ""))
    width = max(len(row[0]) for row in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()

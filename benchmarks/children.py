"""Benchmark children: a command run pinned to cores, its wall time, CPU time and peak memory.

Each figure is the child's own (`os.wait4`), not the sum over every child the benchmark has
run so far, so several runs in one script can be set side by side.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Child:
    """What one child did: seconds of wall and CPU time (its own and its reaped children's),
    peak resident GB of its largest process, its output, and, when sampled, the peak of the
    resident memory of its whole process tree at once."""

    seconds: float
    cpu: float
    peak_gb: float
    returncode: int
    stdout: str
    stderr: str
    tree_peak_gb: float | None = None


class _TreeMemory:
    """The largest total resident memory of a process and its descendants, sampled."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        import psutil  # comes with dask's distributed

        self.peak = 0
        self._root = psutil.Process(pid)
        self._every = every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._done.wait(self._every):
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                continue
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        """Stop sampling; the peak in GB."""
        self._done.set()
        self._thread.join()
        return self.peak / 1024 ** 3


def run_pinned(command: list[str], cores: int = 1, ok: tuple[int, ...] = (0,),
               tree: bool = False) -> Child:
    """Run `command` pinned to the first `cores` cores (on Linux); exit the benchmark with
    the child's error output when its exit code is not in `ok`. With `tree`, also sample the
    resident memory of the child and all its descendants together."""
    if sys.platform.startswith("linux"):
        command = ["taskset", "-c", ",".join(str(core) for core in range(cores)), *command]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        sampler = _TreeMemory(process.pid) if tree else None
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        tree_peak = sampler.stop() if sampler else None
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        child = Child(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024 / 1024,
                      process.returncode, out.read().decode(errors="replace"),
                      err.read().decode(errors="replace"), tree_peak)
    if child.returncode not in ok:
        sys.exit(f"{Path(command[0]).name} failed ({child.returncode}):\n{child.stderr}")
    return child


def turn_about(trees: dict[str, Path], repeat: int,
               run: Callable[[str, Path], dict]) -> dict[str, dict[str, float]]:
    """Run each tree in turn, `repeat` rounds, so all see the same load; print each run and
    return each tree's medians of `cpu` and `peak_mb`."""
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for round_ in range(repeat):
        for name, tree in trees.items():
            started = time.perf_counter()
            found = run(name, tree)
            results[name].append(found)
            print(f"  {name:6} run {round_ + 1}: {found['wall']:7.2f} s wall "
                  f"{found['cpu']:7.2f} s CPU, staff items {found['staff_items']:,.0f}, "
                  f"delivered {found['delivered']:,.0f}, peak {found['peak_mb']:,.0f} MB "
                  f"(process {time.perf_counter() - started:.1f} s)")
    return {name: {"delivered": runs[0]["delivered"],
                   **{key: statistics.median(r[key] for r in runs) for key in ("cpu", "peak_mb")}}
            for name, runs in results.items()}

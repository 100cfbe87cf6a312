"""Helpers for the file-handling tests: FIFOs, sockets and devices, and writers killed mid-write."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SOPDSL = Path(sys.executable).parent / "sopdsl"
# A hang is the bug these tests look for: anything slower than this is one.
HANG_SECONDS = 30.0
KINDS = ("fifo", "socket", "device", "folder")


@contextmanager
def special(path: Path, kind: str) -> Iterator[Path]:
    """`path` made into a FIFO, a listening Unix socket, a character device (a copy of
    /dev/null's) or a folder; skips when the system does not let this user make one."""
    listener = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs privileges")
    else:
        listener = socket.socket(socket.AF_UNIX)
        here = os.getcwd()
        os.chdir(path.parent)  # socket paths are short: bind by the bare name
        try:
            listener.bind(path.name)
        finally:
            os.chdir(here)
    try:
        yield path
    finally:
        if listener is not None:
            listener.close()


def still(path: Path, kind: str) -> bool:
    """True when the node at `path` is still of its kind (not replaced by a regular file)."""
    mode = os.lstat(path).st_mode
    return {"fifo": stat.S_ISFIFO, "socket": stat.S_ISSOCK, "device": stat.S_ISCHR,
            "folder": stat.S_ISDIR}[kind](mode)


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """The call's result; fails the test when it has not returned after `seconds`."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # raised again in the test's own thread
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: it blocks"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@contextmanager
def writer_in_progress(code: str, *args: str) -> Iterator[subprocess.Popen]:
    """A Python process running `code` (argv[1:] = args) that prints `writing` and then
    blocks; yields once it has printed, and kills it on the way out."""
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "writing\n", "the writer did not start"
        yield process
    finally:
        process.kill()
        process.wait()


def kill(process: subprocess.Popen) -> None:
    """Kill a writer as SIGKILL would, with no chance to clean up, and reap it."""
    process.kill()
    process.wait()


def leftovers(folder: Path) -> list[str]:
    """Names in `folder` that look like sopdsl's temporary files or folders."""
    return sorted(n for n in os.listdir(folder) if n.endswith((".tmp", ".old")))

"""Atomic writes for every command that writes: readers see the old file (or folder) or the new.

Files. The new content goes to a temporary file `.NAME.<pid>-<random>.tmp` in the target's own
folder (so the final rename never crosses file systems), is flushed and fsynced, takes the old
file's permission bits, and is moved into place with `os.replace`. On any failure the temporary
file is removed and the old file is left exactly as it was. A symbolic link is followed: the
file it points to is replaced and the link stays a link.

Only regular files are written. A target that exists as anything else (a FIFO, a device, a
socket, a folder) is refused with `RefusedOutput` before anything is written, and checked
again just before the rename: renaming over `/dev/null` would replace the device itself.
`-` means standard output (`open_output`).

A write killed without a chance to clean up (SIGKILL, a power cut) leaves its temporary file.
The next write to the same target removes such leftovers: ours by name, owned by this user,
and stale, that is their process (the pid in the name) no longer runs on this machine, or they
are older than a day. A live writer's temporary file is never touched.

Folders. `atomic_folder` writes a set of files (a forecast's report, series and charts) into a
new temporary folder beside the target, then swaps it in: the old folder is renamed away, the
new one renamed into its place, and the old one removed. Readers and later runs see the whole
old set or the whole new set, never a mix; a run killed in the instant between the two renames
leaves no folder at the target and both sets beside it, which the next run removes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from sopdsl.errors import SopdslError
from sopdsl.reading import kind_of

__all__ = ("STDOUT", "RefusedOutput", "atomic_folder", "atomic_output", "check_folder",
           "open_output", "write_bytes", "write_output", "write_text")

STDOUT = "-"
STALE_SECONDS = 24 * 3600
# Our temporary names: `.NAME.` + pid + `-` + mkstemp's 8 random characters + suffix.
_LEFTOVER = re.compile(r"(\d+)-[a-z0-9_]{8}\.(?:tmp|old)")


class RefusedOutput(SopdslError, OSError):
    """A target sopdsl will not write: not a regular file, or a folder it must not replace."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EINVAL, reason)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write into; on a clean exit it replaces `path` in one step."""
    target = os.path.realpath(path)
    _check_file(target)
    folder, name = os.path.split(target)
    mode = _mode_for(target, 0o666)
    remove_leftovers(folder, name)
    handle, temp = tempfile.mkstemp(prefix=_temp_prefix(name), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        _check_file(target)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Standard output for `-`, else an atomic write to `path` (see `atomic_output`)."""
    if os.fspath(path) != STDOUT:
        with atomic_output(path) as out:
            yield out
        return
    sys.stdout.flush()
    try:
        yield sys.stdout.buffer
    finally:
        sys.stdout.buffer.flush()


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to standard output for `-`, else atomically to `path`."""
    with open_output(path) as out:
        out.write(data)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at `path` with `data` atomically."""
    with atomic_output(path) as out:
        out.write(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at `path` with `text` as UTF-8, newlines written as they are."""
    write_bytes(path, text.encode("utf-8"))


def check_folder(path: str | os.PathLike[str], ours: Callable[[str], bool]) -> None:
    """RefusedOutput unless `path` is new, or a folder holding only names `ours` accepts."""
    if os.fspath(path) == STDOUT:
        raise RefusedOutput("standard output cannot hold a folder of files; name a folder")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        raise RefusedOutput(f"this is {kind_of(mode) or 'a file'}, not a folder")
    foreign = sorted(name for name in os.listdir(path) if not ours(name))
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise RefusedOutput(f"the folder holds files sopdsl did not write here ({shown}); "
                            "the whole folder is replaced, so name a new or empty folder")


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str], ours: Callable[[str], bool]) -> Iterator[Path]:
    """An empty folder to write a set of files into; on a clean exit it replaces `path`.

    `ours` says which names an existing folder may hold: anything else makes it RefusedOutput,
    since the swap replaces the whole folder.
    """
    check_folder(path, ours)
    target = os.path.realpath(path)
    parent, name = os.path.split(target)
    mode = _mode_for(target, 0o777)
    os.makedirs(parent, exist_ok=True)
    remove_leftovers(parent, name)
    temp = tempfile.mkdtemp(prefix=_temp_prefix(name), suffix=".tmp", dir=parent)
    old = os.path.join(parent, f"{_temp_prefix(name)}{secrets.token_hex(4)}.old")
    moved = False
    try:
        yield Path(temp)
        os.chmod(temp, mode)
        check_folder(target, ours)
        if os.path.lexists(target):
            os.rename(target, old)
            moved = True
        os.rename(temp, target)
    except BaseException:
        if moved:
            with contextlib.suppress(OSError):
                os.rename(old, target)
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if moved:
        shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(folder: str, name: str) -> None:
    """Remove stale temporary files and folders an earlier, killed write to `name` left."""
    prefix = _prefix(name)
    try:
        entries = [entry for entry in os.listdir(folder) if entry.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        found = _LEFTOVER.fullmatch(entry, len(prefix))
        if found is None:
            continue
        path = os.path.join(folder, entry)
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if info.st_uid != os.geteuid() or not _stale(int(found[1]), info.st_mtime):
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(path)
            elif stat.S_ISREG(info.st_mode):
                os.unlink(path)


def _stale(pid: int, modified: float) -> bool:
    """True when the writer that made the file is gone (or the file is over a day old)."""
    if time.time() - modified > STALE_SECONDS:
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, but another user's (or not ours to ask about)
        return False
    return False


def _prefix(name: str) -> str:
    """The start every temporary name for `name` has, whichever process made it."""
    return f".{name}."


def _temp_prefix(name: str) -> str:
    """The start of this process's temporary names for `name`."""
    return f"{_prefix(name)}{os.getpid()}-"


def _check_file(target: str) -> None:
    """RefusedOutput when `target` exists and is not a regular file."""
    try:
        kind = kind_of(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    if kind is not None:
        raise RefusedOutput(f"this is {kind}, not a regular file; sopdsl writes only regular "
                            "files (`-o -` writes to standard output)")


def _mode_for(target: str, base: int) -> int:
    """The old file's permission bits, or what a new one would get under the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return base & ~umask

"""Atomic file writes for every command that writes files: readers see the old file or the new.

The new content goes to a temporary file in the target's own folder (so the final rename never
crosses file systems), is flushed and fsynced, takes the old file's permission bits, and is
moved into place with `os.replace`. On any failure the temporary file is removed and the old
file is left exactly as it was. A symbolic link is followed: the file it points to is replaced
and the link stays a link.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ("atomic_output", "write_bytes", "write_text")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write into; on a clean exit it replaces `path` in one step."""
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    mode = _mode_for(target)
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at `path` with `data` atomically."""
    with atomic_output(path) as out:
        out.write(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at `path` with `text` as UTF-8, newlines written as they are."""
    write_bytes(path, text.encode("utf-8"))


def _mode_for(target: str) -> int:
    """The old file's permission bits, or what a new file would get under the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

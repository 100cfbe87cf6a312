"""Open and read input files: regular files only, never blocking, never more than a bound.

A FIFO, a device, a socket or a folder given where a file is expected is refused at once:
the path is checked with `os.stat`, then opened with O_NONBLOCK (so opening a FIFO without a
writer cannot hang) and checked again with `fstat` on the open descriptor, so a path swapped
between the two checks is refused too. Reads stop one chunk past their limit, so an endless
stream or a file that grows while it is read never fills memory.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from sopdsl.errors import SopdslError

__all__ = ("CHUNK", "LineTooLong", "NotRegularFile", "TooLarge", "bounded_lines", "kind_of",
           "not_regular", "open_regular", "read_limited", "read_regular")

CHUNK = 64 * 1024
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(SopdslError, OSError):
    """The path exists but is not a regular file; `kind` says what it is ("a FIFO ...")."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"this is {kind}, not a regular file")
        self.kind = kind
        self.strerror = str(self)


class TooLarge(SopdslError):
    """More bytes than the limit; `size` is the file's size when known before reading."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


class LineTooLong(SopdslError):
    """A line longer than the limit (an endless line, or not a text file at all)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def kind_of(mode: int) -> str | None:
    """What a file of this `st_mode` is ("a FIFO (named pipe)"...), None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """What the path is when it exists and is not a regular file (symbolic links followed)."""
    try:
        return kind_of(os.stat(path).st_mode)
    except (OSError, ValueError):
        return None


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """The file opened for binary reading; NotRegularFile when it is anything but a regular file.

    Other failures (missing, permission denied) raise the usual OSError.
    """
    kind = kind_of(os.stat(path).st_mode)
    if kind is not None:
        raise NotRegularFile(kind)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = kind_of(os.fstat(descriptor).st_mode)
        if kind is not None:
            raise NotRegularFile(kind)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of the stream, read in chunks; TooLarge when there are more."""
    parts, total = [], 0
    while total <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        total += len(chunk)
    raise TooLarge(None)


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (TooLarge, NotRegularFile, OSError)."""
    with open_regular(path) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > limit:
            raise TooLarge(size)
        return read_limited(stream, limit)


def bounded_lines(handle: TextIO | io.TextIOBase, limit: int) -> Iterator[str]:
    """The lines of a text stream as iteration gives them; LineTooLong past `limit` characters."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise LineTooLong(number)
        yield line

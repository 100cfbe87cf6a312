"""Reading input files: only regular files, never blocking, never more than a bound."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from special_files import HANG_SECONDS, KINDS, special, within

from sopdsl.reading import (
    LineTooLong, NotRegularFile, TooLarge, bounded_lines, kind_of, not_regular, open_regular,
    read_limited, read_regular,
)

KIND_NAMES = {"fifo": "a FIFO (named pipe)", "socket": "a socket",
              "device": "a character device", "folder": "a folder"}


@pytest.mark.parametrize("kind", KINDS)
def test_special_files_are_refused_at_once(tmp_path, kind):
    """A FIFO with no writer (which would block an ordinary open forever), a socket, a device
    and a folder are NotRegularFile naming what they are."""
    with special(tmp_path / "input", kind) as path:
        with pytest.raises(NotRegularFile) as refused:
            within(HANG_SECONDS, lambda: read_regular(path, 100))
        assert refused.value.kind == KIND_NAMES[kind]
        assert str(refused.value) == f"this is {KIND_NAMES[kind]}, not a regular file"
        assert not_regular(path) == KIND_NAMES[kind]


def test_dev_zero_is_refused_without_reading():
    """/dev/zero never ends: it is refused by its kind, not read until memory runs out."""
    with pytest.raises(NotRegularFile, match="a character device"):
        within(HANG_SECONDS, lambda: read_regular("/dev/zero", 10 * 1024 * 1024))


def test_a_link_is_judged_by_what_it_points_to(tmp_path):
    """A symbolic link to a FIFO is refused; one to a regular file is read."""
    with special(tmp_path / "pipe", "fifo") as fifo:
        (tmp_path / "to_pipe").symlink_to(fifo)
        with pytest.raises(NotRegularFile):
            within(HANG_SECONDS, lambda: open_regular(tmp_path / "to_pipe"))
    (tmp_path / "file").write_bytes(b"data")
    (tmp_path / "to_file").symlink_to(tmp_path / "file")
    assert read_regular(tmp_path / "to_file", 4) == b"data"
    assert not_regular(tmp_path / "to_file") is None and not_regular(tmp_path / "none") is None


def test_regular_files_are_read_whole_up_to_the_limit(tmp_path):
    """Exactly the limit is read; one byte more is TooLarge with the file's size."""
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_regular(path, 100) == b"x" * 100
    with pytest.raises(TooLarge) as large:
        read_regular(path, 99)
    assert large.value.size == 100


class Endless(io.RawIOBase):
    """A stream that never ends, counting what it hands out."""

    given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.given += len(buffer)
        return len(buffer)


def test_an_endless_stream_stops_one_byte_past_the_limit():
    """A stream with no end is TooLarge after limit + 1 bytes, read in bounded chunks."""
    endless = Endless()
    with pytest.raises(TooLarge) as large:
        read_limited(endless, 200_000)
    assert large.value.size is None and endless.given == 200_001


@given(st.binary(max_size=300), st.integers(0, 300))
def test_read_limited_is_the_stream_or_too_large(data, limit):
    """Whatever the sizes: the whole stream when it fits, else TooLarge."""
    if len(data) <= limit:
        assert read_limited(io.BytesIO(data), limit) == data
    else:
        with pytest.raises(TooLarge):
            read_limited(io.BytesIO(data), limit)


def test_missing_files_are_the_usual_error(tmp_path):
    """What is not there is FileNotFoundError, as for open()."""
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "none")


def test_the_descriptor_is_blocking_after_the_check(tmp_path):
    """O_NONBLOCK only guards the open: the file reads as usual afterwards."""
    path = tmp_path / "f"
    path.write_bytes(b"data")
    with open_regular(path) as stream:
        assert os.get_blocking(stream.fileno()) and stream.read() == b"data"


def test_bounded_lines_stop_at_an_overlong_line():
    """Lines come as iteration gives them (\\r, \\n and \\r\\n ends kept) until one is too long."""
    handle = io.StringIO("a\rbb\r\nccc\n" + "d" * 11 + "\n", newline="")
    lines = bounded_lines(handle, 10)
    assert [next(lines) for _ in range(3)] == ["a\r", "bb\r\n", "ccc\n"]
    with pytest.raises(LineTooLong) as long:
        next(lines)
    assert long.value.line == 4


def test_kind_of_regular_file_is_none(tmp_path: Path):
    (tmp_path / "f").write_text("x")
    assert kind_of(os.stat(tmp_path / "f").st_mode) is None

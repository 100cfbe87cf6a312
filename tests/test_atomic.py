"""Tests for atomic writes: all or nothing, permissions kept, no temporary files left."""

from __future__ import annotations

import os
import stat

import pytest

from sopdsl import atomic
from sopdsl.atomic import atomic_output, write_bytes, write_text


def test_write_text_creates_a_utf8_file(tmp_path):
    """A new file holds exactly the text, encoded as UTF-8, newlines untranslated."""
    path = tmp_path / "new.sop"
    write_text(path, "tag \"新客\"\r\n")
    assert path.read_bytes() == "tag \"新客\"\r\n".encode()
    assert os.listdir(tmp_path) == ["new.sop"]


def test_existing_file_is_replaced_and_keeps_its_permissions(tmp_path):
    """Replacing a file keeps its permission bits, here an unusual 0o640."""
    path = tmp_path / "old.sop"
    path.write_text("old")
    path.chmod(0o640)
    write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_new_file_gets_the_umask_permissions(tmp_path):
    """A new file is not left with the temporary file's private 0o600 mode."""
    old = os.umask(0o022)
    try:
        write_bytes(tmp_path / "a.png", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.png").stat().st_mode) == 0o644


def test_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    """An error inside the block removes the temporary file and keeps the old content."""
    path = tmp_path / "keep.sop"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_output(path) as out:
        out.write(b"half")
        raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["keep.sop"]


def test_failed_rename_removes_the_temporary(tmp_path, monkeypatch):
    """When the final os.replace fails, nothing is left behind."""
    path = tmp_path / "keep.sop"
    path.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("read-only")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="read-only"):
        write_bytes(path, b"new")
    assert os.listdir(tmp_path) == ["keep.sop"]


def test_data_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    """The temporary file is fsynced, then renamed: a crash cannot leave an empty file."""
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(
        atomic.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))
    )
    write_bytes(tmp_path / "x.sop", b"data")
    assert calls == ["fsync", "replace"]


def test_temporary_file_lives_in_the_target_folder(tmp_path, monkeypatch):
    """The temporary file is a sibling of the target, so the rename stays on one file system."""
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (seen.append(a), real_replace(a, b)))
    (tmp_path / "sub").mkdir()
    write_bytes(tmp_path / "sub" / "x.sop", b"data")
    assert os.path.dirname(seen[0]) == str((tmp_path / "sub").resolve())


def test_symlink_is_followed_and_stays_a_link(tmp_path):
    """Writing through a link replaces the file it points to, not the link."""
    real = tmp_path / "real.sop"
    real.write_text("old")
    link = tmp_path / "link.sop"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"

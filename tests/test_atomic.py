"""Tests for atomic writes: all or nothing, permissions kept, no temporary files left."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from special_files import special, still

from sopdsl import atomic
from sopdsl.atomic import (
    RefusedOutput, atomic_folder, atomic_output, check_folder, open_output, write_bytes,
    write_text,
)


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



def dead_pid() -> int:
    """The id of a process that has run and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("kind", ["fifo", "socket", "folder"])
def test_special_targets_are_refused_and_kept(tmp_path, kind):
    """A FIFO, socket or folder is RefusedOutput (an OSError) and stays what it was."""
    with special(tmp_path / "out", kind) as target:
        with pytest.raises(RefusedOutput, match=r"not a regular file"):
            write_text(target, "x")
        assert still(target, kind)
    assert os.listdir(tmp_path) == ["out"]


def test_a_target_swapped_for_a_fifo_while_writing_is_refused(tmp_path):
    """The target is checked again just before the rename."""
    target = tmp_path / "out"
    with pytest.raises(RefusedOutput), atomic_output(target) as out:
        out.write(b"new")
        os.mkfifo(target)
    assert still(target, "fifo") and os.listdir(tmp_path) == ["out"]


def test_open_output_dash_is_standard_output(tmp_path, monkeypatch, capfdbinary):
    """`-` writes to the process's standard output, and no file named `-` appears."""
    monkeypatch.chdir(tmp_path)
    with open_output("-") as out:
        out.write(b"to stdout")
    assert capfdbinary.readouterr().out == b"to stdout"
    assert not os.path.exists("-")


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path):
    """Our naming with a dead pid goes; a live pid's, another target's and a user's own
    similar names stay."""
    target = tmp_path / "plan.json"
    gone = f".plan.json.{dead_pid()}-abcd1234.tmp"
    live = f".plan.json.{os.getppid()}-abcd1234.tmp"
    keep = [live, f".other.json.{dead_pid()}-abcd1234.tmp", ".plan.json.backup01.tmp",
            f".plan.json.{dead_pid()}-abcd1234.tmp.bak"]
    for name in [gone, *keep]:
        (tmp_path / name).write_text("x")
    write_text(target, "new")
    assert sorted(os.listdir(tmp_path)) == sorted([*keep, "plan.json"])


def test_temporaries_over_a_day_old_are_removed_whatever_their_pid(tmp_path):
    """A pid can be reused; a temporary older than STALE_SECONDS is stale anyway."""
    old = tmp_path / f".plan.json.{os.getppid()}-abcd1234.tmp"
    old.write_text("x")
    past = time.time() - atomic.STALE_SECONDS - 60
    os.utime(old, (past, past))
    write_text(tmp_path / "plan.json", "new")
    assert os.listdir(tmp_path) == ["plan.json"]


def test_temporary_names_carry_the_writers_pid(tmp_path, monkeypatch):
    """`.NAME.<pid>-<random>.tmp`: what the cleanup recognises as ours."""
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (seen.append(a), real_replace(a, b)))
    write_text(tmp_path / "x.sop", "x")
    assert re.fullmatch(rf"\.x\.sop\.{os.getpid()}-[a-z0-9_]{{8}}\.tmp", Path(seen[0]).name)


def test_atomic_folder_swaps_the_whole_set(tmp_path):
    """The new set replaces the old one whole: an old file the new set lacks is gone."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.png").write_text("old")
    (folder / "b.png").write_text("old")
    with atomic_folder(folder, lambda name: name.endswith(".png")) as fresh:
        (fresh / "a.png").write_text("new")
        assert (folder / "a.png").read_text() == "old"
    assert {p.name: p.read_text() for p in folder.iterdir()} == {"a.png": "new"}
    assert os.listdir(tmp_path) == ["out"]


def test_atomic_folder_failure_keeps_the_old_set(tmp_path):
    """An error while writing leaves the old folder as it was and no temporary folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.png").write_text("old")
    with pytest.raises(RuntimeError), atomic_folder(folder, lambda name: True) as fresh:
        (fresh / "a.png").write_text("new")
        raise RuntimeError("boom")
    assert (folder / "a.png").read_text() == "old" and os.listdir(tmp_path) == ["out"]


def test_atomic_folder_puts_the_old_set_back_when_the_swap_fails(tmp_path, monkeypatch):
    """When renaming the new folder in fails, the old one is renamed back."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.png").write_text("old")
    real_rename = os.rename

    def rename(source, destination):
        if str(source).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        real_rename(source, destination)

    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(OSError, match="No space"), atomic_folder(folder, lambda n: True) as fresh:
        (fresh / "a.png").write_text("new")
    assert (folder / "a.png").read_text() == "old" and os.listdir(tmp_path) == ["out"]


def test_atomic_folder_new_folder_and_parents(tmp_path):
    """A new folder is made, with missing parents, and gets the umask's permissions."""
    old = os.umask(0o022)
    try:
        with atomic_folder(tmp_path / "a" / "b", lambda n: False) as fresh:
            (fresh / "x").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "b" / "x").read_text() == "x"
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o755


def test_check_folder_refusals(tmp_path):
    """Foreign files, a file, standard output: refused, with what to do instead."""
    (tmp_path / "mine.txt").write_text("x")
    with pytest.raises(RefusedOutput, match=r"did not write here \(mine\.txt\)"):
        check_folder(tmp_path, lambda name: name.endswith(".png"))
    with pytest.raises(RefusedOutput, match="this is a file, not a folder"):
        check_folder(tmp_path / "mine.txt", lambda name: True)
    with pytest.raises(RefusedOutput, match="standard output"):
        check_folder("-", lambda name: True)
    check_folder(tmp_path / "new", lambda name: False)

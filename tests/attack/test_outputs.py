"""Attacks on what sopdsl writes: `-o` onto special files, `-o -`, killed writes, `--out` swaps.

Before these fixes the temporary file's rename replaced whatever node `-o` named: a FIFO, a
socket, a device (as root, `-o /dev/null` replaced the system's /dev/null) became a regular
file. These tests use nodes of their own in a temporary folder, never the system's.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from forecast_kit import fake_runner
from programs import ONBOARDING, SAMPLE_DATA
from special_files import SOPDSL, kill, leftovers, special, still, writer_in_progress

from simulator import montecarlo
from sopdsl.cli import main

SAMPLE = ("--customers", str(SAMPLE_DATA / "customers.csv"), "--events", str(SAMPLE_DATA / "events.csv"),
          "--staff", str(SAMPLE_DATA / "staff.csv"), "--start", "2026-12-02", "--days", "7")
PLAYBOOK = str(ONBOARDING)
WRITERS = {
    "export": ("export", PLAYBOOK),
    "graph dot": ("graph", PLAYBOOK, "--format", "dot"),
    "graph png": ("graph", PLAYBOOK, "--format", "png"),
    "plan json": ("plan", PLAYBOOK, *SAMPLE),
    "plan csv": ("plan", PLAYBOOK, *SAMPLE, "--format", "csv"),
}
QUICK = ("--customers", "50", "--replications", "2")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KILLED_WRITE = """
import sys, time
from sopdsl.atomic import atomic_output
with atomic_output(sys.argv[1]) as out:
    out.write(b"half of the new text")
    out.flush()
    print("writing", flush=True)
    time.sleep(600)
"""
KILLED_FOLDER = """
import sys, time
from pathlib import Path
from sopdsl.atomic import atomic_folder
with atomic_folder(sys.argv[1], lambda name: True) as fresh:
    (fresh / "report.json").write_text("new")
    print("writing", flush=True)
    time.sleep(600)
"""


def run(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def stand_in_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "default_runner", lambda: fake_runner)


@pytest.mark.parametrize("command", list(WRITERS))
def test_o_onto_a_fifo_is_refused_and_the_fifo_stays(tmp_path, command):
    """Every `-o` command refuses a FIFO with exit 2 and leaves it a FIFO."""
    with special(tmp_path / "out", "fifo") as target:
        result = run(*WRITERS[command], "-o", target)
        assert result.exit_code == 2
        assert f"cannot write {target}: this is a FIFO (named pipe), not a regular file" in (
            result.stderr)
        assert still(target, "fifo")
    assert os.listdir(tmp_path) == ["out"]


@pytest.mark.parametrize("kind", ["socket", "device", "folder"])
@pytest.mark.parametrize("command", ["export", "plan json"])
def test_o_onto_any_other_node_is_refused(tmp_path, monkeypatch, command, kind):
    """A socket, a device (a copy of /dev/null's) or a folder is refused and left as it was."""
    monkeypatch.chdir(tmp_path)
    with special(tmp_path / "out", kind) as target:
        result = run(*WRITERS[command], "-o", "out")
        assert result.exit_code == 2, result.output
        assert "not a regular file" in result.stderr or "is a directory" in result.stderr
        assert still(target, kind)


def test_o_through_a_link_to_a_device_is_refused(tmp_path):
    """A symbolic link is followed, so a link to a device is refused like the device."""
    with special(tmp_path / "null", "device") as device:
        (tmp_path / "link").symlink_to(device)
        result = run("export", PLAYBOOK, "-o", tmp_path / "link")
        assert result.exit_code == 2 and "a character device" in result.stderr
        assert still(device, "device") and (tmp_path / "link").is_symlink()


@pytest.mark.parametrize("command", list(WRITERS))
def test_o_dash_is_standard_output_even_a_pipe(tmp_path, monkeypatch, command):
    """`-o -` writes to standard output, here a pipe, what a file would get."""
    monkeypatch.chdir(tmp_path)  # paths in the output are shown relative to the working folder
    through_pipe = subprocess.run([SOPDSL, *WRITERS[command], "-o", "-"], capture_output=True,
                                  cwd=tmp_path, timeout=300)
    assert through_pipe.returncode == 0, through_pipe.stderr
    assert b"wrote" not in through_pipe.stderr
    if command == "graph png":
        assert through_pipe.stdout.startswith(PNG_MAGIC)
    else:
        assert through_pipe.stdout == run(*WRITERS[command]).stdout_bytes
    assert os.listdir(tmp_path) == []


def test_o_dash_for_calendars_prints_them():
    """`--format ics -o -` prints the calendars one after another, as without -o."""
    result = run("plan", PLAYBOOK, *SAMPLE, "--format", "ics", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes == run("plan", PLAYBOOK, *SAMPLE, "--format", "ics").stdout_bytes
    assert result.stdout.startswith("BEGIN:VCALENDAR")


def test_a_killed_write_leaves_the_old_file_and_the_next_write_clears_its_temporary(tmp_path):
    """SIGKILL mid-write keeps the old file; the next `-o` to it removes the dead temporary."""
    target = tmp_path / "export.json"
    target.write_text("old", encoding="utf-8")
    with writer_in_progress(KILLED_WRITE, str(target)) as writer:
        kill(writer)
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) != []
    result = run("export", PLAYBOOK, "-o", target)
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))
    assert leftovers(tmp_path) == []


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    """A concurrent writer's temporary file survives another write to the same target."""
    target = tmp_path / "export.json"
    with writer_in_progress(KILLED_WRITE, str(target)):
        live = leftovers(tmp_path)
        assert run("export", PLAYBOOK, "-o", target).exit_code == 0
        assert leftovers(tmp_path) == live != []


def write_old_set(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    old = {name: f"old {name}".encode() for name in (
        "report.json", "daily.csv", "funnel.png", "daily.png", "backlog.png", "arms.png")}
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return old


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.usefixtures("stand_in_engine")
def test_out_is_swapped_whole_so_old_and_new_never_mix(tmp_path):
    """A killed `--out` write leaves exactly the old set; the next run leaves exactly a new set
    and no leftovers."""
    out = tmp_path / "out"
    old = write_old_set(out)
    with writer_in_progress(KILLED_FOLDER, str(out)) as writer:
        kill(writer)
    assert files_of(out) == old
    assert leftovers(tmp_path) != []
    result = run("simulate", PLAYBOOK, *QUICK, "--out", out)
    assert result.exit_code == 0, result.output
    new = files_of(out)
    assert all(data != old.get(name) for name, data in new.items())
    assert json.loads(new["report.json"])["funnel"]
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("stand_in_engine")
def test_out_holding_other_files_is_refused_before_forecasting(tmp_path):
    """The swap replaces the folder, so a folder with files sopdsl did not write is refused
    (exit 2) before the forecast runs, and kept as it was."""
    out = tmp_path / "project"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("simulate", PLAYBOOK, *QUICK, "--out", out)
    assert result.exit_code == 2
    assert "files sopdsl did not write here (notes.txt)" in result.stderr
    assert result.stdout == "" and files_of(out) == {"notes.txt": b"mine"}


@pytest.mark.usefixtures("stand_in_engine")
@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_out_onto_a_special_file_is_refused(tmp_path, monkeypatch, kind):
    """`--out` onto a FIFO or a socket is exit 2, the node kept."""
    monkeypatch.chdir(tmp_path)
    with special(tmp_path / "out", kind) as target:
        result = run("simulate", PLAYBOOK, *QUICK, "--out", "out")
        assert result.exit_code == 2 and "not a folder" in result.stderr
        assert still(target, kind)


def test_ics_folder_is_swapped_whole(tmp_path):
    """`--format ics -o DIR` replaces an earlier plan's calendars, so an assignee who has no
    tasks any more keeps no stale calendar."""
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "someone_gone.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    result = run("plan", PLAYBOOK, *SAMPLE, "--format", "ics", "-o", folder)
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(folder))
    assert "someone_gone.ics" not in names and names and all(n.endswith(".ics") for n in names)
    assert leftovers(tmp_path) == []

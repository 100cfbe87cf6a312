"""Attacks on what sopdsl reads: FIFOs, devices, sockets and folders where a file belongs.

Before these fixes `sopdsl check FIFO` blocked forever and `sopdsl check /dev/zero` grew
to gigabytes of memory. Every input is now refused at once when it is not a regular file,
with a diagnostic naming the path (exit 2). The commands run as installed, in a process of
their own with a time limit, since a hang is the bug.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from special_files import HANG_SECONDS, SOPDSL, special, within

from sopdsl.push.plan_reader import open_plan

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "playbooks" / "data"
CLEAN = 'role guide "导购"\n'


def sopdsl(*args: object, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The installed command's result; fails the test if it runs past the hang limit."""
    return subprocess.run([SOPDSL, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          input=None if stdin is None else stdin.decode(),
                          timeout=HANG_SECONDS * 4)


@pytest.mark.parametrize("command", ["check", "lint", "fmt"])
@pytest.mark.parametrize("kind", ["fifo", "socket", "device"])
def test_special_playbook_paths_are_e106_at_once(tmp_path, command, kind):
    """check, lint and fmt refuse a FIFO, socket or device named as a playbook: E106, exit 2."""
    with special(tmp_path / "p.sop", kind):
        result = sopdsl(command, "p.sop", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "p.sop:1:1: E106 error: this is a" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_dev_zero_is_refused_without_reading_it(tmp_path):
    """/dev/zero is a device: E106 at once, not a read that never ends."""
    result = sopdsl("check", "/dev/zero", cwd=tmp_path)
    assert result.returncode == 2
    assert "/dev/zero:1:1: E106 error: this is a character device, not a regular file" in (
        result.stdout)


def test_fmt_standard_input_is_read_up_to_the_limit(tmp_path):
    """`fmt -` reads at most the playbook size limit from standard input: E103 beyond it."""
    result = sopdsl("fmt", "-", cwd=tmp_path, stdin=b"# padding\n" * (1024 * 1024 + 1))
    assert result.returncode == 2
    assert "<stdin>:1:1: E103 error: file is over 10 MB" in result.stderr


@pytest.mark.parametrize("name", ["sopdsl.toml", "pyproject.toml"])
def test_a_configuration_fifo_is_an_error_not_a_hang(tmp_path, name):
    """lint reads sopdsl.toml and pyproject.toml: a FIFO by either name is exit 2 at once."""
    (tmp_path / "p.sop").write_text(CLEAN, encoding="utf-8")
    with special(tmp_path / name, "fifo"):
        result = sopdsl("lint", "p.sop", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{name}: cannot read the configuration: this is a FIFO (named pipe)" in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_plan_file_that_is_not_a_regular_file_is_e620(tmp_path, kind):
    """push reads plan files: a FIFO or device is E620 at once (the first read would block)."""
    with special(tmp_path / "plan.json", kind) as path:
        found = within(HANG_SECONDS, lambda: open_plan(path))
    assert found.code == "E620" and "not a plan file" in found.message

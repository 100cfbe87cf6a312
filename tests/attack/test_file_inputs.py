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
from programs import ONBOARDING, SAMPLE_DATA
from special_files import HANG_SECONDS, SOPDSL, special, within

from sopdsl.push.plan_reader import open_plan

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


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_report_file_that_is_not_a_regular_file_is_e630(tmp_path, kind):
    """graph --report reads a forecast report: a FIFO or device is E630 at once, exit 2."""
    with special(tmp_path / "report.json", kind):
        result = sopdsl("graph", ONBOARDING, "--report", "report.json", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "E630 error: cannot read the report: this is a" in result.stderr


PLAN = ("plan", ONBOARDING, "--events", SAMPLE_DATA / "events.csv",
        "--staff", SAMPLE_DATA / "staff.csv", "--start", "2026-12-02", "--days", "7")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_special_customers_file_is_e601_at_once(tmp_path, kind):
    """plan refuses a FIFO (which blocked forever) or a device as --customers: E601, exit 2."""
    with special(tmp_path / "customers.csv", kind):
        result = sopdsl(*PLAN, "--customers", "customers.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert "customers.csv:1:1: E601 error: cannot read the file: this is a" in result.stderr


def test_plan_refuses_dev_zero_as_data_without_reading_it(tmp_path):
    """/dev/zero as --staff used to grow memory without end; now it is E601 at once."""
    result = sopdsl(*PLAN[:-6], "--customers", SAMPLE_DATA / "customers.csv", "--staff", "/dev/zero",
                    "--start", "2026-12-02", "--days", "7", cwd=tmp_path)
    assert result.returncode == 2
    assert "/dev/zero:1:1: E601 error: cannot read the file: this is a character device" in (
        result.stderr)


def test_an_unclosed_quote_never_pastes_later_rows_into_a_message(tmp_path):
    """An unclosed quote in the first customer's name used to swallow every later customer
    (exit 0) and paste their rows, phone numbers included, into the welcome message. Now it
    is E606 at its line and column, exit 1, and no plan is written."""
    lines = (SAMPLE_DATA / "customers.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",王芳,", ',"王芳,')
    lines[3] = lines[3].replace(",苏州,", ",13800000000,")
    (tmp_path / "customers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = sopdsl(*PLAN, "--customers", "customers.csv", "-o", "plan.json", cwd=tmp_path)
    assert result.returncode == 1
    assert "customers.csv:2:17: E606 error: this quote is never closed" in result.stderr
    assert "13800000000" not in result.stdout + result.stderr
    assert not (tmp_path / "plan.json").exists()


def test_a_cr_only_playbook_is_checked_line_by_line(tmp_path):
    """A playbook with old Mac `\\r` line ends and a leading comment used to be one comment
    line to the parser ("No problems"); its error is now found at its own line and column."""
    text = "\r".join(["# welcome", 'content hello: text "您好"', "journey j {",
                      "  when friend_added", "  send hello private_chat", "}", ""])
    (tmp_path / "mac.sop").write_bytes(text.encode("utf-8"))
    result = sopdsl("check", "mac.sop", cwd=tmp_path)
    assert result.returncode == 1
    assert "mac.sop:5:14: E111 error" in result.stdout
    assert "    5 |   send hello private_chat\n" in result.stdout

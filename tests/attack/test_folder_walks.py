"""Attacks through symbolic links and imports: reading or rewriting files outside the project.

Before these fixes `sopdsl fmt .` rewrote the target of a link leading out of the folder, and
`sopdsl check .` printed the first line of a linked /etc/passwd in a diagnostic. The rule now:
in a folder walk, a link is followed only when it resolves to a .sop file inside the walked
folder, and linked subfolders are not entered; a file named on the command line is taken as
given; imports must stay inside the project root and name .sop files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from special_files import special

from sopdsl.cli import main

SECRET = "root:x:0:0:SECRET-FIRST-LINE:/root:/bin/bash\n"
MESSY = 'journey j {   when reply\ntag "新客" ; score +1 }\n'
CLEAN = 'role guide "导购"\n'


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """project/ (the working folder, with sopdsl.toml) and outside/ next to it."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "sopdsl.toml").write_text("", encoding="utf-8")
    (project / "ok.sop").write_text(CLEAN, encoding="utf-8")
    (outside / "passwd").write_text(SECRET, encoding="utf-8")
    (outside / "messy.sop").write_text(MESSY, encoding="utf-8")
    monkeypatch.chdir(project)
    return {"project": project, "outside": outside}


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("command", ["check", "lint"])
def test_a_link_out_of_the_folder_is_not_read(layout, command):
    """A `.sop` link to a file outside the walked folder is skipped: nothing of it is shown."""
    (layout["project"] / "users.sop").symlink_to(layout["outside"] / "passwd")
    result = run(command, ".")
    assert result.exit_code == 0, result.output
    assert "SECRET" not in result.output and "users.sop" not in result.output


def test_fmt_never_rewrites_a_file_outside_the_folder(layout):
    """`fmt .` leaves the target of a link leading out of the folder as it was."""
    (layout["project"] / "shared.sop").symlink_to(layout["outside"] / "messy.sop")
    result = run("fmt", ".")
    assert result.exit_code == 0
    assert (layout["outside"] / "messy.sop").read_text(encoding="utf-8") == MESSY
    assert (layout["project"] / "shared.sop").is_symlink()


def test_linked_subfolders_are_not_entered(layout):
    """A link to a folder outside is not walked (nor one inside: its files are walked anyway)."""
    (layout["project"] / "ext").symlink_to(layout["outside"])
    inner = layout["project"] / "inner"
    inner.mkdir()
    (inner / "messy.sop").write_text(MESSY, encoding="utf-8")
    (layout["project"] / "again").symlink_to(inner)
    result = run("fmt", ".")
    assert result.exit_code == 0
    assert result.stderr == "reformatted inner/messy.sop\n1 file reformatted, 1 left unchanged\n"
    assert (layout["outside"] / "messy.sop").read_text(encoding="utf-8") == MESSY


def test_a_link_inside_the_folder_is_followed_once(layout):
    """A link to a .sop file inside the folder is the same file: checked and formatted once."""
    inner = layout["project"] / "inner"
    inner.mkdir()
    (inner / "messy.sop").write_text(MESSY, encoding="utf-8")
    (layout["project"] / "current.sop").symlink_to(inner / "messy.sop")
    result = run("fmt", ".")
    assert "1 file reformatted, 1 left unchanged" in result.stderr


def test_a_file_named_on_the_command_line_is_taken_as_given(layout):
    """An explicit path is the user's choice: a link to a playbook elsewhere is formatted."""
    (layout["project"] / "shared.sop").symlink_to(layout["outside"] / "messy.sop")
    result = run("fmt", "shared.sop")
    assert result.exit_code == 0
    assert (layout["outside"] / "messy.sop").read_text(encoding="utf-8") != MESSY


def test_a_fifo_among_walked_playbooks_is_reported(layout):
    """A FIFO named *.sop in a walked folder is E106 (exit 2), the other files checked."""
    with special(layout["project"] / "pipe.sop", "fifo"):
        result = run("check", ".")
    assert result.exit_code == 2 and "pipe.sop:1:1: E106" in result.output


@pytest.mark.parametrize(("target", "code"), [
    ("../outside/passwd", "E212"),  # leaves the project root
    ("/etc/passwd", "E212"),
    ("notes.txt", "E225"),  # inside the root, but not a playbook
    ("linked.sop", "E225"),  # a .sop link to a file that is not one
])
def test_imports_never_read_or_quote_a_file_that_is_not_a_playbook(layout, target, code):
    """An import out of the root or of a non-.sop file is refused at the import statement;
    the file is never parsed, so no line of it appears in the output."""
    (layout["project"] / "notes.txt").write_text(SECRET, encoding="utf-8")
    (layout["project"] / "linked.sop").symlink_to(layout["project"] / "notes.txt")
    (layout["project"] / "main.sop").write_text(f'import "{target}"\n{CLEAN}', encoding="utf-8")
    result = run("check", "main.sop")
    assert result.exit_code == 1
    assert f"main.sop:1:8: {code} error" in result.output
    assert "SECRET" not in result.output


def test_an_import_of_a_fifo_is_refused_at_the_import(layout):
    """An import that names a FIFO is E211 at the import statement and never opened."""
    with special(layout["project"] / "pipe.sop", "fifo"):
        (layout["project"] / "main.sop").write_text(f'import "pipe.sop"\n{CLEAN}',
                                                    encoding="utf-8")
        result = run("check", "main.sop")
    assert result.exit_code == 1
    assert ("main.sop:1:8: E211 error: imported file `pipe.sop` is a FIFO (named pipe), not a "
            "regular file") in result.output
    assert os.path.exists(layout["project"] / "ok.sop")

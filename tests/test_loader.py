"""Loading units: long and deep import chains load completely, each import resolved once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sopdsl.api import check_paths
from sopdsl.cli import main
from sopdsl.syntax import loader


def write_chain(folder: Path, length: int, last: str = "") -> Path:
    """Files f0 .. f{length-1}, each importing the next and declaring one event; the last
    one also holds `last`. Returns f0."""
    folder.mkdir()
    (folder / "sopdsl.toml").write_text("", encoding="utf-8")  # the project root
    for index in range(length):
        body = f'import "f{index + 1}.sop"\n' if index + 1 < length else last
        (folder / f"f{index}.sop").write_text(f"{body}event e{index}\n", encoding="utf-8")
    return folder / "f0.sop"


def test_a_chain_deeper_than_the_recursion_limit_loads_every_file(tmp_path: Path) -> None:
    """The last file of the chain is loaded, and its missing import reported there."""
    length = 2 * sys.getrecursionlimit() + 1
    entry = write_chain(tmp_path / "deep", length, last='import "missing.sop"\n')
    report = check_paths([entry])
    (program,) = report.programs
    assert len(program.modules) == length
    assert f"e{length - 1}" in program.events
    assert [(d.code, Path(d.span.file).name, d.span.line) for d in report.diagnostics] == [
        ("E211", f"f{length - 1}.sop", 1)]


def test_a_name_declared_at_the_top_resolves_at_the_bottom(tmp_path: Path) -> None:
    """2,000 files: the last one uses the first one's event, which its own unit lacks."""
    entry = write_chain(tmp_path / "long", 2000,
                        last='segment s = ever(e0)\n')
    report = check_paths([entry])
    assert report.diagnostics == []
    alone = check_paths([tmp_path / "long" / "f1999.sop"])
    assert [(d.code, d.span.line) for d in alone.diagnostics] == [("E205", 1)]


def test_a_folder_of_a_chain_resolves_each_import_once(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is a unit of its own, but a file's imports are looked up once per run
    (per unit, a chain of N files resolved N^2/2 imports)."""
    write_chain(tmp_path / "chain", 300)
    resolved = []
    real = loader._imports
    monkeypatch.setattr(loader, "_imports",
                        lambda root, parsed, texts: resolved.append(parsed.path)
                        or real(root, parsed, texts))
    report = check_paths([tmp_path / "chain"])
    assert report.files == 300 and report.diagnostics == []
    assert len(resolved) == len(set(resolved)) == 300
    assert len(report.programs[0].modules) == 300


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_an_import_of_a_symlink_loop_is_reported(tmp_path: Path) -> None:
    """A loop of symbolic links is a missing file, not a crash."""
    (tmp_path / "sopdsl.toml").write_text("", encoding="utf-8")
    os.symlink(tmp_path / "a.sop", tmp_path / "b.sop")
    os.symlink(tmp_path / "b.sop", tmp_path / "a.sop")
    (tmp_path / "main.sop").write_text('import "a.sop"\nevent e\n', encoding="utf-8")
    report = check_paths([tmp_path / "main.sop"])
    assert [(d.code, d.span.line, d.span.column) for d in report.diagnostics] == [("E211", 1, 8)]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
@pytest.mark.parametrize("command", ["graph", "export", "simulate", "scenario"])
def test_a_symlink_loop_as_the_playbook_is_unreadable(tmp_path: Path, command: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """E100 and exit 2, where path resolution used to raise a traceback."""
    os.symlink(tmp_path / "a.sop", tmp_path / "b.sop")
    os.symlink(tmp_path / "b.sop", tmp_path / "a.sop")
    monkeypatch.chdir(tmp_path)
    args = ["scenario", "show", "--playbook", "a.sop"] if command == "scenario" else [command,
                                                                                      "a.sop"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "E100 error: cannot read the file" in result.output

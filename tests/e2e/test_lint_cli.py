"""`sopdsl lint` end to end: formats, exit codes, selection and --statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sopdsl.cli import main
from programs import PLAYBOOKS, write_file

WARNS = """\
content spare: text "never sent"
journey j { when friend_added  tag "x" }
"""
CLEAN = """\
content c: text "hi"
journey j { when friend_added  goal g: purchase within 7d  send c via private_chat }
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _playbook(folder: Path, text: str) -> str:
    return str(write_file(folder / "a.sop", text))


def test_playbooks_lint_clean(runner: CliRunner) -> None:
    """Every example playbook passes lint (justified suppressions included)."""
    result = runner.invoke(main, ["lint", str(PLAYBOOKS)])
    assert result.exit_code == 0, result.output
    assert "No problems found" in result.output


def test_warnings_exit_1_with_text(runner: CliRunner, tmp_path: Path) -> None:
    """Warnings make lint exit 1 and are shown with code, message and summary."""
    result = runner.invoke(main, ["lint", _playbook(tmp_path, WARNS)])
    assert result.exit_code == 1
    assert "W401 warning: content `spare` is never used" in result.output
    assert "W411 warning: journey `j` has no goal" in result.output
    assert "2 warnings" in result.output


def test_clean_file_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    """A file with no findings exits 0."""
    assert runner.invoke(main, ["lint", _playbook(tmp_path, CLEAN)]).exit_code == 0


def test_missing_path_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    """A path that does not exist is an input error."""
    result = runner.invoke(main, ["lint", str(tmp_path / "nope.sop")])
    assert result.exit_code == 2
    assert "E100" in result.output


def test_json_format(runner: CliRunner, tmp_path: Path) -> None:
    """--format json lists the findings with code and name."""
    result = runner.invoke(main, ["lint", "--format", "json", _playbook(tmp_path, WARNS)])
    data = json.loads(result.output)
    names = sorted((d["code"], d["name"]) for d in data["diagnostics"])
    assert names == [("W401", "unused-content"), ("W411", "journey-without-goal")]


def test_sarif_format_names_the_rules(runner: CliRunner, tmp_path: Path) -> None:
    """--format sarif carries each W rule's name and summary from the code catalogue."""
    result = runner.invoke(main, ["lint", "--format", "sarif", _playbook(tmp_path, WARNS)])
    rules = result.output and json.loads(result.output)["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["name"] for r in rules} == {"W401": "unused-content",
                                                  "W411": "journey-without-goal"}


def test_github_format(runner: CliRunner, tmp_path: Path) -> None:
    """--format github prints workflow warning commands."""
    result = runner.invoke(main, ["lint", "--format", "github", _playbook(tmp_path, WARNS)])
    assert "::warning " in result.output and "W401" in result.output


def test_select_and_ignore(runner: CliRunner, tmp_path: Path) -> None:
    """--select keeps only the named rules; --ignore drops them, by code, prefix or name."""
    path = _playbook(tmp_path, WARNS)
    only = runner.invoke(main, ["lint", "--select", "unused-content", path])
    assert "W401" in only.output and "W411" not in only.output
    none = runner.invoke(main, ["lint", "--ignore", "W4", path])
    assert none.exit_code == 0


def test_unknown_selector_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    """A selector that names no rule is a usage error with a did-you-mean."""
    result = runner.invoke(main, ["lint", "--select", "unused-contnt", _playbook(tmp_path, WARNS)])
    assert result.exit_code == 2
    assert "did you mean `unused-content`?" in result.output


def test_invalid_config_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    """A broken configuration file is reported and exits 2."""
    (tmp_path / "sopdsl.toml").write_text('select = ["nothing"]\n', encoding="utf-8")
    result = runner.invoke(main, ["lint", _playbook(tmp_path, WARNS)])
    assert result.exit_code == 2
    assert "unknown rule `nothing`" in result.output


def test_statistics(runner: CliRunner, tmp_path: Path) -> None:
    """--statistics prints a count per code with its name, and keeps the exit code."""
    path = _playbook(tmp_path, WARNS + 'content other: text "x"\n')
    result = runner.invoke(main, ["lint", "--statistics", path])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == ["2  W401  unused-content", "1  W411  journey-without-goal"]


def test_statistics_json(runner: CliRunner, tmp_path: Path) -> None:
    """--statistics with --format json prints the counts as JSON."""
    result = runner.invoke(main, ["lint", "--statistics", "--format", "json",
                                  _playbook(tmp_path, WARNS)])
    assert json.loads(result.output) == [
        {"code": "W401", "name": "unused-content", "count": 1},
        {"code": "W411", "name": "journey-without-goal", "count": 1},
    ]


def test_statistics_refuses_sarif(runner: CliRunner, tmp_path: Path) -> None:
    """--statistics with a format it cannot print is a usage error."""
    result = runner.invoke(main, ["lint", "--statistics", "--format", "sarif",
                                  _playbook(tmp_path, WARNS)])
    assert result.exit_code == 2

"""Configuration: discovery walking up from each file, selection, per-file ignores, severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from programs import write_file
from sopdsl.codes import Severity
from sopdsl.lint.config import ConfigError, ConfigFinder, LintConfig, LintSettings, Overrides
from sopdsl.lint import lint_paths

UNUSED = """
content spare: text "never sent"
journey j { when friend_added  goal g: purchase within 7d  tag "x" }
"""
NO_GOAL_AND_UNUSED = """
content spare: text "never sent"
journey j { when friend_added  tag "x" }
"""


def _codes(paths: list[Path], overrides: Overrides | None = None) -> list[tuple[str, str]]:
    report = lint_paths(paths, overrides)
    return sorted((Path(d.span.file).name, d.code) for d in report.diagnostics)


def test_closest_config_wins(tmp_path: Path) -> None:
    """A nested sopdsl.toml replaces the outer pyproject.toml for files below it."""
    write_file(tmp_path / "pyproject.toml", '[tool.sopdsl]\nignore = ["W411"]\n')
    write_file(tmp_path / "team" / "sopdsl.toml", 'ignore = ["W401"]\n')
    outer = write_file(tmp_path / "outer.sop", NO_GOAL_AND_UNUSED)
    inner = write_file(tmp_path / "team" / "deep" / "inner.sop", NO_GOAL_AND_UNUSED)
    assert _codes([outer, inner]) == [("inner.sop", "W411"), ("outer.sop", "W401")]


def test_sopdsl_toml_beats_pyproject_in_one_folder(tmp_path: Path) -> None:
    """With both files in one folder, sopdsl.toml is used."""
    write_file(tmp_path / "pyproject.toml", '[tool.sopdsl]\nignore = ["W411"]\n')
    write_file(tmp_path / "sopdsl.toml", '[tool.sopdsl]\nignore = ["W401"]\n')
    file = write_file(tmp_path / "a.sop", NO_GOAL_AND_UNUSED)
    assert _codes([file]) == [("a.sop", "W411")]


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    """A pyproject.toml with no [tool.sopdsl] does not stop the walk up."""
    write_file(tmp_path / "sopdsl.toml", 'ignore = ["dead-code"]\n')
    write_file(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    file = write_file(tmp_path / "sub" / "a.sop", NO_GOAL_AND_UNUSED)
    assert _codes([file]) == [("a.sop", "W411")]


def test_per_file_ignores_match_globs(tmp_path: Path) -> None:
    """Per-file ignores apply to files matching the glob relative to the config folder."""
    write_file(tmp_path / "sopdsl.toml", '[per-file-ignores]\n"legacy/*.sop" = ["W4"]\n')
    old = write_file(tmp_path / "legacy" / "old.sop", NO_GOAL_AND_UNUSED)
    new = write_file(tmp_path / "new.sop", UNUSED)
    assert _codes([old, new]) == [("new.sop", "W401")]


def test_severity_override_turns_a_warning_into_an_error(tmp_path: Path) -> None:
    """A severity override changes the reported severity; the more specific selector wins."""
    write_file(tmp_path / "sopdsl.toml", '[severity]\nW4 = "error"\nunused-content = "warning"\n')
    file = write_file(tmp_path / "a.sop", NO_GOAL_AND_UNUSED)
    severities = {d.code: d.severity for d in lint_paths([file]).diagnostics}
    assert severities == {"W401": Severity.WARNING, "W411": Severity.ERROR}


def test_more_specific_select_beats_a_broader_ignore() -> None:
    """`select = ["W401"]` with `ignore = ["W4"]` keeps W401 and drops the other W4 codes."""
    config = LintConfig(LintSettings(select=["W401"], ignore=["W4"]))
    assert config.enabled_codes() == {"W401"}
    config = LintConfig(LintSettings(select=["W4"], ignore=["W401"]))
    assert "W401" not in config.enabled_codes() and "W402" in config.enabled_codes()


def test_command_line_select_replaces_the_file(tmp_path: Path) -> None:
    """--select replaces the file's select and ignore; --ignore removes on top."""
    write_file(tmp_path / "sopdsl.toml", 'ignore = ["W401"]\n')
    file = write_file(tmp_path / "a.sop", NO_GOAL_AND_UNUSED)
    assert _codes([file], Overrides(select=("W401",))) == [("a.sop", "W401")]
    assert _codes([file], Overrides(ignore=("journey-without-goal",))) == []


@pytest.mark.parametrize(("text", "message"), [
    ('select = ["W999"]\n', "unknown rule `W999`"),
    ('ignore = ["unused-contnt"]\n', "did you mean `unused-content`?"),
    ('select = ["E201"]\n', "`E201` is an error code"),
    ('colour = "red"\n', "`colour`"),
    ('[severity]\nW401 = "fatal"\n', "severity.W401"),
    ('select = [\n', "cannot read the configuration"),
])
def test_invalid_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    """A broken configuration raises ConfigError naming the file and the problem."""
    write_file(tmp_path / "sopdsl.toml", text)
    file = write_file(tmp_path / "a.sop", UNUSED)
    with pytest.raises(ConfigError) as raised:
        ConfigFinder().for_file(file)
    assert message in str(raised.value) and "sopdsl.toml" in str(raised.value)


def test_no_config_switches_every_rule_on(tmp_path: Path) -> None:
    """Without any configuration file every lint code is on."""
    from sopdsl.lint.registry import lint_codes

    file = write_file(tmp_path / "a.sop", UNUSED)
    assert ConfigFinder().for_file(file).enabled_for(file) == set(lint_codes())

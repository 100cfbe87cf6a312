"""Suppression comments: by code, by name, several at once, unused ones, and refused errors."""

from __future__ import annotations

from pathlib import Path

from sopdsl.lint import lint_paths

BODY = """
journey j { when friend_added  goal g: purchase within 7d  tag "x" }
"""


def _lint(tmp_path: Path, text: str) -> list[tuple[int, str, str]]:
    file = tmp_path / "a.sop"
    file.write_text(text.lstrip("\n"), encoding="utf-8")
    return [(d.span.line, d.code, d.message) for d in lint_paths([file]).diagnostics]


def test_code_silences_the_finding_on_its_line(tmp_path: Path) -> None:
    """`ignore[W401]` on the declaration's line removes that finding only."""
    found = _lint(tmp_path, 'content a: text "a"  # sopdsl: ignore[W401]\ncontent b: text "b"\n' + BODY)
    assert [(line, code) for line, code, _ in found] == [(2, "W401")]


def test_name_works_like_the_code(tmp_path: Path) -> None:
    """A rule name silences the same findings as its code."""
    found = _lint(tmp_path, 'content a: text "a"  # sopdsl: ignore[unused-content] kept for May\n' + BODY)
    assert found == []


def test_several_codes_in_one_directive(tmp_path: Path) -> None:
    """One directive can list several codes and names."""
    text = 'journey j { when friend_added  tag "x"  exit }  # sopdsl: ignore[W411, redundant-exit]\n'
    assert _lint(tmp_path, text) == []


def test_unused_suppression_is_reported(tmp_path: Path) -> None:
    """A listed code that silences nothing on its line is reported as W419."""
    found = _lint(tmp_path, 'content a: text "a"  # sopdsl: ignore[W401, W411]\n' + BODY)
    assert found == [(1, "W419", "suppression of `W411` silences nothing on this line")]


def test_suppression_of_a_disabled_rule_is_not_unused(tmp_path: Path) -> None:
    """A code switched off by configuration is not reported as an unused suppression."""
    (tmp_path / "sopdsl.toml").write_text('ignore = ["W411"]\n', encoding="utf-8")
    assert _lint(tmp_path, 'content a: text "a"  # sopdsl: ignore[W401, W411]\n' + BODY) == []


def test_error_codes_cannot_be_suppressed(tmp_path: Path) -> None:
    """Naming an E code is reported as W420 and the error stays."""
    found = _lint(tmp_path, 'content a: text "a" { value 1d2 }  # sopdsl: ignore[E110]\n')
    codes = [(line, code) for line, code, _ in found]
    assert (1, "E110") in codes and (1, "W420") in codes
    assert any("`E110` is an error and cannot be suppressed" in m for _, _, m in found)


def test_unknown_and_malformed_directives_are_reported(tmp_path: Path) -> None:
    """An unknown name gets a did-you-mean; a directive without a list is reported."""
    text = ('content a: text "a"  # sopdsl: ignore[unused-contnt]\n'
            'content b: text "b"  # sopdsl: ignore\n' + BODY)
    found = [(line, code, msg) for line, code, msg in _lint(tmp_path, text) if code == "W420"]
    assert [line for line, _, _ in found] == [1, 2]
    assert "`unused-contnt` is not a lint code or rule name" in found[0][2]
    assert found[1][2] == "suppression names no codes"


def test_directive_on_another_line_does_not_apply(tmp_path: Path) -> None:
    """A directive only covers findings that start on its own line."""
    text = '# sopdsl: ignore[W401]\ncontent a: text "a"\n' + BODY
    assert sorted(code for _, code, _ in _lint(tmp_path, text)) == ["W401", "W419"]

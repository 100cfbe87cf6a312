"""Tests for the text renderer: golden layouts, caret placement, summary wording, colour."""

from __future__ import annotations

from pathlib import Path

import pytest

from golden import assert_golden
from sopdsl.codes import Severity
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.render import render
from sopdsl.render.text import display_width, render_text, summary_line
from sopdsl.syntax.source import SourceFile, Span

GOLDEN = Path(__file__).parent / "golden" / "render"
PATH = "playbooks/onboarding.sop"

ONBOARDING = SourceFile(
    PATH,
    "\n".join(
        [
            'playbook "Retail" { timezone "Asia/Shanghai" }',
            "",
            "journey onboarding {",
            "  when friend_added",
            "  send welcom via private_chat",
            "  send 新客礼包 via privat_chat",
            "  send 新客礼 via private_chat",
            "\tsend welcom via moments",
            "  wait 1d at",
            "}",
            "journey 复购 {",
        ]
    ),
)
# Long enough that its last line number needs a wider gutter than the minimum.
LONG = SourceFile("playbooks/long.sop", "\n" * 12344 + "  send welcom via sms")
SOURCES = {PATH: ONBOARDING, LONG.path: LONG}


def span(line: int, column: int, end_column: int, end_line: int | None = None) -> Span:
    return Span(
        file=PATH, line=line, column=column, end_line=end_line or line, end_column=end_column
    )


def warning(where: Span, message: str) -> Diagnostic:
    # Built directly: the text layout needs no catalogue entry, and no W code exists yet.
    return Diagnostic(code="W401", severity=Severity.WARNING, message=message, span=where)


def text(diagnostics: list[Diagnostic], files: int = 1) -> str:
    return render_text(diagnostics, SOURCES, files=files)


CASES = {
    "ascii_with_hint": [
        diag("E201", span(5, 8, 14), "unknown content `welcom`", "did you mean `welcome`?")
    ],
    "cjk": [
        diag("E222", span(6, 17, 28), "unknown channel `privat_chat`"),
        diag("E201", span(7, 8, 11), "unknown content `新客礼`", "did you mean `新客礼包`?"),
    ],
    "tab_indented": [
        diag("E201", span(8, 7, 13), "unknown content `welcom`", "did you mean `welcome`?")
    ],
    "end_of_line": [
        diag("E112", span(9, 13, 14), "expected a time of day like `09:30` after `at`")
    ],
    "end_of_file": [
        diag("E113", ONBOARDING.end_span(), "`{` of journey `复购` is never closed")
    ],
    "multi_line_span": [
        diag("E301", span(3, 1, 2, end_line=10), "journey `onboarding` has no trigger")
    ],
    "missing_source": [
        diag("E211", Span(file="common/content.sop", line=3, column=9, end_line=3, end_column=20),
             "cannot read `common/content.sop`", "check the path"),
    ],
    "mixed_severities": [
        diag("E201", span(5, 8, 14), "unknown content `welcom`", "did you mean `welcome`?"),
        warning(span(6, 8, 12), "content `新客礼包` is never sent"),
        diag("E201", Span(file=LONG.path, line=12345, column=8, end_line=12345, end_column=14),
             "unknown content `welcom`"),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_matches_golden(name: str) -> None:
    """Render each layout case exactly as its golden file shows."""
    assert_golden(GOLDEN / f"{name}.txt", text(CASES[name], files=3))


def test_no_diagnostics_prints_only_the_summary() -> None:
    """Render an empty list as the summary line alone."""
    assert text([], files=2) == "No problems found in 2 files.\n"


def test_carets_sit_under_the_span_in_display_cells() -> None:
    """Pad CJK prefixes by two cells per character and count CJK carets double."""
    lines = text(CASES["cjk"]).splitlines()
    source_row, caret_row = lines[1], lines[2]
    bar = source_row.index("|")
    assert display_width(caret_row[: caret_row.index("^")]) == display_width(
        source_row[:bar] + source_row[bar:].split("privat_chat")[0]
    )
    assert lines[6].strip(" |") == "^" * 6


def test_tabs_before_the_span_are_copied() -> None:
    """Copy a leading tab into the caret padding so the terminal expands both alike."""
    caret_row = text(CASES["tab_indented"]).splitlines()[2]
    assert caret_row.endswith("| \t     ^^^^^^")


def test_gutter_widens_for_the_widest_line_number() -> None:
    """Right-align every line number to the widest one shown, at least four digits."""
    rows = [row for row in text(CASES["mixed_severities"]).splitlines() if "|" in row]
    assert {row.index("|") for row in rows} == {7}
    assert "     5 |   send welcom via private_chat" in rows
    assert " 12345 |   send welcom via sms" in rows


def test_line_past_end_of_file_shows_no_source() -> None:
    """Show only the header for a span on a line the file does not have."""
    out = text([diag("E201", span(99, 1, 2), "beyond the end")])
    assert "|" not in out
    assert out.startswith(f"{PATH}:99:1: E201 error: beyond the end\n\n")


def test_control_characters_are_shown_as_symbols() -> None:
    """Never pass a raw escape character from a source file to the terminal."""
    source = SourceFile("x.sop", "tag \x1b[31m")
    out = render_text([diag("E110", Span(file="x.sop", line=1, column=5, end_line=1, end_column=6),
                            "unexpected character")], {"x.sop": source}, files=1)
    assert "\x1b" not in out
    assert "tag ␛[31m" in out


@pytest.mark.parametrize(
    ("codes", "files", "expected"),
    [
        ([], 1, "No problems found in 1 file."),
        (["E201"], 1, "Found 1 error in 1 file."),
        (["W401"], 2, "Found 1 warning in 2 files."),
        (["E201", "E201", "W401"], 3, "Found 2 errors and 1 warning in 3 files."),
        (["E201", "W401", "W401"], 3, "Found 1 error and 2 warnings in 3 files."),
    ],
)
def test_summary_line_counts_with_the_right_plural(
    codes: list[str], files: int, expected: str
) -> None:
    """Count errors and warnings apart, singular for one and plural otherwise."""
    diagnostics = [
        warning(span(5, 8, 14), "m") if code == "W401" else diag(code, span(5, 8, 14), "m")
        for code in codes
    ]
    assert summary_line(diagnostics, files) == expected


def test_color_adds_ansi_styles_by_severity() -> None:
    """Colour errors red and warnings yellow only when asked to."""
    diagnostics = CASES["mixed_severities"]
    coloured = render(diagnostics, SOURCES, "text", files=1, color=True)
    plain = render(diagnostics, SOURCES, "text", files=1)
    assert "\x1b[1;31mE201 error:\x1b[0m" in coloured
    assert "\x1b[1;33mW401 warning:\x1b[0m" in coloured
    assert "\x1b[1;33m^^^^^^^^\x1b[0m" in coloured
    assert "\x1b" not in plain

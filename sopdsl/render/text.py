"""Diagnostics for people: a header, the source line with carets, a hint, then a summary.

Layout of one diagnostic::

    playbooks/onboarding.sop:14:8: E201 error: unknown content `welcom`
       14 |   send welcom via private_chat
          |        ^^^^^^
       = hint: did you mean `welcome`?

The gutter is one space plus the line number right-aligned to the widest line number
shown anywhere in the output, and at least `MIN_GUTTER_WIDTH` wide, so the bars of all
diagnostics line up. Only the first line of a span is shown; a span running onto later
lines is marked to the end of its first line. Carets are placed by terminal display width
(CJK characters take two cells), and tabs before the span are copied so the terminal
expands them the same way in both lines.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from rich.color import ColorSystem
from rich.style import Style

from sopdsl.codes import Severity
from sopdsl.diagnostics import Diagnostic
from sopdsl.syntax.source import SourceFile, Span

MIN_GUTTER_WIDTH = 4
HINT_INDENT = "   "

_SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow"}
_HEADER_STYLE = "bold"
_GUTTER_STYLE = "bold blue"
_HINT_STYLE = "bold cyan"
# One code point for one, so carets computed on the raw line stay aligned.
_CONTROL_PICTURES = {
    **{code: 0x2400 + code for code in range(0x20) if code != ord("\t")},
    0x7F: 0x2421,
    **{code: 0xFFFD for code in range(0x80, 0xA0)},
}


def render_text(
    diagnostics: Sequence[Diagnostic],
    sources: Mapping[str, SourceFile],
    *,
    files: int,
    color: bool = False,
) -> str:
    """Each diagnostic as a block, blank lines between them, and the summary line last."""
    paint = _Painter(color)
    shown = [(d, _source_line(d.span, sources)) for d in diagnostics]
    numbers = [d.span.line for d, line in shown if line is not None]
    width = max([MIN_GUTTER_WIDTH, *(len(str(n)) for n in numbers)])
    blocks = [_block(d, line, width, paint) for d, line in shown]
    blocks.append(summary_line(diagnostics, files))
    return "\n\n".join(blocks) + "\n"


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """`Found 2 errors and 1 warning in 3 files.` or `No problems found in 3 files.`"""
    checked = f"in {_count(files, 'file')}."
    if not diagnostics:
        return f"No problems found {checked}"
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    found = [_count(n, noun) for n, noun in ((errors, "error"), (warnings, "warning")) if n]
    return f"Found {' and '.join(found)} {checked}"


def display_width(text: str) -> int:
    """The number of terminal cells `text` takes (East Asian wide and full-width take two)."""
    return sum(_char_width(char) for char in text)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _source_line(span: Span, sources: Mapping[str, SourceFile]) -> str | None:
    source = sources.get(span.file)
    if source is None or not 1 <= span.line <= len(source.lines):
        return None
    return source.line(span.line)


def _block(diagnostic: Diagnostic, line: str | None, width: int, paint: _Painter) -> str:
    span = diagnostic.span
    severity_style = _SEVERITY_STYLES[diagnostic.severity]
    location = paint(f"{span.file}:{span.line}:{span.column}:", _HEADER_STYLE)
    code = paint(f"{diagnostic.code} {diagnostic.severity.value}:", severity_style)
    rows = [f"{location} {code} {paint(_visible(diagnostic.message), _HEADER_STYLE)}"]
    if line is not None:
        padding, carets = _caret_marks(span, line)
        numbered = paint(f" {span.line:>{width}} |", _GUTTER_STYLE)
        blank = paint(f" {'':>{width}} |", _GUTTER_STYLE)
        rows.append(f"{numbered} {_visible(line)}" if line else numbered)
        rows.append(f"{blank} {padding}{paint(carets, severity_style)}")
    if diagnostic.hint:
        rows.append(f"{HINT_INDENT}{paint('= hint:', _HINT_STYLE)} {_visible(diagnostic.hint)}")
    return "\n".join(rows)


def _visible(text: str) -> str:
    """`text` with control characters shown as symbols, so a file cannot drive the terminal."""
    return text.translate(_CONTROL_PICTURES)


def _caret_marks(span: Span, line: str) -> tuple[str, str]:
    """The padding up to the span and the carets under it, both in display cells."""
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    before = line[:start]
    padding = "".join("\t" if char == "\t" else " " * _char_width(char) for char in before)
    padding += " " * (start - len(before))
    return padding, "^" * max(1, display_width(line[start:end]))


class _Painter:
    """Wraps text in ANSI styles when colour is on, and leaves it untouched when off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        if not self.color:
            return text
        return Style.parse(style).render(text, color_system=ColorSystem.STANDARD)

"""Diagnostics: messages and hints stay on one line whatever text they quote."""

from __future__ import annotations

from sopdsl.diagnostics import diag
from sopdsl.syntax.source import Span


def test_quoted_line_breaks_are_shown_not_kept() -> None:
    """A message quoting a multi-line string shows its breaks as `\\n`, in message and hint."""
    where = Span(file="a.sop", line=1, column=1, end_line=2, end_column=4)
    d = diag("E218", where, 'unknown time zone """\r\nAsia"""', hint="not\rthis")
    assert d.message == 'unknown time zone """\\nAsia"""'
    assert d.hint == "not\\nthis"

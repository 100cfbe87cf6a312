"""Diagnostics as values: every problem sopdsl finds, with a stable code and a span."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pydantic import BaseModel, ConfigDict

from sopdsl.codes import CODES, Severity
from sopdsl.syntax.source import Span


class Diagnostic(BaseModel):
    """One finding: code, severity, one-line message, optional hint, and where."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None

    @property
    def name(self) -> str:
        return CODES[self.code].name

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.column, self.code)


def diag(code: str, span: Span, message: str, hint: str | None = None) -> Diagnostic:
    """Make a diagnostic whose severity comes from the code catalogue."""
    return Diagnostic(
        code=code, severity=CODES[code].severity, message=one_line(message), span=span,
        hint=None if hint is None else one_line(hint),
    )


def one_line(text: str) -> str:
    """Text quoted from a file kept on one line: line breaks shown as `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity is Severity.ERROR for d in diagnostics)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file, line, column order, each reported once."""
    unique = {(d.code, d.span, d.message): d for d in diagnostics}
    return sorted(unique.values(), key=Diagnostic.sort_key)

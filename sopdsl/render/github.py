"""Diagnostics as GitHub Actions workflow commands, which annotate the pull request."""

from __future__ import annotations

from collections.abc import Sequence

from sopdsl.diagnostics import Diagnostic
from sopdsl.render.text import summary_line


def render_github(diagnostics: Sequence[Diagnostic], *, files: int) -> str:
    """One `::error` or `::warning` command per diagnostic, then the summary line."""
    lines = [_command(d) for d in diagnostics]
    lines.append(summary_line(diagnostics, files))
    return "\n".join(lines) + "\n"


def _command(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    properties: dict[str, object] = {
        "file": span.file,
        "line": span.line,
        "col": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
        "title": f"{diagnostic.code} {diagnostic.name}",
    }
    if span.end_line != span.line:
        # GitHub does not accept column properties on an annotation spanning several lines.
        del properties["col"], properties["endColumn"]
    message = diagnostic.message
    if diagnostic.hint:
        message += f" (hint: {diagnostic.hint})"
    listed = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{diagnostic.severity.value} {listed}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """Escape a command's message so newlines and `%` survive the runner's parser."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value, which also may not contain the `:` and `,` separators."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")

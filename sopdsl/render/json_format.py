"""Diagnostics as one JSON document, for scripts and editors."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sopdsl.diagnostics import Diagnostic


def render_json(diagnostics: Sequence[Diagnostic], *, files: int) -> str:
    """`{"diagnostics": [...], "files": N}` with 1-based, end-exclusive positions."""
    document = {"diagnostics": [_as_dict(d) for d in diagnostics], "files": files}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _as_dict(diagnostic: Diagnostic) -> dict[str, object]:
    span = diagnostic.span
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }

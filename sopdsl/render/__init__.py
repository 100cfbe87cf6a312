"""Diagnostics rendered for people (text) and for machines (json, sarif, github).

The renderers are imported when used, so naming FORMATS (for `--help`) stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sopdsl.diagnostics import Diagnostic
    from sopdsl.syntax.source import SourceFile

__all__ = ("FORMATS", "render")

FORMATS = ("text", "json", "sarif", "github")


def render(
    diagnostics: Sequence[Diagnostic],
    sources: Mapping[str, SourceFile],
    fmt: str,
    *,
    files: int,
    color: bool = False,
) -> str:
    """Diagnostics in the output format `fmt`, as text ending with a newline."""
    match fmt:
        case "text":
            from sopdsl.render.text import render_text

            return render_text(diagnostics, sources, files=files, color=color)
        case "json":
            from sopdsl.render.json_format import render_json

            return render_json(diagnostics, files=files)
        case "sarif":
            from sopdsl.render.sarif import render_sarif

            return render_sarif(diagnostics)
        case "github":
            from sopdsl.render.github import render_github

            return render_github(diagnostics, files=files)
    raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")

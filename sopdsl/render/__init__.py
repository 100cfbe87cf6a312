"""Diagnostics rendered for people (text) and for machines (json, sarif, github)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sopdsl.diagnostics import Diagnostic
from sopdsl.render.github import render_github
from sopdsl.render.json_format import render_json
from sopdsl.render.sarif import render_sarif
from sopdsl.render.text import render_text, summary_line
from sopdsl.source import SourceFile

__all__ = (
    "FORMATS",
    "render",
    "render_github",
    "render_json",
    "render_sarif",
    "render_text",
    "summary_line",
)

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
            return render_text(diagnostics, sources, files=files, color=color)
        case "json":
            return render_json(diagnostics, files=files)
        case "sarif":
            return render_sarif(diagnostics)
        case "github":
            return render_github(diagnostics, files=files)
    raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")

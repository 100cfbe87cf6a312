"""Shared CLI pieces: the --format option and printing diagnostics with their exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

import click

from sopdsl.render import FORMATS

if TYPE_CHECKING:
    from sopdsl.diagnostics import Diagnostic
    from sopdsl.syntax.source import SourceFile

FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
    help="How to print findings: text for people, json/sarif/github for machines.",
)


def wants_color(fmt: str = "text", stream: TextIO | None = None) -> bool:
    """Colour only for text on a terminal (stdout unless `stream`), never when NO_COLOR is set."""
    terminal = (stream or sys.stdout).isatty()
    return fmt == "text" and terminal and "NO_COLOR" not in os.environ


def emit_diagnostics(
    diagnostics: Sequence[Diagnostic],
    sources: Mapping[str, SourceFile],
    fmt: str,
    *,
    files: int,
    err: bool = False,
) -> int:
    """Print diagnostics in `fmt` (to stderr when `err`) and return the exit code they call for."""
    from sopdsl.diagnostics import has_errors
    from sopdsl.syntax.files import INPUT_ERROR_CODES
    from sopdsl.render import render

    color = wants_color(fmt, sys.stderr if err else None)
    click.echo(render(diagnostics, sources, fmt, files=files, color=color), nl=False, err=err)
    if any(d.code in INPUT_ERROR_CODES for d in diagnostics):
        return 2
    return 1 if has_errors(diagnostics) else 0

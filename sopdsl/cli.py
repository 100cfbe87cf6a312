"""The `sopdsl` command line: parses arguments, calls the library, renders the results."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sopdsl.diagnostics import has_errors, sorted_diagnostics
from sopdsl.files import INPUT_ERROR_CODES, collect_paths
from sopdsl.loader import Loader
from sopdsl.render import FORMATS, render


@click.group()
@click.version_option(package_name="sopdsl")
def main() -> None:
    """Check, lint, format, simulate and plan private-domain SOP playbooks."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
def check(paths: tuple[str, ...], fmt: str) -> None:
    """Parse and validate playbooks. Exit 0 clean, 1 errors found, 2 unreadable input."""
    files, diagnostics = collect_paths(list(paths))
    loader = Loader()
    sources: dict = {}
    for file in files:
        unit = loader.load(Path(file))
        sources.update(unit.sources)
        diagnostics.extend(unit.diagnostics)
        for parsed in unit.files:
            diagnostics.extend(parsed.diagnostics)
    diagnostics = sorted_diagnostics(diagnostics)
    color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    click.echo(render(diagnostics, sources, fmt, files=len(files), color=color), nl=False)
    if any(d.code in INPUT_ERROR_CODES for d in diagnostics):
        sys.exit(2)
    sys.exit(1 if has_errors(diagnostics) else 0)

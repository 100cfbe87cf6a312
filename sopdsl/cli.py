"""The `sopdsl` command line: parses arguments, calls the library, renders the results."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sopdsl.diagnostics import Diagnostic, has_errors, sorted_diagnostics
from sopdsl.files import INPUT_ERROR_CODES, collect_paths
from sopdsl.loader import Loader


def _render_plain(diagnostics: list[Diagnostic], sources: dict) -> str:
    lines = []
    for d in diagnostics:
        lines.append(f"{d.span.file}:{d.span.line}:{d.span.column}: {d.code} {d.severity.value}: {d.message}")
        source = sources.get(d.span.file)
        if source is not None:
            text = source.line(d.span.line)
            lines.append(f"  {text}")
            width = max(1, (d.span.end_column if d.span.end_line == d.span.line else len(text) + 1) - d.span.column)
            lines.append("  " + " " * (d.span.column - 1) + "^" * width)
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    return "\n".join(lines)


@click.group()
@click.version_option(package_name="sopdsl")
def main() -> None:
    """Check, lint, format, simulate and plan private-domain SOP playbooks."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
def check(paths: tuple[str, ...]) -> None:
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
    if diagnostics:
        click.echo(_render_plain(diagnostics, sources))
    click.echo(f"{len(diagnostics)} problem(s) in {len(files)} file(s).")
    if any(d.code in INPUT_ERROR_CODES for d in diagnostics):
        sys.exit(2)
    sys.exit(1 if has_errors(diagnostics) else 0)

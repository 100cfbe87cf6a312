"""`sopdsl check`: parse and validate playbooks."""

from __future__ import annotations

import sys

import click

from sopdsl.cli.output import FORMAT_OPTION, emit_diagnostics


@click.command()
@click.argument("paths", nargs=-1, required=True)
@FORMAT_OPTION
def check(paths: tuple[str, ...], fmt: str) -> None:
    """Parse and validate playbooks. Exit 0 clean, 1 errors found, 2 unreadable input."""
    from sopdsl.api import check_paths

    report = check_paths(paths)
    sys.exit(emit_diagnostics(report.diagnostics, report.sources, fmt, files=report.files))

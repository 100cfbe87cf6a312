"""`sopdsl graph`: draw a playbook's journeys as a flowchart (DOT, Mermaid, PNG or SVG)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from sopdsl.cli.output import emit_diagnostics

if TYPE_CHECKING:
    from sopdsl.draw.graph import WorkflowGraph

T = TypeVar("T")

FORMATS = ("dot", "mermaid", "png", "svg")
TEXT_FORMATS = ("dot", "mermaid")
# The format an output file's suffix implies when --format is not given.
SUFFIX_FORMATS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid",
                  ".png": "png", ".svg": "svg"}


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--journey", "-j", metavar="NAME", help="Draw only this journey (default: all).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="dot or mermaid (text), png or svg (image). "
                   "Default: from the -o suffix, else dot.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (a regular file, replaced atomically) instead of stdout; `-` is "
                   "stdout; png/svg default to JOURNEY.png (or FILE.png).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), metavar="REPORT",
              help="Label each step with its forecast figures from a `sopdsl simulate "
                   "--format json` report of this playbook (posts and mass sends as staff "
                   "actions, then deliveries, opens and clicks).")
def graph(file: Path, journey: str | None, fmt: str | None, output: Path | None,
          report: Path | None) -> None:
    """Draw a playbook's journeys as a flowchart.

    Triggers on top, steps in order, branches labelled with their condition or share, waits
    on the edges, goals and exits marked. Exit codes: 0 drawn, 1 the playbook has errors, 2
    unreadable input (the report too) or an unknown journey.
    """
    from sopdsl.api import load
    from sopdsl.draw.graph import build_graph

    fmt = fmt or SUFFIX_FORMATS.get(output.suffix.lower() if output else "", "dot")
    program = load(file)
    if not program.ok:
        sys.exit(emit_diagnostics(program.diagnostics, program.sources, "text",
                                  files=len(program.sources) or 1, err=True))
    if journey is not None and journey not in program.journeys:
        raise click.BadParameter(_unknown_journey(journey, list(program.journeys)),
                                 param_hint="'--journey'")
    flow = build_graph(program)
    if report is not None:
        _label_figures(flow, report)
    if fmt in TEXT_FORMATS:
        _write_text(flow, journey, fmt, output)
    else:
        _write_image(flow, journey, fmt, output or Path(f"{journey or file.stem}.{fmt}"))


def _label_figures(flow: WorkflowGraph, report: Path) -> None:
    """Put a report's figures on the drawing; an unusable report stops with exit 2."""
    from sopdsl.draw.figures import ReportError, label_figures, not_this_playbook, read_report

    try:
        if not label_figures(flow, read_report(report)):
            raise not_this_playbook(report)
    except ReportError as error:
        sources = {error.source.path: error.source} if error.source else {}
        emit_diagnostics([error.diagnostic], sources, "text", files=1, err=True)
        sys.exit(2)


def _unknown_journey(name: str, names: list[str]) -> str:
    from sopdsl.diagnostics import did_you_mean

    message = f"no journey `{name}` in this playbook"
    hint = did_you_mean(name, names)
    if hint:
        return f"{message}; {hint}"
    known = ", ".join(f"`{n}`" for n in names) or "none"
    return f"{message}; its journeys: {known}"


def _write_text(flow: WorkflowGraph, journey: str | None, fmt: str, output: Path | None) -> None:
    from sopdsl.draw.formats import to_dot, to_mermaid

    text = (to_dot if fmt == "dot" else to_mermaid)(flow, journey)
    if output is None:
        click.echo(text, nl=False)
        return
    from sopdsl.atomic import write_output

    _written(output, lambda: write_output(output, text.encode("utf-8")))
    _wrote(output)


def _write_image(flow: WorkflowGraph, journey: str | None, fmt: str, output: Path) -> None:
    from sopdsl.draw.formats import to_image

    notes = _written(output, lambda: to_image(flow, journey, output, fmt))
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    _wrote(output)


def _wrote(output: Path) -> None:
    from sopdsl.atomic import STDOUT

    if str(output) != STDOUT:
        click.echo(f"wrote {output}", err=True)


def _written(output: Path, write: Callable[[], T]) -> T:
    """Run a writer; a file system error is an input error (exit 2), not a traceback."""
    try:
        return write()
    except OSError as error:
        click.echo(f"error: cannot write {output}: {error.strerror or error}", err=True)
        sys.exit(2)

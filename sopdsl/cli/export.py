"""`sopdsl export`: the compiled workflow as JSON for a CRM's own SOP engine."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sopdsl.cli.forecasting import echo_utf8, fail, load_program


@click.command()
@click.argument("playbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True,
              help="The export format (see `sopdsl schema export`).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (a regular file, replaced atomically) instead of stdout; "
                   "`-` is stdout.")
def export(playbook: Path, fmt: str, output: Path | None) -> None:
    """Export PLAYBOOK's compiled workflow: settings, roles, contents, triggers, steps, edges.

    Exit codes: 0 exported, 1 the playbook has errors, 2 unreadable input or output.
    """
    from sopdsl.atomic import STDOUT, write_output
    from sopdsl.planning.export import export_program
    from sopdsl.syntax.files import display_path

    program = load_program(playbook, "text")
    document = export_program(program, display_path(program.entry))
    text = json.dumps(document.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                      indent=2) + "\n"
    if output is None:
        echo_utf8(text)
        return
    try:
        write_output(output, text.encode("utf-8"))
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    if str(output) != STDOUT:
        click.echo(f"wrote {output}", err=True)

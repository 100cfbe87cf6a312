"""`sopdsl schema`: the JSON Schema of sopdsl's machine-readable outputs."""

from __future__ import annotations

import json

import click

from sopdsl.cli.forecasting import echo_utf8


@click.command()
@click.argument("document", type=click.Choice(["plan", "export"]))
def schema(document: str) -> None:
    """Print the JSON Schema (2020-12) of a plan (`sopdsl plan`) or an export (`sopdsl export`)."""
    if document == "plan":
        from sopdsl.planning.model import plan_json_schema

        found = plan_json_schema()
    else:
        from sopdsl.planning.export import export_json_schema

        found = export_json_schema()
    echo_utf8(json.dumps(found, ensure_ascii=False, indent=2) + "\n")

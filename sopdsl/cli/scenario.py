"""`sopdsl scenario`: inspect the assumptions a simulation runs with."""

from __future__ import annotations

import sys

import click

from sopdsl.cli.output import emit_diagnostics, wants_color


@click.group()
def scenario() -> None:
    """Inspect simulation scenarios (assumptions about customers, staff and channels)."""


@scenario.command()
@click.argument("name", required=False)
@click.option("--playbook", type=click.Path(dir_okay=False),
              help="A playbook whose scenarios to show; without it, the built-in default.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for the model.")
def show(name: str | None, playbook: str | None, fmt: str) -> None:
    """Print scenario NAME with every default applied.

    Without NAME: the scenario the playbook simulates with by default (its only scenario,
    else the one named `baseline`, else the built-in `default`). Exit 0 shown, 1 the
    playbook or scenario has errors, 2 unknown scenario or unreadable playbook.
    """
    from sopdsl.scenario.defaults import BUILTIN_NAME, builtin_scenario

    if playbook is None:
        if name not in (None, BUILTIN_NAME):
            _unknown(f"no scenario named `{name}`: without --playbook only the built-in "
                     f"`{BUILTIN_NAME}` exists")
        _print(builtin_scenario(), fmt)
        return
    _show_from_playbook(playbook, name, fmt)


def _show_from_playbook(path: str, name: str | None, fmt: str) -> None:
    from sopdsl.api import load
    from sopdsl.syntax.files import INPUT_ERROR_CODES
    from sopdsl.scenario.build import effective_scenario, unknown_scenario

    program = load(path)
    unreadable = [d for d in program.diagnostics if d.code in INPUT_ERROR_CODES]
    syntax = [d for d in program.diagnostics if d.code.startswith("E1")]
    if unreadable or syntax:
        sys.exit(emit_diagnostics(unreadable or syntax, program.sources, fmt, files=1))
    unknown = unknown_scenario(program, name)
    if unknown:
        _unknown(unknown)
    chosen, diagnostics = effective_scenario(program, name)
    if chosen is None:
        sys.exit(emit_diagnostics(diagnostics, program.sources, fmt, files=1))
    _print(chosen, fmt)


def _print(chosen: object, fmt: str) -> None:
    if fmt == "json":
        click.echo(chosen.model_dump_json(indent=2))
        return
    from sopdsl.scenario.text import render_scenario

    click.echo(render_scenario(chosen, color=wants_color(fmt)), nl=False)


def _unknown(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)

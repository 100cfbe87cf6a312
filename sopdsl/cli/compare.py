"""`sopdsl compare`: what two playbooks, or two scenarios of one, change in goal rates and KPIs."""

from __future__ import annotations

from pathlib import Path

import click

from sopdsl.cli.forecasting import (
    echo_utf8, load_program, load_scenario, options_of, run_forecast, run_options, text_width,
)
from sopdsl.cli.output import wants_color

USAGE = ("compare two playbooks (`sopdsl compare A.sop B.sop`, with zero, one or two "
         "--scenario) or two scenarios of one (`sopdsl compare P.sop --scenario X --scenario Y`)")


@click.command()
@click.argument("playbooks", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scenario", "scenarios", metavar="NAME", multiple=True,
              help="A scenario: once for both sides, twice for A and B.")
@run_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text table for people, json for machines.")
def compare(playbooks: tuple[Path, ...], scenarios: tuple[str, ...], fmt: str,
            **run: object) -> None:
    """Forecast A and B and show B - A for every goal rate and KPI, with a 95% interval.

    Both sides run the same replications with the same seeds (A's scenario's, unless
    --replications and --seed say otherwise), and each difference gets a paired t interval;
    it is significant when the interval excludes zero. Exit codes: 0 compared, 1 a playbook
    has errors, 2 bad arguments, an unknown scenario or an unreadable playbook.
    """
    from simulator.compare import compare as compare_forecasts
    from simulator.compare import render_comparison
    from simulator.report import report_json

    options = options_of(run)
    sides = _sides(playbooks, scenarios)
    loaded = {path: load_program(path, fmt) for path, _ in sides}
    programs = [loaded[path] for path, _ in sides]
    chosen = [load_scenario(program, name, options)
              for program, (_, name) in zip(programs, sides)]
    common = {"replications": chosen[0].replications, "seed": chosen[0].seed}
    forecasts = [run_forecast(program, scenario.overridden(**common), options, label)
                 for program, scenario, label in zip(programs, chosen, "AB")]
    result = compare_forecasts(*forecasts)
    if fmt == "json":
        echo_utf8(report_json(result))
    else:
        echo_utf8(render_comparison(result, color=wants_color(fmt), width=text_width()))


def _sides(playbooks: tuple[Path, ...], scenarios: tuple[str, ...]
           ) -> list[tuple[Path, str | None]]:
    """(playbook, scenario) for A and B; a usage error (exit 2) for any other combination."""
    if len(playbooks) == 2 and len(scenarios) <= 2:
        names = list(scenarios) * 2 if len(scenarios) == 1 else list(scenarios) or [None, None]
        return list(zip(playbooks, names))
    if len(playbooks) == 1 and len(scenarios) == 2:
        return [(playbooks[0], scenarios[0]), (playbooks[0], scenarios[1])]
    raise click.UsageError(USAGE)

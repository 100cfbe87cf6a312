"""The `sopdsl` command line: parses arguments, calls the library, renders the results.

Each command lives in its own module and imports the library inside the command, so
`sopdsl --help` and `sopdsl check` never import what they do not use.
Exit codes for every command: 0 ok, 1 findings, 2 usage or input error.
"""

from __future__ import annotations

import click

from sopdsl.cli.backtest import backtest
from sopdsl.cli.calibrate import calibrate
from sopdsl.cli.check import check
from sopdsl.cli.compare import compare
from sopdsl.cli.export import export
from sopdsl.cli.fmt import fmt
from sopdsl.cli.graph import graph
from sopdsl.cli.lint import lint
from sopdsl.cli.plan import plan
from sopdsl.cli.push import push
from sopdsl.cli.scenario import scenario
from sopdsl.cli.schema import schema
from sopdsl.cli.simulate import simulate


@click.group()
@click.version_option(package_name="sopdsl")
def main() -> None:
    """Check, lint, format, simulate and plan private-domain SOP playbooks.

    Exit codes: 0 ok, 1 findings (errors, or files fmt would change), 2 usage or input error.
    """


main.add_command(check)
main.add_command(lint)
main.add_command(fmt)
main.add_command(graph)
main.add_command(scenario)
main.add_command(simulate)
main.add_command(compare)
main.add_command(plan)
main.add_command(export)
main.add_command(calibrate)
main.add_command(backtest)
main.add_command(schema)
main.add_command(push)

"""`sopdsl lint`: everything `check` reports plus the W4xx/W5xx rules."""

from __future__ import annotations

import json
import sys

import click

from sopdsl.cli.output import FORMAT_OPTION, emit_diagnostics


def _selectors(values: tuple[str, ...]) -> tuple[str, ...]:
    """Selectors from repeated options and comma lists: `--select W4,W501 --select risk`."""
    return tuple(s.strip() for value in values for s in value.split(",") if s.strip())


@click.command()
@click.argument("paths", nargs=-1, required=True)
@FORMAT_OPTION
@click.option("--select", "select", multiple=True, metavar="RULES",
              help="Only these rules: codes, code prefixes (W5), names or groups. "
                   "Replaces the configuration's select and ignore.")
@click.option("--ignore", "ignore", multiple=True, metavar="RULES",
              help="Switch these rules off, on top of the configuration.")
@click.option("--statistics", is_flag=True,
              help="Print how many findings each code has instead of the findings.")
def lint(paths: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
         statistics: bool) -> None:
    """Check playbooks and run the lint rules.

    Configuration comes from the closest sopdsl.toml or pyproject.toml [tool.sopdsl] above
    each file. Exit 0 no findings, 1 findings (errors or warnings), 2 usage, configuration
    or unreadable input.
    """
    from sopdsl.lint.config import ConfigError, Overrides, check_selectors
    from sopdsl.syntax.files import INPUT_ERROR_CODES
    from sopdsl.lint import lint_paths

    if statistics and fmt not in ("text", "json"):
        raise click.UsageError("--statistics prints text or json")
    chosen, dropped = _selectors(select), _selectors(ignore)
    try:
        check_selectors([*chosen, *dropped], "command line")
        report = lint_paths(paths, Overrides(chosen or None, dropped))
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if not statistics:
        code = emit_diagnostics(report.diagnostics, report.sources, fmt, files=report.files)
        sys.exit(code if code == 2 or not report.diagnostics else 1)
    rows = report.statistics()
    if fmt == "json":
        click.echo(json.dumps([{"code": c, "name": n, "count": k} for c, n, k in rows],
                              ensure_ascii=False, indent=2))
    else:
        width = max((len(str(k)) for _, _, k in rows), default=1)
        for code, name, count in rows:
            click.echo(f"{count:>{width}}  {code}  {name}")
        click.echo(f"Found {sum(k for _, _, k in rows)} findings in {report.files} files.")
    if any(d.code in INPUT_ERROR_CODES for d in report.diagnostics):
        sys.exit(2)
    sys.exit(1 if rows else 0)

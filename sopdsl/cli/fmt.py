"""`sopdsl fmt`: rewrite playbooks in the canonical layout, or check and diff them.

Standard output carries content only (the formatted text of `-`, and diffs); the list of
files, the summary and every error go to standard error.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from sopdsl.cli.output import emit_diagnostics

if TYPE_CHECKING:
    from sopdsl.fmt.files import FileFormat

STDIN = "-"
STDIN_NAME = "<stdin>"


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", is_flag=True,
              help="Write nothing; list the files that would change and exit 1 if any would.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print unified diffs and exit 1 if there is any.")
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Format playbooks in place in the one canonical layout.

    PATHS are .sop files or folders (searched recursively); `-` reads standard input and
    writes the result to standard output. Files with syntax errors are refused and left as
    they were. Exit codes: 0 done, 1 files would change (--check, --diff) or have syntax
    errors, 2 unreadable input or an internal error.
    """
    if STDIN in paths and len(paths) > 1:
        raise click.UsageError("`-` (standard input) cannot be combined with other paths")
    if paths == (STDIN,):
        sys.exit(_format_stdin(check, show_diff))
    sys.exit(_format_paths(list(paths), check, show_diff))


def _format_stdin(check: bool, show_diff: bool) -> int:
    from sopdsl.fmt.files import FileFormat, Outcome, format_bytes
    from sopdsl.syntax.files import read_stream

    data = read_stream(sys.stdin.buffer, STDIN_NAME)
    if not isinstance(data, bytes):
        return _report_problems([FileFormat(STDIN_NAME, Outcome.UNREADABLE, diagnostics=[data])])
    result = format_bytes(data, STDIN_NAME)
    code = _report_problems([result])
    if result.formatted is None:
        return code
    if show_diff:
        click.echo(result.diff(), nl=False)
    elif not check:
        # Bytes, so the output is UTF-8 whatever encoding the terminal's locale names.
        sys.stdout.flush()
        sys.stdout.buffer.write(result.formatted.encode("utf-8"))
        return code
    return 1 if result.outcome is Outcome.CHANGED else code


def _format_paths(paths: list[str], check: bool, show_diff: bool) -> int:
    from sopdsl.syntax.files import collect_paths
    from sopdsl.fmt.files import Outcome, format_file

    files, missing = collect_paths(paths)
    if missing:
        return emit_diagnostics(missing, {}, "text", files=len(missing), err=True)
    dry = check or show_diff
    results = []
    for file in files:
        result = format_file(file, write=not dry)
        results.append(result)
        if result.outcome is Outcome.CHANGED:
            if show_diff:
                click.echo(result.diff(), nl=False)
            click.echo(f"{'would reformat' if dry else 'reformatted'} {result.name}", err=True)
    code = _report_problems(results)
    click.echo(summary(results, dry), err=True)
    changed = any(r.outcome is Outcome.CHANGED for r in results)
    return max(code, 1 if dry and changed else 0)


def _report_problems(results: list[FileFormat]) -> int:
    """Print refusals and errors to standard error; the exit code they call for."""
    from sopdsl.fmt.files import Outcome

    code = 0
    diagnosed = [r for r in results if r.outcome in (Outcome.REFUSED, Outcome.UNREADABLE)]
    if diagnosed:
        sources = {r.name: r.source for r in diagnosed if r.source is not None}
        diagnostics = [d for r in diagnosed for d in r.diagnostics]
        code = emit_diagnostics(diagnostics, sources, "text", files=len(diagnosed), err=True)
    for result in results:
        if result.error:
            click.echo(f"error: {result.error}", err=True)
            code = 2
    return code


def summary(results: list[FileFormat], dry: bool) -> str:
    """`2 files reformatted, 13 left unchanged` (or `would be ...` for --check and --diff)."""
    from sopdsl.fmt.files import Outcome

    counts = {outcome: 0 for outcome in Outcome}
    for result in results:
        counts[result.outcome] += 1
    failed = counts[Outcome.UNREADABLE] + counts[Outcome.FAILED] + counts[Outcome.UNWRITABLE]
    parts = [
        (counts[Outcome.CHANGED], "would be reformatted" if dry else "reformatted"),
        (counts[Outcome.UNCHANGED], "would be left unchanged" if dry else "left unchanged"),
        (counts[Outcome.REFUSED], "refused (syntax errors)"),
        (failed, "failed"),
    ]
    shown = [(n, words) for n, words in parts if n]
    first, *rest = shown
    noun = "file" if first[0] == 1 else "files"
    return ", ".join([f"{first[0]} {noun} {first[1]}", *(f"{n} {words}" for n, words in rest)])

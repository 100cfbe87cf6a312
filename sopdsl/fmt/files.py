"""Formatting files and standard input: what `sopdsl fmt` does to each input, as values.

Output is always UTF-8 without a byte order mark, with `\\n` line ends: a file saved with a
BOM or with `\\r\\n` line ends counts as changed and is rewritten that way.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from sopdsl.atomic import write_text
from sopdsl.diagnostics import Diagnostic
from sopdsl.syntax.files import decode_source, display_path, read_bytes
from sopdsl.fmt.formatter import FormatterError, format_text
from sopdsl.syntax.source import SourceFile


class Outcome(str, Enum):
    """What formatting one input came to."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    REFUSED = "refused"  # syntax errors: the diagnostics say which
    UNREADABLE = "unreadable"  # not a readable UTF-8 text file
    FAILED = "failed"  # the formatter's safety net caught a bug in sopdsl
    UNWRITABLE = "unwritable"  # formatted, but the file could not be replaced


@dataclass(frozen=True)
class FileFormat:
    """One input's outcome: its original and canonical text, or why there is none."""

    name: str
    outcome: Outcome
    source: SourceFile | None = None
    formatted: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    original: str | None = None  # the text with its own line ends, for diffs

    def diff(self) -> str:
        """A unified diff (`a/NAME`, `b/NAME` headers) from the original to the canonical text."""
        if self.outcome is not Outcome.CHANGED or self.original is None or self.formatted is None:
            return ""
        lines = difflib.unified_diff(
            _diff_lines(self.original), _diff_lines(self.formatted),
            fromfile=f"a/{self.name}", tofile=f"b/{self.name}",
        )
        return "".join(lines)


def format_bytes(data: bytes, name: str) -> FileFormat:
    """Format the bytes of one playbook shown as `name`; nothing is written."""
    source = decode_source(data, name)
    if isinstance(source, Diagnostic):
        return FileFormat(name, Outcome.UNREADABLE, diagnostics=[source])
    try:
        result = format_text(source.text, name)
    except FormatterError as error:
        return FileFormat(name, Outcome.FAILED, source, error=str(error))
    if result.text is None:
        return FileFormat(name, Outcome.REFUSED, source, diagnostics=result.diagnostics)
    changed = result.text.encode("utf-8") != data
    outcome = Outcome.CHANGED if changed else Outcome.UNCHANGED
    # The source's line ends are normalised; the diff shows the file's own, as `patch` needs.
    return FileFormat(name, outcome, source, result.text, result.diagnostics,
                      original=data.decode("utf-8-sig"))


def format_file(path: Path, write: bool = False) -> FileFormat:
    """Format one file; with write=True a changed file is replaced atomically."""
    name = display_path(path)
    data = read_bytes(path, name)
    if isinstance(data, Diagnostic):
        return FileFormat(name, Outcome.UNREADABLE, diagnostics=[data])
    outcome = format_bytes(data, name)
    if write and outcome.outcome is Outcome.CHANGED and outcome.formatted is not None:
        try:
            write_text(path, outcome.formatted)
        except OSError as error:
            problem = f"{name}: cannot write the file: {error.strerror or error}"
            return replace(outcome, outcome=Outcome.UNWRITABLE, error=problem)
    return outcome


def _diff_lines(text: str) -> list[str]:
    """Lines for difflib, the last one marked as git does when it has no newline."""
    lines = [line + "\n" for line in text.split("\n")]
    if lines[-1] == "\n":
        return lines[:-1]
    lines[-1] += "\\ No newline at end of file\n"
    return lines

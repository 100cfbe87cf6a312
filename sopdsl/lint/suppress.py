"""`# sopdsl: ignore[W401, unused-content]`: silence lint findings on one line.

A directive silences the named codes (or rule names) for findings that start on its line.
Only warnings can be silenced: naming an error code is itself reported (W420) and the error
stays, as does a directive that names nothing known or is malformed. A listed code that
silenced nothing on its line, while its rule was on for the file, is reported as W419.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sopdsl.syntax import ast
from sopdsl.codes import CODES
from sopdsl.diagnostics import Diagnostic, diag, did_you_mean
from sopdsl.lint.registry import SUPPRESSION_CODES, lint_codes
from sopdsl.syntax.source import Span

_DIRECTIVE = re.compile(r"#\s*sopdsl\s*:\s*ignore\b(?P<rest>.*)$")
_LIST = re.compile(r"\s*\[(?P<items>[^\]]*)\]")


@dataclass
class SuppressedCode:
    """One code named by a directive, and whether it silenced anything."""

    code: str
    written: str
    span: Span
    used: bool = False


@dataclass
class Suppressions:
    """The directives of one file: entries by line, and problems found reading them."""

    entries: dict[int, list[SuppressedCode]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def read_directives(module: ast.Module) -> Suppressions:
    """The suppression directives in a file's comments."""
    found = Suppressions()
    by_name = {CODES[code].name: code for code in lint_codes()}
    for comment in module.comments:
        match = _DIRECTIVE.search(comment.text)
        if match is None:
            continue
        span = comment.span
        listed = _LIST.match(match.group("rest"))
        if listed is None:
            found.problems.append(diag(
                "W420", span, "suppression names no codes",
                hint="write the codes or rule names to silence: `# sopdsl: ignore[W401]`"))
            continue
        for written in (item.strip() for item in listed.group("items").split(",")):
            if not written:
                continue
            entry = _entry(written, span, by_name, found.problems)
            if entry is not None:
                found.entries.setdefault(span.line, []).append(entry)
    return found


def _entry(written: str, span: Span, by_name: dict[str, str],
           problems: list[Diagnostic]) -> SuppressedCode | None:
    code = by_name.get(written, written)
    if code in CODES and CODES[code].code.startswith("E"):
        problems.append(diag("W420", span, f"`{written}` is an error and cannot be suppressed",
                             hint="fix the error; only warnings can be silenced"))
        return None
    if code in SUPPRESSION_CODES:
        problems.append(diag("W420", span, f"`{written}` cannot be suppressed by a directive",
                             hint="switch it off in the configuration instead"))
        return None
    if code not in lint_codes():
        hint = did_you_mean(written, [*lint_codes(), *by_name])
        problems.append(diag("W420", span, f"`{written}` is not a lint code or rule name",
                             hint=hint))
        return None
    return SuppressedCode(code, written, span)


def apply_suppressions(
    diagnostics: Iterable[Diagnostic],
    directives: dict[str, Suppressions],
    enabled: Callable[[str], frozenset[str]],
) -> list[Diagnostic]:
    """The diagnostics left after suppression, plus W419/W420 for the directives' problems.

    `directives` maps a file path to its directives; `enabled(file)` gives the codes on there.
    """
    kept = []
    for d in diagnostics:
        entries = directives.get(d.span.file, Suppressions()).entries.get(d.span.line, [])
        matches = [e for e in entries if e.code == d.code and d.code not in SUPPRESSION_CODES]
        for entry in matches:
            entry.used = True
        if not matches:
            kept.append(d)
    for file, found in directives.items():
        kept.extend(found.problems)
        on = enabled(file)
        for entries in found.entries.values():
            kept.extend(
                diag("W419", e.span, f"suppression of `{e.written}` silences nothing on this line",
                     hint="remove it, or move it to the line the finding starts on")
                for e in entries if not e.used and e.code in on)
    return kept

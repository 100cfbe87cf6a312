"""Placeholders in text shown to customers or staff: `{customer.<attribute>}` and `{owner.name}`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from sopdsl.syntax import ast
from sopdsl.checker.resolve import Resolver
from sopdsl.syntax.source import Span

OWNER_NAME = "owner.name"
CUSTOMER_PREFIX = "customer."

# Escapes first, so that `\u{4F60}` is read as a character and not as a placeholder.
_TOKEN = re.compile(r"\\u\{[^}]*\}|\\.|\{([^{}\n]*)\}", re.DOTALL)


def check_placeholders(resolver: Resolver, string: ast.StringLit) -> None:
    """Report every `{...}` in the string that is not a known placeholder."""
    if "{" not in string.text:
        return
    for match in _TOKEN.finditer(string.text):
        inner = match.group(1)
        if inner is None or inner == OWNER_NAME:
            continue
        span = _span_within(string, match.start(), match.end())
        attribute = inner[len(CUSTOMER_PREFIX):] if inner.startswith(CUSTOMER_PREFIX) else None
        if attribute in resolver.program.attributes:
            continue
        if attribute is not None and not resolver.complete:
            continue  # the attribute may be declared in a file that could not be read
        if attribute is not None:
            message = f"unknown attribute `{attribute}` in placeholder `{match.group(0)}`"
        else:
            message = f"`{match.group(0)}` is not a placeholder"
        resolver.report("E210", span, message, _suggestion(inner, resolver.program.attributes)
                        or "placeholders are `{customer.<attribute>}` and `{owner.name}`")


def _suggestion(inner: str, attributes: Iterable[str]) -> str | None:
    """The placeholder the writer most likely meant: `{name}` is `{customer.name}`."""
    if inner.startswith("owner"):
        return f"did you mean `{{{OWNER_NAME}}}`?"
    wanted = inner.rsplit(".", 1)[-1].strip()
    close = difflib.get_close_matches(wanted, list(attributes), n=1, cutoff=0.6)
    return f"did you mean `{{{CUSTOMER_PREFIX}{close[0]}}}`?" if close else None


def _span_within(string: ast.StringLit, start: int, end: int) -> Span:
    """The span of characters start..end of the string as written (quotes included)."""
    before = string.text[:start]
    newlines = before.count("\n")
    if newlines:
        column = start - before.rfind("\n")
    else:
        column = string.span.column + start
    line = string.span.line + newlines
    return Span(file=string.span.file, line=line, column=column, end_line=line,
                end_column=column + end - start)

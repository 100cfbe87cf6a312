"""Placeholders in text shown to customers or staff: `{customer.<attribute>}` and `{owner.name}`.

This is the one reading of placeholders: the checker reports the bad ones, lint counts the
attributes they use, the planner fills them in. A string is read as written, escapes first,
into literal text and `{...}` groups, so `\\u{7B}customer.name}` is literal text and stays so:
nothing ever reads the decoded text again.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.checker.resolve import Resolver
from sopdsl.syntax.literals import ESCAPE, escaped_character
from sopdsl.syntax.source import Span

OWNER_NAME = "owner.name"
CUSTOMER_PREFIX = "customer."

# An escape, or braces around anything but braces and line breaks.
_TOKEN = re.compile(rf"{ESCAPE.pattern}|\{{([^{{}}\n]*)\}}", re.DOTALL)


@dataclass(frozen=True)
class Placeholder:
    """A `{...}` group of a string: what is inside the braces, and where the group is in the
    string as written (offsets into its text, quotes included)."""

    inside: str
    start: int
    end: int

    @property
    def text(self) -> str:
        """The group as written: `{customer.name}`."""
        return f"{{{self.inside}}}"

    @property
    def attribute(self) -> str | None:
        """The customer attribute a `{customer.<attribute>}` group names."""
        return self.inside[len(CUSTOMER_PREFIX):] if self.inside.startswith(CUSTOMER_PREFIX) \
            else None

    @property
    def of_the_language(self) -> bool:
        """Whether it has a placeholder's shape (the checker still checks the attribute)."""
        return self.inside == OWNER_NAME or bool(self.attribute)


Template = tuple["str | Placeholder", ...]


def template(string: ast.StringLit) -> Template:
    """The string as literal text (escapes decoded) and `{...}` groups, in order."""
    return _read(string.text)


@functools.lru_cache(maxsize=4096)
def _read(text: str) -> Template:
    quotes = 3 if text.startswith('"""') else 1
    pieces: list[str | Placeholder] = []
    literal: list[str] = []
    at = quotes
    for match in _TOKEN.finditer(text, quotes, len(text) - quotes):
        literal.append(text[at:match.start()])
        at = match.end()
        if match.group(2) is None:
            literal.append(escaped_character(match.group(1)) or match.group(0))
            continue
        pieces.append("".join(literal))
        literal = []
        pieces.append(Placeholder(match.group(2), match.start(), match.end()))
    literal.append(text[at:len(text) - quotes])
    pieces.append("".join(literal))
    return tuple(piece for piece in pieces if piece != "")


def content_strings(content: ast.ContentDecl) -> list[ast.StringLit]:
    """The strings of a content that customers read: its title and `text` field."""
    found = [content.title] if content.title is not None else []
    return found + [field.value for field in content.fields
                    if field.key.name == "text" and isinstance(field.value, ast.StringLit)]


def placeholders(string: ast.StringLit) -> list[Placeholder]:
    """The string's `{...}` groups, in order."""
    return [piece for piece in template(string) if isinstance(piece, Placeholder)]


def render(string: ast.StringLit, value: Callable[[Placeholder], str]) -> str:
    """The string with each `{...}` group replaced by its value."""
    return "".join(piece if isinstance(piece, str) else value(piece)
                   for piece in template(string))


def check_placeholders(resolver: Resolver, string: ast.StringLit) -> None:
    """Report every `{...}` in the string that is not a known placeholder."""
    for placeholder in placeholders(string):
        inside = placeholder.inside
        if inside == OWNER_NAME:
            continue
        attribute = placeholder.attribute
        if attribute in resolver.program.attributes:
            continue
        if attribute is not None and not resolver.complete:
            continue  # the attribute may be declared in a file that could not be read
        if attribute is not None:
            message = f"unknown attribute `{attribute}` in placeholder `{placeholder.text}`"
        else:
            message = f"`{placeholder.text}` is not a placeholder"
        resolver.report("E210", _span_within(string, placeholder.start, placeholder.end),
                        message, _suggestion(inside, resolver.program.attributes)
                        or "placeholders are `{customer.<attribute>}` and `{owner.name}`")


def _suggestion(inside: str, attributes: Iterable[str]) -> str | None:
    """The placeholder the writer most likely meant: `{name}` is `{customer.name}`."""
    if inside.startswith("owner"):
        return f"did you mean `{{{OWNER_NAME}}}`?"
    wanted = inside.rsplit(".", 1)[-1].strip()
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

"""Literals of the AST from Lark's tokens: names, numbers, durations, times, dates, strings.

Each terminal of the grammar that carries a value has a method named after it; invalid values
(a time of 25:00, a date not in the calendar, an unknown escape) become diagnostics and a
stand-in value, so the rest of the file is still checked.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from lark import Token

from sopdsl.syntax import ast
from sopdsl.builtins import DURATION_UNITS, MINUTES_PER_DAY
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.syntax.source import Span
from sopdsl.syntax.syntax_errors import shown_text

_DURATION_PART = re.compile(r"(\d+)([mhdw])")
# A backslash and what it escapes: one character, or `u{...}` with 1 to 6 hex digits.
ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
# The longest duration a playbook may state: longer ones are typing mistakes.
MAX_DURATION_MINUTES = 100 * 366 * MINUTES_PER_DAY


class LiteralBuilder:
    """Spans and literal nodes of one file, with the diagnostics their values call for.

    Spans are immutable and a node often spans exactly its only child: equal spans are shared.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._spans: dict[tuple[int, int, int, int], Span] = {}

    def make_span(self, line: int, column: int, end_line: int, end_column: int) -> Span:
        """The span of these positions, shared with every equal one made before."""
        key = (line, column, end_line, end_column)
        span = self._spans.get(key)
        if span is None:
            span = self._spans[key] = Span(self.path, line, column, end_line, end_column)
        return span

    def token_span(self, token: Token) -> Span:
        return self.make_span(token.line, token.column, token.end_line, token.end_column)

    def error(self, code: str, span: Span, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(diag(code, span, message, hint))

    def NAME(self, token: Token) -> ast.Ident:  # noqa: N802 - named after the terminal
        return ast.Ident.make(span=self.token_span(token), name=str(token))

    PURPOSE = NAME

    def _float(self, token: Token, digits: str) -> float:
        value = float(digits)
        if not math.isfinite(value):
            self.error("E119", self.token_span(token),
                       f"`{shown_text(token)}` is too large a number")
            return 0.0
        return value

    def NUMBER(self, token: Token) -> ast.Number:  # noqa: N802
        return ast.Number.make(span=self.token_span(token), value=self._float(token, token),
                               text=str(token))

    def PERCENT(self, token: Token) -> ast.Percent:  # noqa: N802
        value = self._float(token, token[:-1]) / 100
        return ast.Percent.make(span=self.token_span(token), value=value, text=str(token))

    def DURATION(self, token: Token) -> ast.Duration:  # noqa: N802
        parts = _DURATION_PART.findall(token)
        # Digit counts are checked first: int() refuses very long digit strings.
        if all(len(n) <= 9 for n, _ in parts):
            minutes = sum(int(n) * DURATION_UNITS[u] for n, u in parts)
        else:
            minutes = MAX_DURATION_MINUTES + 1
        if minutes > MAX_DURATION_MINUTES:
            self.error("E119", self.token_span(token),
                       f"`{shown_text(token)}` is longer than 100 years",
                       hint="durations run up to 100 years, such as 52w or 365d")
            minutes = MAX_DURATION_MINUTES
        return ast.Duration.make(span=self.token_span(token), minutes=minutes, text=str(token))

    def TIME(self, token: Token) -> ast.TimeOfDay:  # noqa: N802
        hour, minute = (int(p) for p in token.split(":"))
        span = self.token_span(token)
        if hour > 23 or minute > 59:
            self.error("E115", span, f"`{token}` is not a time of day",
                       hint="times run from 00:00 to 23:59")
            hour, minute = min(hour, 23), min(minute, 59)
        return ast.TimeOfDay.make(span=span, hour=hour, minute=minute, text=str(token))

    def DATE(self, token: Token) -> ast.DateLit:  # noqa: N802
        span = self.token_span(token)
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError:
            self.error("E116", span, f"`{token}` is not a date in the calendar",
                       hint="write dates as YYYY-MM-DD, such as 2026-12-01")
            value = dt.date(1970, 1, 1)
        return ast.DateLit.make(span=span, value=value, text=str(token))

    def RATE(self, token: Token) -> ast.Rate:  # noqa: N802
        count, per = token.split("/")
        return ast.Rate.make(span=self.token_span(token), count=self._float(token, count),
                             per=per, text=str(token))

    def MULTIPLIER(self, token: Token) -> ast.Multiplier:  # noqa: N802
        return ast.Multiplier.make(span=self.token_span(token),
                                   value=self._float(token, token[1:]), text=str(token))

    def STRING(self, token: Token) -> ast.StringLit:  # noqa: N802
        return ast.StringLit.make(span=self.token_span(token), value=self._unescape(token, 1),
                                  text=str(token))

    def LONG_STRING(self, token: Token) -> ast.StringLit:  # noqa: N802
        return ast.StringLit.make(span=self.token_span(token), value=self._unescape(token, 3),
                                  text=str(token))

    def _unescape(self, token: Token, quotes: int) -> str:
        body = token[quotes:-quotes]

        def replace(match: re.Match) -> str:
            escape = match.group(1)
            character = escaped_character(escape)
            if character is not None:
                return character
            span = self._inner_span(token, quotes + match.start(), len(match.group(0)))
            if not escape.startswith("u{"):
                self.error("E114", span, f"unknown escape `\\{shown_text(escape)}` in a string",
                           hint='the escapes are \\" \\\\ \\n \\t and \\u{4F60}')
            else:
                self.error("E114", span, f"`\\{escape}` is not a Unicode character",
                           hint="\\u{...} takes a code point such as 4F60, up to 10FFFF")
            return match.group(0)

        return ESCAPE.sub(replace, body) if "\\" in body else body

    def _inner_span(self, token: Token, offset: int, length: int) -> Span:
        """The span of `length` characters at `offset` inside a (possibly multi-line) token."""
        before = token[:offset]
        line = token.line + before.count("\n")
        column = offset - before.rfind("\n") if "\n" in before else token.column + offset
        return Span(self.path, line, column, line, column + length)


def escaped_character(escape: str) -> str | None:
    """The character an escape `ESCAPE` matched stands for, given what follows its backslash
    (`n`, `u{4F60}`); None when it stands for none."""
    if escape in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[escape]
    if escape.startswith("u{"):
        code = int(escape[2:-1], 16)
        if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code)
    return None

"""Turn Lark's parser states into syntax errors in the operator's words, not token names."""

from __future__ import annotations

from lark import Token, Tree

from sopdsl.diagnostics import Diagnostic, diag, did_you_mean
from sopdsl.lalr import keywords
from sopdsl.source import SourceFile, Span

DECL_KEYWORDS = frozenset(
    "PLAYBOOK IMPORT ROLE ATTRIBUTE EVENT CONTENT SEGMENT JOURNEY SCENARIO".split()
)
CLAUSE_KEYWORDS = frozenset("WHEN AUDIENCE REENTRY GOAL EXIT PRIORITY CAP".split())
STEP_KEYWORDS = frozenset(
    "SEND TASK NOTIFY WAIT IF SPLIT TAG UNTAG SCORE STAGE SET HANDOFF ENTER EXIT REPEAT".split()
)
# Tokens that start a statement or close a block: recovery unwinds the parser to them.
SYNC_TOKENS = DECL_KEYWORDS | CLAUSE_KEYWORDS | STEP_KEYWORDS | {"RBRACE", "ELIF", "ELSE"}

_PHRASES = {
    "NAME": "a name",
    "STRING": 'a string such as "..."',
    "LONG_STRING": 'a string such as "..."',
    "NUMBER": "a number",
    "PERCENT": "a percentage such as 50%",
    "DURATION": "a duration such as 2d or 1d12h",
    "TIME": "a time of day such as 09:30",
    "DATE": "a date such as 2026-12-01",
    "RATE": "a rate such as 300/day",
    "MULTIPLIER": "a multiplier such as x1.5",
    "WEEKDAY": "a weekday such as friday",
    "CALENDAR_UNIT": "`day`, `week` or `month`",
    "CMP": "a comparison such as >=",
    "DIST_NAME": "a distribution such as normal(32, 8)",
    "$END": "the end of the file",
}


def _keyword(token_type: str) -> str | None:
    return keywords().get(token_type)


def _phrase(token_type: str) -> str:
    if token_type in _PHRASES:
        return _PHRASES[token_type]
    keyword = _keyword(token_type)
    return f"`{keyword}`" if keyword else token_type.lower()


def _expected_phrase(expected: set[str]) -> str:
    """Summarise the acceptable tokens: a few by name, statement starts as one group."""
    groups = []
    rest = set(expected)
    if len(expected & DECL_KEYWORDS) >= 3:
        groups.append("a declaration such as `journey`, `content` or `segment`")
        rest -= DECL_KEYWORDS
    if len(expected & STEP_KEYWORDS) >= 3:
        if len(expected & CLAUSE_KEYWORDS) >= 3:
            groups.append("a journey clause such as `when` or a step such as `send`")
            rest -= CLAUSE_KEYWORDS
        else:
            groups.append("a step such as `send`, `wait` or `if`")
        rest -= STEP_KEYWORDS
    if {"STRING", "LONG_STRING"} <= rest:
        rest.discard("LONG_STRING")
    rest.discard("SEMICOLON")
    phrases = groups + sorted(_phrase(t) for t in rest)
    if not phrases:
        return "something else"
    if len(phrases) > 6:
        phrases = phrases[:6] + ["..."]
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _last_token(value: object) -> Token | None:
    if isinstance(value, Token):
        return value
    if isinstance(value, Tree):
        for child in reversed(value.children):
            found = _last_token(child)
            if found is not None:
                return found
    return None


def _previous_token(parser) -> Token | None:
    for value in reversed(parser.parser_state.value_stack):
        found = _last_token(value)
        if found is not None:
            return found
    return None


def _token_span(source: SourceFile, token: Token) -> Span:
    if token.type == "$END":
        return source.end_span()
    return Span(file=source.path, line=token.line, column=token.column,
                end_line=token.end_line, end_column=max(token.end_column, token.column + 1))


def _found(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    text = token.value if len(token.value) <= 30 else token.value[:27] + "..."
    return f"`{text}`"


def describe_unexpected_token(source: SourceFile, parser, token: Token) -> Diagnostic:
    """A diagnostic for `token` arriving where the parser state expects something else."""
    expected = set(parser.accepts())
    span = _token_span(source, token)
    previous = _previous_token(parser)
    after = f" after `{previous.value}`" if previous is not None and previous.value else ""
    wanted = _expected_phrase(expected)
    if token.type == "$END":
        hint = "a `{` is still open: close it with `}`" if "RBRACE" in expected else None
        return diag("E112", span, f"the file ends too early: expected {wanted}{after}", hint)
    if token.type in DECL_KEYWORDS and "RBRACE" in expected:
        return diag("E113", span, f"expected `}}` before `{token.value}`: a block is not closed",
                    hint="add the missing `}` at the end of the block above")
    if token.type in CLAUSE_KEYWORDS and expected & STEP_KEYWORDS and not expected & CLAUSE_KEYWORDS:
        return diag("E306", span, f"journey clause `{token.value}` comes after the first step",
                    hint="move `when`, `audience`, `goal`, `exit` and other clauses above the steps")
    if "NAME" in expected and _keyword(token.type) is not None and token.value.isidentifier():
        return diag("E117", span, f"`{token.value}` is a keyword and cannot be used as a name",
                    hint=f"choose another name, such as `{token.value}_1`")
    keywords = [k for k in (_keyword(t) for t in expected) if k and k.isidentifier()]
    hint = did_you_mean(token.value, keywords) if token.type == "NAME" else None
    return diag("E111", span, f"expected {wanted}{after}, found {_found(token)}", hint)

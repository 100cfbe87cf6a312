"""Turn Lark's parser states into syntax errors in the operator's words, not token names."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from lark import Token, Tree
from lark.exceptions import UnexpectedToken

from sopdsl.builtins import CHANNELS
from sopdsl.diagnostics import Diagnostic, diag, did_you_mean
from sopdsl.syntax.lalr import keywords, lark_parser
from sopdsl.syntax.lark_internals import shifted_values, state_of
from sopdsl.syntax.source import SourceFile, Span

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
    "PER_CUSTOMER": "`per customer`",
    "LATENT_MODEL": "a model such as gamma_gamma",
    "$END": "the end of the file",
}
_SHORT_TIME = re.compile(r"\d{1,2}:\d(?!\d)")


def phrase(token_type: str) -> str:
    """How the operator calls a token: `via`, a duration such as 2d, a name."""
    if token_type in _PHRASES:
        return _PHRASES[token_type]
    keyword = keywords().get(token_type)
    return f"`{keyword}`" if keyword else "a word"


def expected_phrase(expected: set[str]) -> str:
    """Summarise the acceptable tokens: a few by name, statement starts as one group."""
    groups = []
    rest = set(expected)
    if len(expected & DECL_KEYWORDS) >= 3:
        groups.append("a declaration such as `journey`")
        rest -= DECL_KEYWORDS
    if len(expected & CLAUSE_KEYWORDS) >= 3:
        groups.append("a journey clause such as `when`")
        rest -= CLAUSE_KEYWORDS
    if len(expected & STEP_KEYWORDS) >= 3:
        groups.append("a step such as `send`")
        rest -= STEP_KEYWORDS
    if {"STRING", "LONG_STRING"} <= rest:
        rest.discard("LONG_STRING")
    rest.discard("SEMICOLON")
    phrases = groups + sorted(set(phrase(t) for t in rest))
    if not phrases:
        return "something else"
    if len(phrases) > 6:
        phrases = phrases[:6] + ["..."]
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


# ---- the catalogue of common mistakes, matched by parser state -------------------------

_JOURNEY = "journey j {{ when friend_added {} }}"
# Label -> bad examples. The state the parser is in when the example fails names the mistake
# wherever it happens, as with Lark's `match_examples`, but looked up in one dict.
_EXAMPLES: dict[str, list[str]] = {
    "missing-via": [_JOURNEY.format("send c private_chat"), _JOURNEY.format("send c by guide")],
    "split-arm-share": [_JOURNEY.format("split s { 50 a { } }"),
                        _JOURNEY.format("split s { a { } }")],
    "unknown-step-word": [_JOURNEY.format("sned c via group"),
                          _JOURNEY.format("if x { sned c via group }")],
}


@functools.cache
def _catalogue() -> dict[int, str]:
    """Parser state -> label of the mistake its examples show."""
    index: dict[int, str] = {}
    for label, examples in _EXAMPLES.items():
        for example in examples:
            try:
                lark_parser().parse(example)
            except UnexpectedToken as error:
                index.setdefault(state_of(error.state), label)
    return index


def catalogue_label(parser) -> str | None:
    """The labelled mistake the parser's current state shows, if any."""
    return _catalogue().get(state_of(parser))


# ---- describing one unexpected token ----------------------------------------------------


class _Context:
    """What is known where a token was unexpected."""

    def __init__(self, source: SourceFile, parser, token: Token) -> None:
        self.source = source
        self.parser = parser
        self.token = token
        self.expected = set(parser.accepts())
        self.previous = previous_token(parser)
        self.span = token_span(source, token)

    @property
    def after(self) -> str:
        return f" after `{shown_text(self.previous.value)}`" if self.previous is not None else ""

    @property
    def found(self) -> str:
        if self.token.type == "$END":
            return "the end of the file"
        return f"`{shown_text(self.token.value)}`"

    def expected_message(self) -> str:
        return f"expected {expected_phrase(self.expected)}{self.after}, found {self.found}"


def shown_text(text: str) -> str:
    """Source text on one line and short enough for a message."""
    line = text.split("\n", 1)[0]
    short = line if len(line) <= 30 else line[:27] + "..."
    return short + ("..." if line != text and len(line) <= 30 else "")


def _missing_via(ctx: _Context) -> Diagnostic:
    content = shown_text(ctx.previous.value) if ctx.previous is not None else "c"
    return diag("E111", ctx.span, f"expected `via` and a channel after `send {content}`, "
                f"found {ctx.found}",
                hint=f"write `send {content} via private_chat`; channels are "
                + ", ".join(f"`{c}`" for c in CHANNELS))


def _split_arm_share(ctx: _Context) -> Diagnostic:
    share = f"{ctx.token.value}%" if ctx.token.type == "NUMBER" else "50%"
    return diag("E111", ctx.span, f"expected a split arm such as `50% control {{ ... }}`, "
                f"found {ctx.found}",
                hint=f"each arm starts with its share as a percentage: `{share} name {{ ... }}`")


def _unknown_step_word(ctx: _Context) -> Diagnostic:
    word = ctx.previous
    span = token_span(ctx.source, word)
    candidates = [keywords()[t] for t in STEP_KEYWORDS | CLAUSE_KEYWORDS]
    suggestion = did_you_mean(word.value, candidates)
    hint = suggestion or "a step starts with a word such as `send`, `wait` or `if`; " \
                         "a label is written `name: step`"
    return diag("E111", span, f"`{shown_text(word.value)}` is not a step or journey clause", hint)


_LABELLED: dict[str, Callable[[_Context], Diagnostic]] = {
    "missing-via": _missing_via,
    "split-arm-share": _split_arm_share,
    "unknown-step-word": _unknown_step_word,
}


def describe_unexpected_token(source: SourceFile, parser, token: Token) -> Diagnostic:
    """A diagnostic for `token` arriving where the parser state expects something else."""
    ctx = _Context(source, parser, token)
    label = catalogue_label(parser)
    if label is not None and token.type != "$END":
        return _LABELLED[label](ctx)
    for rule in _RULES:
        found = rule(ctx)
        if found is not None:
            return found
    keyword_list = [k for k in (keywords().get(t) for t in ctx.expected) if k and k.isidentifier()]
    hint = did_you_mean(token.value, keyword_list) if token.type == "NAME" else None
    return diag("E111", ctx.span, ctx.expected_message(), hint)


def _unclosed_block(ctx: _Context) -> Diagnostic | None:
    if "RBRACE" not in ctx.expected:
        return None
    if ctx.token.type == "$END":
        where = "before the end of the file"
    elif ctx.token.type in DECL_KEYWORDS:
        where = f"before `{ctx.token.value}` on line {ctx.token.line}"
    else:
        return None
    brace = open_brace(ctx.parser)
    span = token_span(ctx.source, brace) if brace is not None else ctx.span
    return diag("E113", span, "unclosed block: this `{` has no matching `}`",
                hint=f"add `}}` {where}, where the block should end")


def _early_end(ctx: _Context) -> Diagnostic | None:
    if ctx.token.type != "$END":
        return None
    return diag("E112", ctx.span,
                f"the file ends too early: expected {expected_phrase(ctx.expected)}{ctx.after}")


def _clause_after_step(ctx: _Context) -> Diagnostic | None:
    token, previous = ctx.token, ctx.previous
    exit_clause = previous is not None and previous.type == "EXIT" and token.type in ("ON", "WHEN")
    clause_only = CLAUSE_KEYWORDS - STEP_KEYWORDS
    if not exit_clause and not (token.type in clause_only and ctx.expected & STEP_KEYWORDS
                                and not ctx.expected & clause_only):
        return None
    span = token_span(ctx.source, previous).to(ctx.span) if exit_clause else ctx.span
    clause = f"exit {token.value}" if exit_clause else token.value
    return diag("E306", span, f"journey clauses come before the first step: "
                f"`{clause}` comes after one",
                hint="move `when`, `audience`, `reentry`, `goal`, `exit`, `priority` and `cap` "
                     "above the journey's first step")


def _reserved_word(ctx: _Context) -> Diagnostic | None:
    value = ctx.token.value
    if "NAME" not in ctx.expected or keywords().get(ctx.token.type) is None:
        return None
    if not value.isidentifier():
        return None
    return diag("E117", ctx.span, f"`{value}` is a keyword and cannot be used as a name",
                hint=f"choose another name, such as `{value}_1`")


def _short_time(ctx: _Context) -> Diagnostic | None:
    if "TIME" not in ctx.expected or ctx.token.type != "NUMBER":
        return None
    written = _SHORT_TIME.match(ctx.source.text, ctx.token.start_pos)
    if written is None:
        return diag("E111", ctx.span, ctx.expected_message(),
                    hint="write times as HH:MM, such as 09:30")
    text = written.group()
    hour, minute = text.split(":")
    span = ctx.span.model_copy(update={"end_column": ctx.span.column + len(text)})
    return diag("E115", span, f"`{text}` is not a time of day: minutes take two digits",
                hint=f"write {int(hour):02d}:{minute}0 or {int(hour):02d}:0{minute}")


def _unit_missing(ctx: _Context) -> Diagnostic | None:
    if "DURATION" not in ctx.expected or ctx.token.type != "NUMBER":
        return None
    return diag("E111", ctx.span, ctx.expected_message(),
                hint=f"a duration needs a unit: m, h, d or w, as in `{ctx.token.value}d`")


_RULES: tuple[Callable[[_Context], Diagnostic | None], ...] = (
    _unclosed_block, _early_end, _clause_after_step, _reserved_word, _short_time, _unit_missing,
)


# ---- reading the parser's stacks --------------------------------------------------------


def _last_token(value: object) -> Token | None:
    """The last token inside a stack value (iterative: recovered trees may be deep)."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, Token):
            return value
        if isinstance(value, Tree):
            stack.extend(value.children)
    return None


def previous_token(parser) -> Token | None:
    """The token the parser shifted last, if any."""
    for value in reversed(shifted_values(parser)):
        found = _last_token(value)
        if found is not None:
            return found
    return None


def open_brace(parser) -> Token | None:
    """The innermost `{` still open: braces of closed blocks are folded into their trees."""
    for value in reversed(shifted_values(parser)):
        if isinstance(value, Token) and value.type == "LBRACE":
            return value
    return None


def token_span(source: SourceFile, token: Token) -> Span:
    """Where a token is; the end of the file for the end marker."""
    if token.type == "$END":
        return source.end_span()
    return Span(file=source.path, line=token.line, column=token.column,
                end_line=token.end_line, end_column=max(token.end_column, token.column + 1))

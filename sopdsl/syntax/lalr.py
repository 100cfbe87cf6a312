"""The one Lark parser of the language, built once and cached on disk."""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from lark import Lark, Token
from lark.grammar import Rule

from sopdsl.syntax import lark_internals

# The grammar's NAME: an NFKC form that is not one (`½` is `1⁄2`) leaves the name as written.
_NAME = re.compile(r"[^\W\d]\w*")
# The comment list of the parse under way in this thread or task: the parser is shared, so
# its lexer callback cannot hold per-parse state itself.
_comment_sink: ContextVar[list[Token] | None] = ContextVar("sopdsl_comment_sink", default=None)


@contextlib.contextmanager
def collecting_comments() -> Iterator[list[Token]]:
    """The COMMENT tokens lexed while the block runs (nested and concurrent parses keep apart)."""
    tokens: list[Token] = []
    reset = _comment_sink.set(tokens)
    try:
        yield tokens
    finally:
        _comment_sink.reset(reset)


def _collect_comment(token: Token) -> Token:
    tokens = _comment_sink.get()
    if tokens is not None:
        tokens.append(token)
    return token


def _name_token(token: Token) -> Token:
    """A NAME in its NFKC form (`ﬁ` is `fi`, `ＡＢＣ` is `ABC`) when that form is a name too,
    re-typed when it spells a keyword: the contextual lexer would let it through as a name."""
    if not token.value.isascii():
        normal = unicodedata.normalize("NFKC", token.value)
        if _NAME.fullmatch(normal):
            token = Token.new_borrow_pos(token.type, normal, token)
    keyword_type = _keyword_types().get(token.value)
    if keyword_type is not None:
        token.type = keyword_type
    return token


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser with the contextual lexer and positions on every tree node."""
    return Lark.open_from_package(
        "sopdsl.grammar",
        "sopdsl.lark",
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=True,
        lexer_callbacks={"COMMENT": _collect_comment, "NAME": _name_token},
    )


def parse_with_callbacks(text: str, callbacks: dict[Rule, Callable[[list], object]]) -> object:
    """Run the parser over `text` with other reductions: what the start rule's callback returns.

    The tables and the lexer (with its keyword and comment callbacks) are the shared parser's;
    only what each reduction makes differs. Raises Lark's UnexpectedInput at the first error.
    """
    return lark_internals.parse_with_callbacks(lark_parser(), text, callbacks)


@functools.cache
def keywords() -> dict[str, str]:
    """Terminal name to literal text for every fixed-text terminal (`VIA` -> `via`)."""
    return {
        terminal.name: terminal.pattern.value
        for terminal in lark_parser().terminals
        if terminal.pattern.type == "str"
    }


@functools.cache
def reserved_words() -> frozenset[str]:
    """The keywords that look like names: the language reserves them."""
    return frozenset(text for text in keywords().values() if text.isidentifier())


@functools.cache
def _keyword_types() -> dict[str, str]:
    return {text: name for name, text in keywords().items() if text.isidentifier()}

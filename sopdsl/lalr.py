"""The one Lark parser of the language, built once and cached on disk."""

from __future__ import annotations

import functools

from lark import Lark, Token
from lark.lexer import PatternStr


class CommentSink:
    """Collects COMMENT tokens for the parse under way (Lark calls back per token)."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []

    def __call__(self, token: Token) -> Token:
        self.tokens.append(token)
        return token


comment_sink = CommentSink()


def _reserve_keyword(token: Token) -> Token:
    """Re-type a NAME spelling a keyword: the contextual lexer would let it through as a name."""
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
        lexer_callbacks={"COMMENT": comment_sink, "NAME": _reserve_keyword},
    )


@functools.cache
def keywords() -> dict[str, str]:
    """Terminal name to literal text for every fixed-text terminal (`VIA` -> `via`)."""
    return {
        terminal.name: terminal.pattern.value
        for terminal in lark_parser().terminals
        if isinstance(terminal.pattern, PatternStr)
    }


@functools.cache
def reserved_words() -> frozenset[str]:
    """The keywords that look like names: the language reserves them."""
    return frozenset(text for text in keywords().values() if text.isidentifier())


@functools.cache
def _keyword_types() -> dict[str, str]:
    return {text: name for name, text in keywords().items() if text.isidentifier()}

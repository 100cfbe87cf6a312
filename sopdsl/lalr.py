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
        lexer_callbacks={"COMMENT": comment_sink},
    )


@functools.cache
def keywords() -> dict[str, str]:
    """Terminal name to literal text for every fixed-text terminal (`VIA` -> `via`)."""
    return {
        terminal.name: terminal.pattern.value
        for terminal in lark_parser().terminals
        if isinstance(terminal.pattern, PatternStr)
    }

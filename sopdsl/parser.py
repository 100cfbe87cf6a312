"""Parse playbook text into an AST, recovering from syntax errors to report them all."""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from sopdsl import ast
from sopdsl.builder import build_module
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.lalr import comment_sink, lark_parser
from sopdsl.source import SourceFile, Span
from sopdsl.syntax_errors import SYNC_TOKENS, describe_unexpected_token

MAX_SYNTAX_ERRORS = 20


def parse(source: SourceFile) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse one file: its Module (None when nothing could be recovered) and diagnostics."""
    recovery = _Recovery(source)
    comment_sink.tokens = []
    try:
        tree = lark_parser().parse(source.text, on_error=recovery.on_error)
    except UnexpectedInput:
        tree = None
    comments = [_comment(source.path, tok) for tok in comment_sink.tokens]
    if tree is None:
        return None, recovery.diagnostics
    module, build_diagnostics = build_module(tree, source.path, comments)
    return module, recovery.diagnostics + build_diagnostics


def parse_text(text: str, path: str = "<string>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse a string (for tests and tools that hold text, not files)."""
    return parse(SourceFile(path, text))


def _comment(path: str, token: Token) -> ast.Comment:
    return ast.Comment(span=_token_span(path, token), text=token.value.rstrip())


def _token_span(path: str, token: Token) -> Span:
    return Span(
        file=path,
        line=token.line,
        column=token.column,
        end_line=token.end_line,
        end_column=max(token.end_column, token.column + 1),
    )


class _Recovery:
    """Panic-mode recovery: record an error, then skip or unwind to a statement boundary."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self._last_error_end = -1
        self._last_error_line = -1

    def on_error(self, error: UnexpectedInput) -> bool:
        if len(self.diagnostics) >= MAX_SYNTAX_ERRORS:
            return False
        if isinstance(error, UnexpectedCharacters):
            self._unexpected_character(error)
            return len(self.diagnostics) < MAX_SYNTAX_ERRORS or self._give_up()
        if isinstance(error, UnexpectedToken):
            return self._unexpected_token(error)
        return False

    def _give_up(self) -> bool:
        span = self.source.end_span()
        self.diagnostics.append(
            diag("E118", span, f"too many syntax errors; stopped after {MAX_SYNTAX_ERRORS}",
                 hint="fix the errors above and run again")
        )
        return False

    def _unexpected_character(self, error: UnexpectedCharacters) -> None:
        pos = error.pos_in_stream
        line = self.source.line(error.line)
        if self._continues_last_error(pos):
            self._last_error_end = pos + 1
            return
        char = self.source.text[pos]
        span = Span(file=self.source.path, line=error.line, column=error.column,
                    end_line=error.line, end_column=error.column + 1)
        if char == '"':
            rest = line[error.column - 1:]
            span = span.model_copy(update={"end_column": error.column + len(rest)})
            self._record(diag("E120", span, "this string has no closing `\"` on its line",
                              hint='close it with `"`, or use """...""" for text over several lines'))
        else:
            self._record(diag("E110", span, f"unexpected character `{char}`",
                              hint=_character_hint(char)))
        self._last_error_end = pos + 1

    def _unexpected_token(self, error: UnexpectedToken) -> bool:
        token = error.token
        parser = error.interactive_parser
        if token.type == "$END":
            if not self._continues_last_error(len(self.source.text)):
                self._record(describe_unexpected_token(self.source, parser, token))
            return _close_open_blocks(parser, self.source)
        if not self._continues_last_error(token.start_pos) and token.line != self._last_error_line:
            self._record(describe_unexpected_token(self.source, parser, token))
        self._last_error_end = token.end_pos
        self._last_error_line = token.line
        if token.type in SYNC_TOKENS and _unwind_to_accept(parser, token):
            try:
                parser.feed_token(token)
            except UnexpectedToken:
                pass  # the unwound state could not take it after all: the token is dropped
        return len(self.diagnostics) < MAX_SYNTAX_ERRORS or self._give_up()

    def _continues_last_error(self, pos: int) -> bool:
        """True when only blanks separate `pos` from the last error: the same mistake."""
        if self._last_error_end < 0:
            return False
        if pos < self._last_error_end:
            return True
        return _only_blank(self.source.text[self._last_error_end:pos])

    def _record(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)


_BLANK = re.compile(r"(?:\s|#[^\n]*)*")


def _only_blank(text: str) -> bool:
    return _BLANK.fullmatch(text) is not None


def _character_hint(char: str) -> str | None:
    if char in "“”":
        return 'use straight quotes `"`, not typographic ones'
    if char in "：；，（）｛｝":
        return "this is a full-width character; use its ASCII form (: ; , ( ) { })"
    if char == "'":
        return 'strings use double quotes: "..."'
    return None


def _state_accepts(parser, token_type: str) -> bool:
    state = parser.parser_state
    return token_type in state.parse_conf.parse_table.states[state.position]


def _unwind_to_accept(parser, token: Token) -> bool:
    """Pop parser states until `token` can be shifted; False (nothing popped) if none can."""
    state = parser.parser_state
    depth = len(state.state_stack)
    for keep in range(depth - 1, 0, -1):
        if token.type in state.parse_conf.parse_table.states[state.state_stack[keep - 1]]:
            del state.state_stack[keep:]
            del state.value_stack[keep - 1:]
            return True
    return False


def _close_open_blocks(parser, source: SourceFile) -> bool:
    """At end of file, close what is open so the declarations before it survive."""
    state = parser.parser_state
    for _ in range(200):
        if _state_accepts(parser, "$END"):
            return True
        if _state_accepts(parser, "RBRACE"):
            end = source.end_span()
            parser.feed_token(Token("RBRACE", "}", start_pos=len(source.text), line=end.line,
                                    column=end.column, end_line=end.line, end_column=end.column))
            continue
        if len(state.state_stack) <= 1:
            return False
        state.state_stack.pop()
        state.value_stack.pop()
    return False

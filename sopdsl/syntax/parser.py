"""Parse playbook text into an AST, recovering from syntax errors to report them all."""

from __future__ import annotations

import contextlib
import gc
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from sopdsl.syntax import ast
from sopdsl.syntax.builder import build_module, module_of
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.syntax.lalr import collecting_comments, lark_parser
from sopdsl.syntax.lark_internals import accepted_below, stack_depth, unwind
from sopdsl.syntax.reductions import build_declarations
from sopdsl.syntax.source import SourceFile, Span
from sopdsl.syntax.syntax_errors import (
    DECL_KEYWORDS, SYNC_TOKENS, catalogue_label, describe_unexpected_token, previous_token,
    token_span,
)

if TYPE_CHECKING:
    from lark.parsers.lalr_interactive_parser import InteractiveParser

MAX_SYNTAX_ERRORS = 20
# Recovery drops one token or character per call; past this many the text is not a playbook,
# and going on would take minutes on a large file.
MAX_DROPPED_TOKENS = 5000


def parse(source: SourceFile) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse one file: its Module (None when nothing could be recovered) and diagnostics."""
    with no_cyclic_gc():
        clean = _parse_clean(source)
        if clean is not None:
            return clean, []
        recovery = _Recovery(source)
        with collecting_comments() as comment_tokens:
            try:
                tree = lark_parser().parse(source.text, on_error=recovery.on_error)
            except UnexpectedInput:
                tree = None
        if tree is None:
            return None, recovery.diagnostics
        comments = [_comment(source, token) for token in comment_tokens]
        module, build_diagnostics = build_module(tree, source.path, comments)
    return module, _capped(recovery.diagnostics + build_diagnostics, source)


def _parse_clean(source: SourceFile) -> ast.Module | None:
    """The Module of a file with no problem at all, built during the parse; None otherwise.

    A file with a syntax error, an invalid literal or too deep a nesting takes the tree path
    instead, which recovers from errors and reports them all.
    """
    with collecting_comments() as comment_tokens:
        try:
            built = build_declarations(source.text, source.path)
        except UnexpectedInput:
            return None
    if built is None or built[1].diagnostics:
        return None
    comments = [_comment(source, token) for token in comment_tokens]
    return module_of(source.path, built[0], comments)


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector while syntax trees are made: they hold no cycles, and the
    collector would rescan every tree kept so far again and again (a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _capped(diagnostics: list[Diagnostic], source: SourceFile) -> list[Diagnostic]:
    """At most MAX_SYNTAX_ERRORS of them, the first in the file, then E118 if any were left."""
    if len([d for d in diagnostics if d.code != "E118"]) <= MAX_SYNTAX_ERRORS:
        return diagnostics
    kept = sorted((d for d in diagnostics if d.code != "E118"), key=Diagnostic.sort_key)
    return kept[:MAX_SYNTAX_ERRORS] + [_too_many(source)]


def _too_many(source: SourceFile) -> Diagnostic:
    return diag("E118", source.end_span(),
                f"too many syntax errors; stopped after {MAX_SYNTAX_ERRORS}",
                hint="fix the errors above and run again")


def parse_text(text: str, path: str = "<string>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse a string (for tests and tools that hold text, not files)."""
    return parse(SourceFile(path, text))


def _comment(source: SourceFile, token: Token) -> ast.Comment:
    return ast.Comment.make(span=token_span(source, token), text=token.value.rstrip())


class _Recovery:
    """Panic-mode recovery: record an error, then skip or unwind to a statement boundary."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self._last_error_end = -1
        self._last_error_line = -1
        self._dropped = 0

    def on_error(self, error: UnexpectedInput) -> bool:
        if len(self.diagnostics) >= MAX_SYNTAX_ERRORS:
            return False
        self._dropped += 1
        if self._dropped > MAX_DROPPED_TOKENS:
            line = max(error.line, 1)
            span = Span(file=self.source.path, line=line, column=max(error.column, 1),
                        end_line=line, end_column=max(error.column, 1) + 1)
            self.diagnostics.append(diag(
                "E118", span, "stopped reading here: too much of this file is not playbook text",
                hint="fix the errors above and run again"))
            return False
        if isinstance(error, UnexpectedCharacters):
            self._unexpected_character(error)
            return len(self.diagnostics) < MAX_SYNTAX_ERRORS or self._give_up()
        if isinstance(error, UnexpectedToken):
            return self._unexpected_token(error)
        return False

    def _give_up(self) -> bool:
        self.diagnostics.append(_too_many(self.source))
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
            return _close_blocks_until(parser, "$END", self.source)
        if not self._continues_last_error(token.start_pos) and token.line != self._last_error_line:
            self._record(describe_unexpected_token(self.source, parser, token))
            self._last_error_line = token.line
        self._last_error_end = token.end_pos
        if not _repair(parser, token):
            _resynchronise(parser, token, self.source)
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
    if char in "‘’'":
        return 'strings use double quotes: "..."'
    ascii_form = unicodedata.normalize("NFKC", char)
    if unicodedata.east_asian_width(char) == "F" and ascii_form.isascii():
        shown = "a space" if ascii_form == " " else f"`{ascii_form}`"
        return f"this is a full-width character; write {shown} instead"
    return None


def _unwind_to_accept(parser: InteractiveParser, token_type: str) -> bool:
    """Pop parser states until `token_type` can be shifted; False (nothing popped) if none can."""
    for keep in range(stack_depth(parser) - 1, 0, -1):
        if accepted_below(parser, keep, token_type):
            unwind(parser, keep)
            return True
    return False


def _repair(parser: InteractiveParser, token: Token) -> bool:
    """Mend a catalogued mistake in place, so the rest of the statement parses as meant."""
    label = catalogue_label(parser)
    if label == "missing-via" and token.type == "NAME":
        tokens = [Token.new_borrow_pos("VIA", "via", token), token]
    elif label == "split-arm-share" and token.type == "NUMBER":
        tokens = [Token.new_borrow_pos("PERCENT", f"{token}%", token)]
    elif label == "split-arm-share" and token.type == "NAME":
        tokens = [Token.new_borrow_pos("PERCENT", "0%", token), token]
    elif token.type == "NUMBER" and "DURATION" in parser.accepts():
        tokens = [Token.new_borrow_pos("DURATION", f"{token}d", token)]
    else:
        return False
    try:
        for each in tokens:
            parser.feed_token(each)
    except UnexpectedToken:
        return False
    return True


def _resynchronise(parser: InteractiveParser, token: Token, source: SourceFile) -> None:
    """Make the parser take a statement-starting token; any other token is dropped."""
    previous = previous_token(parser)
    tokens, probe = [token], token.type
    if token.type in ("ON", "WHEN") and previous is not None and previous.type == "EXIT":
        # `exit on` / `exit when` after a step: re-read it as the clause, where clauses go.
        tokens, probe = [previous, token], "AUDIENCE"
    if token.type in DECL_KEYWORDS:
        # A declaration inside a block means a `}` is missing: close blocks, keep their content.
        ready = _close_blocks_until(parser, token.type, source)
    elif probe in SYNC_TOKENS:
        ready = _unwind_to_accept(parser, probe)
    else:
        return
    if ready:
        try:
            for each in tokens:
                parser.feed_token(each)
        except UnexpectedToken:
            pass  # the state could not take it after all: the token is dropped


def _close_blocks_until(parser: InteractiveParser, token_type: str, source: SourceFile) -> bool:
    """Close open blocks (and drop unfinished statements) until `token_type` is accepted."""
    while True:
        choices = parser.choices()
        if token_type in choices:
            return True
        if "RBRACE" in choices:
            end = source.end_span()
            brace = Token("RBRACE", "}", start_pos=len(source.text), line=end.line,
                          column=end.column, end_line=end.line, end_column=end.column)
            try:
                parser.feed_token(brace)
                continue
            except UnexpectedToken:
                pass  # a reduction the lookahead promised did not lead to a shift
        depth = stack_depth(parser)
        if depth <= 1:
            return False
        unwind(parser, depth - 1)

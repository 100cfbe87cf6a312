"""Property tests: whatever a file holds, loading it returns diagnostics with valid spans.

Each drawn input is written to a file and loaded with `sopdsl.api.load`, so reading, parsing,
building and every later stage run on it exactly as `sopdsl check` runs them.
"""

from __future__ import annotations

import functools
import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lark.lexer import PatternRE, PatternStr

from sopdsl.api import load
from sopdsl.syntax.files import display_path
from sopdsl.syntax.lalr import lark_parser
from sopdsl.syntax.parser import MAX_SYNTAX_ERRORS
from strategies import programs

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
_counter = itertools.count()
_folder = Path(tempfile.mkdtemp(prefix="sopdsl-properties-"))
# Codes the parser reports per syntax error, as opposed to reading errors and E118 itself.
_READING_CODES = {"E100", "E101", "E102", "E103", "E104", "E118"}


def _load_bytes(data: bytes):
    path = _folder / f"case{next(_counter)}.sop"
    path.write_bytes(data)
    return path, load(path)


def assert_valid_diagnostics(data: bytes) -> None:
    """Load `data` from a file: no exception, and every diagnostic points into that file."""
    path, program = _load_bytes(data)
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1  # \r ends lines too
    for d in program.diagnostics:
        span = d.span
        assert span.file == display_path(path), d
        assert 1 <= span.line <= span.end_line <= lines + 1, d
        assert span.column >= 1, d
        assert (span.end_line, span.end_column) > (span.line, span.column), d
        assert d.message and "\n" not in d.message, d
    syntax = [d for d in program.diagnostics
              if d.code.startswith("E1") and d.code not in _READING_CODES]
    assert len(syntax) <= MAX_SYNTAX_ERRORS


@functools.cache
def _terminal_lexemes() -> st.SearchStrategy[str]:
    """Sample spellings of every terminal of the grammar: keywords as written, regexes drawn."""
    options = []
    for terminal in lark_parser().terminals:
        pattern = terminal.pattern
        if isinstance(pattern, PatternStr):
            options.append(st.just(pattern.value))
        elif isinstance(pattern, PatternRE):
            options.append(st.from_regex(pattern.to_regexp(), fullmatch=True).map(
                lambda text: text[:40]))
    return st.one_of(options)


_GAPS = st.sampled_from([" ", " ", " ", "\n", "\n  ", "", "\t", " # c\n", ";"])


@st.composite
def token_soups(draw) -> str:
    """Random sequences of the grammar's own tokens, with random blanks between them."""
    tokens = draw(st.lists(_terminal_lexemes(), max_size=40))
    return "".join(token + draw(_GAPS) for token in tokens)


@st.composite
def damaged_programs(draw) -> str:
    """A valid program with a slice cut out and a random token put in its place."""
    text = draw(programs(messy=False, max_decls=3))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 30)))
    return text[:start] + draw(st.one_of(st.just(""), _terminal_lexemes())) + text[end:]


@PROPERTY_SETTINGS
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=300))
def test_random_text_gives_valid_diagnostics(text: str) -> None:
    """Arbitrary Unicode text loads without raising and with spans inside the file."""
    assert_valid_diagnostics(text.encode("utf-8"))


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_give_valid_diagnostics(data: bytes) -> None:
    """Arbitrary bytes (binary, invalid UTF-8, NUL) load without raising."""
    assert_valid_diagnostics(data)


@PROPERTY_SETTINGS
@given(token_soups())
@example("\r\r month ")
def test_token_soups_give_valid_diagnostics(text: str) -> None:
    """Random sequences of the grammar's own tokens load without raising."""
    assert_valid_diagnostics(text.encode("utf-8"))


@PROPERTY_SETTINGS
@given(damaged_programs())
def test_damaged_programs_give_valid_diagnostics(text: str) -> None:
    """Valid programs with a random cut and insertion load without raising."""
    assert_valid_diagnostics(text.encode("utf-8"))


def test_many_errors_stop_at_the_limit() -> None:
    """A file with a mistake on every line reports at most the limit, then E118."""
    text = "".join(f"journey j{i} {{ when friend_added send c{i} group }}\n" for i in range(40))
    _, program = _load_bytes(text.encode("utf-8"))
    codes = [d.code for d in program.diagnostics]
    assert codes.count("E111") == MAX_SYNTAX_ERRORS
    assert codes[-1] == "E118"

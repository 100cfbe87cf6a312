"""The Lark internals sopdsl relies on (sopdsl/syntax/lark_internals.py) are where they were.

pyproject.toml pins lark to the minor version they were written against. When a Lark release
moves one of them, these tests say which, so the pin is not raised blindly.
"""

from __future__ import annotations

import importlib
import inspect

import lark
import pytest
from lark.exceptions import UnexpectedToken

from sopdsl.syntax.lalr import lark_parser
from sopdsl.syntax.lark_internals import (
    accepted_below, kept_children, parse_with_callbacks, shifted_values, stack_depth, state_of,
    unwind,
)
from sopdsl.syntax.parser import parse_text
from sopdsl.syntax.reductions import build_declarations

MOVED = (f"Lark {lark.__version__} changed an internal sopdsl/syntax/lark_internals.py relies "
         "on: {what}. Adapt that module (and keep tests/test_reductions.py passing) before "
         "raising the lark pin in pyproject.toml.")


@pytest.mark.parametrize(("module", "name"), [
    ("lark.parsers.lalr_parser", "_Parser"),
    ("lark.lexer", "LexerThread"),
    ("lark.parse_tree_builder", "maybe_create_child_filter"),
    ("lark.parse_tree_builder", "ChildFilterLALR"),
    ("lark.parse_tree_builder", "ChildFilterLALR_NoPlaceholders"),
])
def test_the_internal_names_exist(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), MOVED.format(what=f"{module}.{name}")


def test_the_table_parser_takes_a_parse_table_and_callbacks() -> None:
    from lark.lexer import LexerThread
    from lark.parsers.lalr_parser import _Parser

    what = "_Parser(parse_table, callbacks).parse(lexer_thread, start)"
    assert list(inspect.signature(_Parser).parameters)[:2] == ["parse_table", "callbacks"], \
        MOVED.format(what=what)
    assert hasattr(LexerThread, "from_text"), MOVED.format(what="LexerThread.from_text")
    frontend = lark_parser().parser
    assert hasattr(frontend.parser.parser, "parse_table") and hasattr(frontend, "lexer"), \
        MOVED.format(what="the frontend's parser.parser.parse_table and lexer")


def test_every_rule_has_a_child_choice_the_reductions_understand() -> None:
    """`kept_children` reads Lark's child filter for every rule of the grammar."""
    try:
        shapes = [kept_children(rule) for rule in lark_parser().rules]
    except (TypeError, ValueError, AttributeError) as error:
        pytest.fail(MOVED.format(what=f"the tree builder's child filters ({error})"))
    assert shapes


def test_reductions_run_on_the_tables() -> None:
    """A reduction per rule, run over the shared parser's tables, sees every rule once."""
    seen = []

    def reduce(rule):
        return lambda values: seen.append(rule) or values

    callbacks = {rule: reduce(rule) for rule in lark_parser().rules}
    parse_with_callbacks(lark_parser(), 'role guide "导购"\n', callbacks)
    assert seen, MOVED.format(what="running the LALR tables with other callbacks")
    assert build_declarations('role guide "导购"\n', "x.sop") is not None


def test_the_interactive_parser_exposes_its_stacks() -> None:
    """Recovery reads and unwinds the state and value stacks of the parser `on_error` gets."""
    found = {}

    def on_error(error) -> bool:
        if isinstance(error, UnexpectedToken) and not found:
            parser = error.interactive_parser
            depth = stack_depth(parser)
            found.update(depth=depth, state=state_of(parser), error_state=state_of(error.state),
                         values=len(shifted_values(parser)),
                         takes_role=accepted_below(parser, 1, "ROLE"))
            unwind(parser, depth - 1)
            found["after"] = stack_depth(parser)
        return False

    with pytest.raises(lark.exceptions.UnexpectedInput):
        lark_parser().parse('role guide "a"\njourney j { when friend_added send }\n',
                            on_error=on_error)
    assert found, MOVED.format(what="on_error and its interactive parser")
    assert found["state"] == found["error_state"], MOVED.format(what="the parser state's position")
    assert found["values"] == found["depth"] - 1 and found["after"] == found["depth"] - 1, \
        MOVED.format(what="the interactive parser's state_stack and value_stack")
    assert found["takes_role"], MOVED.format(what="the parse table's states")


def test_recovery_still_reports_every_error() -> None:
    """Two broken statements give two diagnostics: recovery unwound and went on."""
    _, diagnostics = parse_text('journey a { when friend_added send }\n'
                                'journey b { when friend_added wait }\n')
    assert len(diagnostics) == 2, MOVED.format(what="recovery through the interactive parser")

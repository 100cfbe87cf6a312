"""The Lark internals the parser relies on, all here, each for a reason the public API cannot meet.

Everything else goes through Lark's public interfaces: `Lark.parse(text, on_error=...)`, the
interactive parser it hands to `on_error` (`feed_token`, `accepts`, `choices`) and the
grammar's `rules` and `terminals`. What is here:

* Running the LALR tables with sopdsl's own reductions (`lalr_parser._Parser` over the
  frontend's parse table and lexer), so the AST is built during the parse. The public
  `transformer=` option cannot replace it: to give a rule its position (keywords included) it
  still makes a tree and a `Meta` per rule, and that alone costs as much as building the whole
  AST this way (benchmarks/RESULTS.md, "Lark's public interfaces").
* Lark's choice of the children a rule keeps (`parse_tree_builder.maybe_create_child_filter`),
  so a reduction keeps exactly what a tree would.
* The interactive parser's state and value stacks, for panic-mode recovery (unwinding to a
  state that takes a statement's first token) and to name the token before an error and the
  block still open.

pyproject.toml pins lark to the minor version this was written against; tests/
test_lark_internals.py fails, naming what moved, when a Lark release changes one of these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Lark, Token
from lark.grammar import Rule
from lark.lexer import LexerThread
from lark.parse_tree_builder import (
    ChildFilterLALR, ChildFilterLALR_NoPlaceholders, maybe_create_child_filter,
)
from lark.parsers.lalr_parser import _Parser

# A kept child: (index in the rule's expansion, spliced in as an inlined rule's children,
# placeholders for missing `[...]` items before it).
Kept = tuple[int, bool, int]


def parse_with_callbacks(parser: Lark, text: str,
                         callbacks: dict[Rule, Callable[[list], object]]) -> object:
    """Run `parser`'s tables and lexer (its lexer callbacks included) over `text`, reducing
    each rule with `callbacks`; what the start rule's callback returns. Raises Lark's
    UnexpectedInput at the first error."""
    frontend = parser.parser
    tables = _Parser(frontend.parser.parser.parse_table, callbacks)
    return tables.parse(LexerThread.from_text(frontend.lexer, text), "start")


def kept_children(rule: Rule) -> tuple[tuple[Kept, ...], int]:
    """The children Lark's tree builder keeps for `rule`, and the placeholders after them."""
    child_filter = maybe_create_child_filter(
        rule.expansion, rule.options.keep_all_tokens, False, rule.options.empty_indices)
    if child_filter is None:
        return tuple((index, False, 0) for index in range(len(rule.expansion))), 0
    if child_filter.func is ChildFilterLALR:
        include, trailing = child_filter.args
        return tuple(include), trailing
    if child_filter.func is ChildFilterLALR_NoPlaceholders:
        (include,) = child_filter.args
        return tuple((index, splice, 0) for index, splice in include), 0
    raise TypeError(f"unexpected child filter for {rule}: {child_filter.func}")


def state_of(parser: Any) -> int:
    """The parser's current state (an interactive parser, or an UnexpectedToken's `state`)."""
    state = getattr(parser, "parser_state", parser)
    return state.position


def stack_depth(parser: Any) -> int:
    """How many states the interactive parser's stack holds."""
    return len(parser.parser_state.state_stack)


def accepted_below(parser: Any, depth: int, token_type: str) -> bool:
    """True when the state `depth` places from the bottom of the stack takes `token_type`."""
    state = parser.parser_state
    return token_type in state.parse_conf.parse_table.states[state.state_stack[depth - 1]]


def unwind(parser: Any, depth: int) -> None:
    """Drop the states above `depth` and the values they made (at least one state stays)."""
    state = parser.parser_state
    del state.state_stack[depth:]
    del state.value_stack[depth - 1:]


def shifted_values(parser: Any) -> list[Token | Any]:
    """What the parser has shifted and reduced so far, oldest first (tokens and trees)."""
    return parser.parser_state.value_stack

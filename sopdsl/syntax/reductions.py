"""Build the AST while Lark parses: each reduction makes its node, no parse tree in between.

This is the parser's path for text that parses cleanly (almost every file, almost every time).
Each rule's span is what Lark's `propagate_positions` gives its tree: from the first to the
last token the rule read, keywords included, where a `?rule` that kept only its child stretches
that child's reach but not its span. The nesting the tree would have is counted too, so that a
file past the E121 limit can be handed to the tree path, which reports it, like any file with
a syntax error or an invalid literal.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from lark.grammar import Rule

from sopdsl.syntax import ast
from sopdsl.syntax.builder import MAX_TREE_DEPTH, RuleBuilder, rule_methods, terminal_methods
from sopdsl.syntax.lalr import lark_parser, parse_with_callbacks
from sopdsl.syntax.lark_internals import kept_children

# How a rule's reduction shapes its result (as Lark's tree builder would).
_INLINED = 0  # `_rule`: its children join its parent's
_COLLAPSIBLE = 1  # `?rule`: its only child stands for it
_NODE = 2  # every other rule: a node of the rule's own method


class _Built:
    """A reduction's value with the reach of the text it was read from and its tree height.

    `line` is 0 when the rule read no token at all.
    """

    __slots__ = ("value", "line", "column", "end_line", "end_column", "height")

    def __init__(self, value: object, first: object, last: object, height: int) -> None:
        self.value = value
        if first is None:
            self.line = self.column = self.end_line = self.end_column = 0
        else:
            self.line, self.column = first.line, first.column
            self.end_line, self.end_column = last.end_line, last.end_column
        self.height = height


def build_declarations(text: str, path: str) -> tuple[list[ast.Decl], RuleBuilder] | None:
    """The declarations of `text` and the builder that made them, or None when the tree path
    must take the file: it nests past MAX_TREE_DEPTH (the parse tree's `start` adds a level).

    Raises Lark's UnexpectedInput at the first syntax error.
    """
    session = _session()
    builder = session.builder = RuleBuilder(path)
    try:
        built = parse_with_callbacks(text, session.callbacks)
    finally:
        session.builder = None
    if built.height > MAX_TREE_DEPTH + 1:
        return None
    return built.value, builder


class _Session:
    """One thread's reductions, made once, and the builder of the parse under way there."""

    def __init__(self) -> None:
        self.builder: RuleBuilder | None = None
        self.callbacks = {rule: _reduction(self, *shape) for rule, shape in _shapes().items()}


_threads = threading.local()


def _session() -> _Session:
    session = getattr(_threads, "session", None)
    if session is None:
        session = _threads.session = _Session()
    return session


def _reduction(session: _Session, kind: int, method: Callable | None,
               include: tuple[tuple[int, bool, int], ...], trailing_nones: int
               ) -> Callable[[list], _Built]:
    terminals = terminal_methods()
    if kind != _NODE and include == ((0, False, 0),) and not trailing_nones:
        return _passing_reduction(session, kind == _INLINED)

    def reduce(stack_values: list) -> _Built:
        builder = session.builder
        height = 0  # values a rule leaves out are tokens: the kept ones tell the height
        children: list = []
        for index, splice, nones in include:
            if nones:
                children += [None] * nones
            value = stack_values[index]
            if value.__class__ is _Built:
                if value.height > height:
                    height = value.height
                if splice and not children:
                    # Take over the list a left-recursive `x*` grows, as Lark's tree builder
                    # does: copying it at every item made a file's parse quadratic.
                    children = value.value
                elif splice:
                    children += value.value
                else:
                    children.append(value.value)
            elif value.type in terminals:
                children.append(terminals[value.type](builder, value))
            else:
                children.append(value)
        if trailing_nones:
            children += [None] * trailing_nones
        first, last = _reach(stack_values)
        if kind == _INLINED or (kind == _COLLAPSIBLE and len(children) == 1):
            return _Built(children if kind == _INLINED else children[0], first, last, height)
        if first is None:
            span = builder.make_span(1, 1, 1, 2)
        else:
            span = builder.make_span(first.line, first.column, last.end_line, last.end_column)
        return _Built(method(builder, span, children), first, last, height + 1)

    return reduce


def _reach(stack_values: list) -> tuple[object, object] | tuple[None, None]:
    """The first and last stack values that read any text (a token, or a rule that read one)."""
    if not stack_values:
        return None, None
    first, last = stack_values[0], stack_values[-1]
    if first.line and last.line:
        return first, last
    read = [value for value in stack_values if value.line]
    return (read[0], read[-1]) if read else (None, None)


def _passing_reduction(session: _Session, inlined: bool) -> Callable[[list], _Built]:
    """The reduction of a rule that reads one symbol and stands for it (`?expr: or_expr`)."""
    terminals = terminal_methods()

    def reduce(stack_values: list) -> _Built:
        (value,) = stack_values
        if value.__class__ is _Built:
            return _Built([value.value], value, value, value.height) if inlined else value
        if value.type in terminals:
            built = _Built(terminals[value.type](session.builder, value), value, value, 0)
        else:
            built = _Built(value, value, value, 0)
        if inlined:
            built.value = [built.value]
        return built

    return reduce


@functools.cache
def _shapes() -> dict[Rule, tuple[int, Callable | None, tuple[tuple[int, bool, int], ...], int]]:
    """Per grammar rule: its kind, its builder method, which stack values it keeps (index,
    whether spliced, placeholders before it) and the placeholders after them."""
    methods = rule_methods()
    shapes = {}
    for rule in lark_parser().rules:
        name = str(rule.alias or rule.origin.name)
        if name.startswith("_"):
            kind = _INLINED
        elif rule.options.expand1 and not rule.alias:
            kind = _COLLAPSIBLE
        else:
            kind = _NODE
        shapes[rule] = (kind, methods.get(name), *kept_children(rule))
    return shapes

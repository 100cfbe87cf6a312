"""Lay a module out as canonical lines, each tied to the source range it was printed from.

The source ranges let comments and blank lines be re-attached by position afterwards. The
AST has no spans for braces and arm keywords, so they are found in the source text: only
blanks, `;` and comments can separate them from the node printed before them.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sopdsl.syntax import ast
from sopdsl.fmt.exprs import expr_text
from sopdsl.fmt.statements import (
    CLAUSE_RANK, SETTING_RANK, clause_text, content_field_text, decl_text, escalation_text,
    sc_item_text, setting_text, step_text,
)
from sopdsl.syntax.source import Span
from sopdsl.errors import SopdslError

MAX_WIDTH = 100
INDENT = "  "

_TRIVIA = re.compile(r"(?:\s|;|#[^\n]*)*")


class LayoutError(SopdslError):
    """The AST and the source text disagree (a parser or builder bug, never bad input)."""


@dataclass
class Note:
    """A comment on its own output line."""

    text: str
    blank: bool = False


@dataclass(eq=False)
class Line:
    """One output line of code and the comments re-attached to it."""

    depth: int
    text: str
    start: int  # source offset of the first token printed on this line
    end: int  # source offset just past the last token printed on this line
    closes: bool = False  # starts with `}`: comments before it belong inside the block
    opens: bool = False  # ends with `{` or `above ...:`: what follows is one level deeper
    rank: int | None = None  # canonical place among reorderable siblings
    decl_block: bool | None = None  # first line of a top-level declaration: spans lines?
    opener: Line | None = None  # for a `}` line, the line whose `{` it closes
    leading: list[Note] = field(default_factory=list)
    trailing: str | None = None
    continued: list[str] = field(default_factory=list)  # own-line comments under `trailing`
    blank: bool = False


class SourceIndex:
    """Offsets, lines and the tokens between AST nodes of one source text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0]
        newline = text.find("\n")
        while newline >= 0:
            self._line_starts.append(newline + 1)
            newline = text.find("\n", newline + 1)

    def offset(self, line: int, column: int) -> int:
        return self._line_starts[line - 1] + column - 1

    def begin(self, span: Span) -> int:
        return self.offset(span.line, span.column)

    def end(self, span: Span) -> int:
        return self.offset(span.end_line, span.end_column)

    def line_at(self, offset: int) -> int:
        """The 1-based line holding `offset`."""
        return bisect.bisect_right(self._line_starts, offset)

    def display_column(self, offset: int) -> int:
        """Terminal columns before `offset` on its line."""
        return display_width(self.text[self._line_starts[self.line_at(offset) - 1]:offset])

    def expect(self, offset: int, token: str) -> int:
        """Where `token` is: the first thing after `offset` but blanks, `;` and comments."""
        position = _TRIVIA.match(self.text, offset).end()
        if not self.text.startswith(token, position):
            found = self.text[position:position + 20]
            raise LayoutError(f"expected `{token}` at offset {position}, found {found!r}")
        return position


def display_width(text: str) -> int:
    """Terminal columns of `text`: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def layout(module: ast.Module, source: SourceIndex, comment_offsets: Sequence[int]) -> list[Line]:
    """The module as lines in source order, ending with an empty end-of-file line."""
    printer = _Printer(source, comment_offsets)
    for decl in module.decls:
        printer.declaration(decl)
    end = len(source.text)
    printer.lines.append(Line(depth=0, text="", start=end, end=end))
    return printer.lines


class _Printer:
    """Appends lines; the last line stays open for ` {`, ` }`, ` else` to be added to it."""

    def __init__(self, source: SourceIndex, comment_offsets: Sequence[int]) -> None:
        self.src = source
        self.comment_offsets = comment_offsets
        self.lines: list[Line] = []
        self.cursor = 0  # source offset just past the last token printed

    # ---- line primitives ------------------------------------------------------------

    def start(self, depth: int, text: str, begin: int, end: int, **flags: object) -> Line:
        line = Line(depth=depth, text=text, start=begin, end=end, **flags)
        self.lines.append(line)
        self.cursor = end
        return line

    def extend(self, text: str, end: int) -> None:
        self.lines[-1].text += text
        self.lines[-1].end = end
        self.cursor = end

    def node_line(self, depth: int, text: str, node: ast.Node, **flags: object) -> Line:
        return self.start(depth, text, self.src.begin(node.span), self.src.end(node.span), **flags)

    def head_line(self, depth: int, text: str, node: ast.Node) -> Line:
        """The header of a block statement, up to the last token before its `{`."""
        return self.start(depth, text, self.src.begin(node.span),
                          self.src.end(_head_end(node).span))

    def has_comment(self, begin: int, end: int) -> bool:
        index = bisect.bisect_left(self.comment_offsets, begin)
        return index < len(self.comment_offsets) and self.comment_offsets[index] < end

    def block(self, depth: int, items: Sequence[object],
              item: Callable[[object, int], None]) -> None:
        """` {`, the items one level deeper, `}` (the open line); `{ }` when empty."""
        brace = self.src.expect(self.cursor, "{")
        if not items:
            close = self.src.expect(brace + 1, "}")
            if not self.has_comment(brace, close):
                self.extend(" { }", close + 1)
                return
        opener = self.lines[-1]
        self.extend(" {", brace + 1)
        opener.opens = True
        for each in items:
            item(each, depth + 1)
        close = self.src.expect(self.cursor, "}")
        self.start(depth, "}", close, close + 1, closes=True, opener=opener)

    # ---- declarations ---------------------------------------------------------------

    def declaration(self, decl: ast.Decl) -> None:
        first = len(self.lines)
        text = decl_text(decl)
        match decl:
            case ast.PlaybookDecl():
                self.head_line(0, text, decl)
                self.block(0, decl.settings, self.setting)
            case ast.Journey():
                self.head_line(0, text, decl)
                self.block(0, [*decl.clauses, *decl.steps], self.journey_item)
            case ast.Scenario():
                self.head_line(0, text, decl)
                self.block(0, decl.items, self.sc_item)
            case ast.ContentDecl(has_block=True):
                self.content(decl, text)
            case _:
                self.node_line(0, text, decl)
        self.lines[first].decl_block = len(self.lines) > first + 1

    def setting(self, setting: ast.PlaybookSetting, depth: int) -> None:
        self.node_line(depth, setting_text(setting), setting, rank=SETTING_RANK[type(setting)])

    def content(self, decl: ast.ContentDecl, text: str) -> None:
        """On one line when it fits and holds no comment, else one field per line."""
        head = self.head_line(0, text, decl)
        brace = self.src.expect(self.cursor, "{")
        after = self.src.end(decl.fields[-1].span) if decl.fields else brace + 1
        close = self.src.expect(after, "}")
        fields = "  ".join(content_field_text(f) for f in decl.fields)
        one_line = f"{head.text} {{ {fields} }}" if fields else f"{head.text} {{ }}"
        fits = "\n" not in one_line and display_width(one_line) <= MAX_WIDTH
        if fits and not self.has_comment(brace, close):
            head.text = one_line
            self.extend("", close + 1)
            return
        self.block(0, decl.fields, self.content_field)

    def content_field(self, content_field: ast.ContentField, depth: int) -> None:
        self.node_line(depth, content_field_text(content_field), content_field)

    # ---- journeys -------------------------------------------------------------------

    def journey_item(self, item: ast.Clause | ast.Step, depth: int) -> None:
        rank = CLAUSE_RANK.get(type(item))
        if rank is None:
            self.step(item, depth)
        else:
            self.node_line(depth, clause_text(item), item, rank=rank)

    def step(self, step: ast.Step, depth: int) -> None:
        text = (f"{step.label.name}: " if step.label is not None else "") + step_text(step)
        match step:
            case ast.If():
                self.if_step(step, text, depth)
            case ast.WaitFor(has_block=True):
                self.head_line(depth, text, step)
                arms = [(word, steps) for word, steps in (("then", step.then),
                                                          ("timeout", step.timeout))
                        if steps is not None]
                self.block(depth, arms, self.wait_arm)
            case ast.Split():
                self.head_line(depth, text, step)
                self.block(depth, step.arms, self.split_arm)
            case ast.RepeatN() | ast.RepeatUntil():
                self.head_line(depth, text, step)
                self.block(depth, step.steps, self.step)
            case ast.Task(escalation=escalation) if escalation:
                self.head_line(depth, text, step)
                if step.wall:
                    self.cursor = self.src.expect(self.cursor, "wall") + len("wall")
                keyword = self.src.expect(self.cursor, "escalate")
                self.extend(" escalate", keyword + len("escalate"))
                self.block(depth, escalation, self.escalation)
            case _:
                self.node_line(depth, text, step)

    def escalation(self, step: ast.Escalation, depth: int) -> None:
        self.node_line(depth, escalation_text(step), step)

    def if_step(self, step: ast.If, text: str, depth: int) -> None:
        first, *others = step.branches
        self.head_line(depth, text, step)
        self.block(depth, first.steps, self.step)
        for branch in others:
            self.extend(f" elif {expr_text(branch.condition)}", self.src.end(branch.condition.span))
            self.block(depth, branch.steps, self.step)
        if step.otherwise is not None:
            keyword = self.src.expect(self.cursor, "else")
            self.extend(" else", keyword + len("else"))
            self.block(depth, step.otherwise, self.step)

    def wait_arm(self, arm: tuple[str, list[ast.Step]], depth: int) -> None:
        word, steps = arm
        keyword = self.src.expect(self.cursor, word)
        self.start(depth, word, keyword, keyword + len(word))
        self.block(depth, steps, self.step)

    def split_arm(self, arm: ast.SplitArm, depth: int) -> None:
        self.head_line(depth, f"{arm.share.text} {arm.name.name}", arm)
        self.block(depth, arm.steps, self.step)

    # ---- scenarios ------------------------------------------------------------------

    def sc_item(self, item: ast.ScItem, depth: int) -> None:
        text = sc_item_text(item)
        match item:
            case ast.ScAbove():
                colon = self.src.expect(self.src.end(item.window.span), ":")
                self.start(depth, text, self.src.begin(item.span), colon + 1, opens=True)
                for each in item.items:
                    self.sc_item(each, depth + 1)
            case ast.ScSetting(block=None) | ast.ScStaff(block=None):
                self.node_line(depth, text, item)
            case (ast.ScSetting() | ast.ScStaff() | ast.ScChannel() | ast.ScPurpose()
                  | ast.ScEffect()):
                self.head_line(depth, text, item)
                self.block(depth, item.block, self.sc_item)
            case _:
                self.node_line(depth, text, item)


def _head_end(node: ast.Node) -> ast.Node:
    """The last node printed before a block statement's `{`."""
    match node:
        case ast.PlaybookDecl(title=title):
            return title
        case ast.Journey(name=name, title=title) | ast.ContentDecl(kind=name, title=title):
            return title or name
        case ast.Scenario(name=name) | ast.Split(name=name) | ast.SplitArm(name=name):
            return name
        case ast.If(branches=branches):
            return branches[0].condition
        case ast.WaitFor(within=last) | ast.RepeatN(every=last) | ast.RepeatUntil(max=last):
            return last
        case ast.Task(instruction=instruction, content=content, due=due):
            return due or content or instruction
        case ast.ScSetting(key=key, values=values):
            return values[-1] if values else key
        case ast.ScStaff(count=last) | ast.ScChannel(channel=last) | ast.ScPurpose(purpose=last):
            return last
        case ast.ScEffect(condition=condition):
            return condition
    raise TypeError(f"not a block statement: {type(node).__name__}")

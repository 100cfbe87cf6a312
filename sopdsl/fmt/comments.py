"""Re-attach comments and blank lines to laid-out lines, then render the final text.

A comment is *trailing* when it shares the source line on which a printed line's code ends,
*leading* when it sits on its own line before the next printed line (before a `}` it is
*dangling* and stays inside the block), and is hoisted to its own line before a statement
whose code it interrupted. Comments move with their line when clauses are reordered.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.fmt.layout import INDENT, Line, Note, SourceIndex, display_width

TRAILING_GAP = "  "


def attach(lines: list[Line], comments: list[ast.Comment], source: SourceIndex) -> None:
    """Give every comment to a line and mark where the source had blank lines."""
    ends = [line.end for line in lines]
    hoisted: dict[int, list[str]] = {}
    elements: list[tuple[int, int, Line | Note | None]] = [(l.start, l.end, l) for l in lines]
    last_trailing: tuple[Line, int, int] | None = None  # owner, source line, display column
    for comment in comments:
        begin, end = source.begin(comment.span), source.end(comment.span)
        index = bisect.bisect_right(ends, begin)
        line = lines[index]
        if line.start <= begin:
            hoisted.setdefault(index, []).append(comment.text)
            continue
        row, column = source.line_at(begin), source.display_column(begin)
        previous = lines[index - 1] if index else None
        note = None
        if previous is not None and source.line_at(previous.end - 1) == row:
            owner = _trailing_owner(previous, source)
            owner.trailing = comment.text
            last_trailing = (owner, row, column) if "\n" not in owner.text else None
        elif last_trailing is not None and last_trailing[1:] == (row - 1, column):
            last_trailing[0].continued.append(comment.text)
            last_trailing = (last_trailing[0], row, column)
        else:
            note = Note(comment.text)
            line.leading.append(note)
            last_trailing = None
        elements.append((begin, end, note))
    _mark_blank_lines(sorted(elements, key=lambda element: element[0]), source.text)
    for index, texts in hoisted.items():
        _hoist(lines[index], texts)


def _trailing_owner(line: Line, source: SourceIndex) -> Line:
    """A comment after a `}` goes to the line with its `{` when the block sat on one line."""
    if not line.text.endswith("}"):
        return line
    while (line.closes and line.opener is not None
           and source.line_at(line.opener.end - 1) == source.line_at(line.start)):
        line = line.opener
    return line


def _mark_blank_lines(elements: list[tuple[int, int, Line | Note | None]], text: str) -> None:
    previous_end = 0
    for begin, end, target in elements:
        if target is not None:
            target.blank = text.count("\n", previous_end, begin) >= 2
        previous_end = end


def _hoist(line: Line, texts: list[str]) -> None:
    """Comments from inside a line's code go on their own lines just before it."""
    notes = [Note(text) for text in texts]
    notes[0].blank, line.blank = line.blank, False
    line.leading.extend(notes)


def reorder(lines: list[Line]) -> bool:
    """Sort each run of ranked sibling lines (clauses, settings) stably; True if any moved."""
    moved = False
    index = 0
    while index < len(lines):
        stop = index
        while stop < len(lines) and lines[stop].rank is not None:
            stop += 1
        run = sorted(lines[index:stop], key=lambda line: line.rank)
        moved = moved or any(a is not b for a, b in zip(run, lines[index:stop]))
        lines[index:stop] = run
        index = stop + 1
    return moved


@dataclass
class _Row:
    depth: int
    text: str  # empty for a comment continuing the trailing comment above
    trailing: str | None = None


def render(lines: list[Line]) -> str:
    """The final text: indentation, blank lines, comments with aligned trailing ones."""
    rows = _rows(lines)
    widths = _aligned_widths(rows)
    out = []
    for row, width in zip(rows, widths):
        if row is None:
            out.append("")
            continue
        code = INDENT * row.depth + row.text
        if row.trailing is not None:
            code += " " * (width - display_width(row.text)) + TRAILING_GAP + row.trailing
        out.append(code)
    return "\n".join(out) + "\n" if out else ""


def _rows(lines: list[Line]) -> list[_Row | None]:
    """Rows of code and comments, None for a blank line."""
    rows: list[_Row | None] = []
    after_open = True  # the start of the file, like the start of a block, takes no blank line
    previous_block: bool | None = None
    for line in lines:
        force = False
        if line.decl_block is not None:
            force = previous_block is not None and (previous_block or line.decl_block)
            previous_block = line.decl_block
        note_depth = line.depth + 1 if line.closes else line.depth
        elements = [(note.text, note.blank, note_depth, None) for note in line.leading]
        if line.text:
            elements.append((line.text, line.blank and not line.closes, line.depth, line.trailing))
        for position, (text, blank, depth, trailing) in enumerate(elements):
            if (blank or (force and position == 0)) and not after_open:
                rows.append(None)
            rows.append(_Row(depth, text, trailing))
            after_open = False
        rows.extend(_Row(line.depth, "", text) for text in line.continued)
        if line.text:
            after_open = line.opens
    return rows


def _aligned_widths(rows: list[_Row | None]) -> list[int]:
    """Per row, the code width its trailing comment aligns to: the widest of its run.

    A run is consecutive one-line rows at one depth that all carry a trailing comment.
    """
    widths = [0] * len(rows)
    index = 0
    while index < len(rows):
        stop = index
        while stop < len(rows) and _alignable(rows[stop]) and rows[stop].depth == rows[index].depth:
            stop += 1
        stop = max(stop, index + 1)
        width = max(display_width(row.text) if row is not None else 0 for row in rows[index:stop])
        widths[index:stop] = [width] * (stop - index)
        index = stop
    return widths


def _alignable(row: _Row | None) -> bool:
    return row is not None and row.trailing is not None and "\n" not in row.text

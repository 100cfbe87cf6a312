"""Rows of CSV and JSON Lines data files, read one at a time, every problem at its line.

Only regular files are read (a FIFO or a device is E601 at once), a block of BLOCK_CHARS or a
line at a time and never more than MAX_LINE_CHARS of one line, so memory stays small whatever
the file holds.

CSV quoting is read strictly. A quote that is never closed would otherwise swallow every later
row into one field (their customers silently gone, their cells pasted into a message): it is
an error at the opening quote, and the file is not read further. Text after a closing quote
(`"a"b`) is an error at that text. A quoted field holding a line break is data, as RFC 4180
allows, when its quote is closed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sopdsl import jsontext
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.reading import LineTooLong, NotRegularFile, bounded_lines, open_regular
from sopdsl.syntax.files import display_path
from sopdsl.syntax.source import Span

MAX_PROBLEMS_PER_FILE = 50
MAX_LINE_CHARS = 1024 * 1024
# CSV is read in blocks of about this many characters while its lines are plain: without
# the characters the CSV reader gives a meaning other than data (quotes, carriage returns
# ending lines, NUL, which it refuses).
BLOCK_CHARS = 256 * 1024
_NOT_PLAIN = ('"', "\r", "\0")
_QUOTE_HINT = 'inside a quoted field a quote is written twice ("")'


# One problem as `DataProblems.report` takes it: code, file, line, message, hint, column.
Report = tuple[str, str, int, str, "str | None", int]


class DataProblems:
    """Diagnostics about data files, at most MAX_PROBLEMS_PER_FILE shown per file.

    `fatal` is set when the rest of the input cannot be trusted (rows out of order, a file
    that stops being readable): planning stops there.
    """

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.fatal = False
        self._counts: dict[str, int] = {}
        self._hidden: dict[str, int] = {}

    def report(self, code: str, file: str, line: int, message: str,
               hint: str | None = None, column: int = 1) -> None:
        """Record one problem at `file:line:column`."""
        shown = self._counts.get(file, 0)
        if shown < MAX_PROBLEMS_PER_FILE:
            self._counts[file] = shown + 1
            self.diagnostics.append(diag(code, _span(file, line, column), message, hint))
        elif code.startswith("E"):
            self._hidden[file] = self._hidden.get(file, 0) + 1

    def add(self, reports: list[Report]) -> None:
        """Report problems kept elsewhere, in their order."""
        for report in reports:
            self.report(*report)

    def finish(self) -> list[Diagnostic]:
        """Every diagnostic, with one line per file for the errors not shown."""
        out = list(self.diagnostics)
        for file, hidden in sorted(self._hidden.items()):
            out.append(diag("E611", _span(file, 1),
                            f"{hidden} more bad rows in this file are not shown",
                            hint="fix the ones shown and run again"))
        return out


def _span(file: str, line: int, column: int = 1) -> Span:
    return Span(file=file, line=line, column=column, end_line=line, end_column=column + 1)


class PlainBlock:
    """Lines of a CSV file with nothing but data in them, split at commas as the CSV reader
    splits them: `fields[i]` are line `first + i`'s (an empty line has none)."""

    __slots__ = ("name", "first", "header", "fields")

    def __init__(self, name: str, first: int, header: list[str],
                 fields: list[list[str]]) -> None:
        self.name, self.first, self.header, self.fields = name, first, header, fields

    def rows(self, problems: DataProblems) -> Iterator[tuple[int, dict[str, str]]]:
        """The block's (line, row) pairs, as `read_rows` gives them."""
        for number, fields in enumerate(self.fields, start=self.first):
            if (row := _row(fields, self.header, self.name, number, problems)) is not None:
                yield number, row


def read_rows(path: Path, problems: DataProblems) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) pairs of a CSV file with a header, or of a JSON Lines file of objects."""
    for item in read_blocks(path, problems):
        if isinstance(item, PlainBlock):
            yield from item.rows(problems)
        else:
            yield item


def read_blocks(path: Path, problems: DataProblems
                ) -> Iterator[PlainBlock | tuple[int, dict[str, Any]]]:
    """The rows of `read_rows`, those of plain CSV lines still in their blocks, for readers
    that can take a block at once."""
    name = display_path(path)
    try:
        binary = open_regular(path)
    except NotRegularFile as error:
        problems.report("E601", name, 1, f"cannot read the file: {error}",
                        hint="data files are read from regular files only")
        problems.fatal = True
        return
    except OSError as error:
        problems.report("E601", name, 1, f"cannot read the file: {error.strerror or error}")
        problems.fatal = True
        return
    with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as handle:
        try:
            if _is_json_lines(path, handle):
                yield from _json_rows(bounded_lines(handle, MAX_LINE_CHARS), name, problems)
            else:
                yield from _csv_rows(handle, name, problems)
        except UnicodeDecodeError as error:
            problems.report("E601", name, 1, f"file is not UTF-8 text ({error.reason})",
                            hint="save it as UTF-8 (iconv -f GBK -t UTF-8 converts GBK files)")
            problems.fatal = True
        except LineTooLong as error:
            problems.report("E606", name, error.line,
                            f"line longer than {MAX_LINE_CHARS:,} characters",
                            hint="data files are CSV or JSON Lines with one row per line")
            problems.fatal = True


def _is_json_lines(path: Path, handle: Any) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return True
    if suffix == ".csv":
        return False
    start = handle.read(1)
    handle.seek(0)
    return start == "{"


def _json_rows(lines: Iterator[str], name: str,
               problems: DataProblems) -> Iterator[tuple[int, dict]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            row = jsontext.loads(text)
        except json.JSONDecodeError as error:
            problems.report("E606", name, number, f"not a JSON object: {error.msg}")
            continue
        if not isinstance(row, dict):
            problems.report("E606", name, number, "each line must be one JSON object")
            continue
        yield number, row


class _RecordLines:
    """The lines the CSV reader takes, at most `limit` characters each (LineTooLong past
    it), keeping those of the record being read; `number` is the last line's number."""

    def __init__(self, handle: Any, limit: int, number: int = 0) -> None:
        self.readline, self.limit = handle.readline, limit
        self.number = number
        self.record: list[str] = []

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = self.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > self.limit:
            raise LineTooLong(self.number)
        self.record.append(line)
        return line


def _csv_rows(handle: Any, name: str,
              problems: DataProblems) -> Iterator[PlainBlock | tuple[int, dict]]:
    """The rows of a CSV file: blocks of plain lines split at commas, which is what the CSV
    reader makes of them; from the first other block on, the CSV reader with every check."""
    header: list[str] | None = None
    number = 0
    while True:
        start = handle.tell()
        lines = _plain_lines(handle)
        if lines is None:
            handle.seek(start)
            break
        if not lines:
            return
        fields = [text.split(",") if text else [] for text in lines]
        if header is None:
            header = [column.strip() for column in fields.pop(0)]
            number += 1
        if fields:
            yield PlainBlock(name, number + 1, header, fields)
            number += len(fields)
    yield from _careful_csv_rows(_RecordLines(handle, MAX_LINE_CHARS, number), name, problems,
                                 header)


def _plain_lines(handle: Any) -> list[str] | None:
    """The next block of whole lines (empty at the end of the file), None when it is not
    plain: a quote, a carriage return, a NUL, a line too long or bytes that are not UTF-8."""
    try:
        block = handle.read(BLOCK_CHARS)
        if block and not block.endswith("\n"):
            block += handle.readline(MAX_LINE_CHARS + 1)
    except UnicodeDecodeError:
        return None
    if not block:
        return []
    if any(char in block for char in _NOT_PLAIN):
        return None
    lines = block.split("\n")
    if block.endswith("\n"):
        lines.pop()
    if len(block) > MAX_LINE_CHARS and max(map(len, lines)) >= MAX_LINE_CHARS:
        return None
    return lines


def _careful_csv_rows(source: _RecordLines, name: str, problems: DataProblems,
                      header: list[str] | None) -> Iterator[tuple[int, dict]]:
    """The rows the CSV reader reads from `source` on, each problem at its line."""
    reader = csv.reader(source, strict=True)
    offset = source.number
    line = offset + 1
    while True:
        source.record = []
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            swallowed = len(source.record) > 1 or header is None
            _report_broken(problems, name, line, "".join(source.record), error)
            if swallowed:  # later rows were read into this one: none of them can be trusted
                problems.fatal = True
                return
            line = offset + reader.line_num + 1
            continue
        number, line = line, offset + reader.line_num + 1
        if header is None:
            header = [column.strip() for column in fields]
        elif (row := _row(fields, header, name, number, problems)) is not None:
            yield number, row


def _row(fields: list[str], header: list[str], name: str, number: int,
         problems: DataProblems) -> dict[str, str] | None:
    """A line's fields by column; None for a blank line, or one with more fields than
    columns (reported)."""
    if not any(fields):
        return None
    if len(fields) > len(header):
        problems.report("E606", name, number, f"{len(fields)} fields in a file with "
                        f"{len(header)} columns", hint="quote fields that hold commas")
        return None
    return dict(zip(header, fields))


def _report_broken(problems: DataProblems, name: str, line: int, text: str,
                   error: csv.Error) -> None:
    """Report a record the CSV reader refused, at its broken quote when there is one."""
    found = broken_quote(text)
    if found is None:
        problems.report("E606", name, line, f"not a CSV row: {error}")
        return
    (opened, open_column), (at, column), after = found
    if after is None:
        problems.report("E606", name, line + opened, "this quote is never closed: the field "
                        "runs to the end of the file, and the rows after it cannot be read",
                        hint=f"close the quote; {_QUOTE_HINT}", column=open_column)
    elif at == opened:
        problems.report("E606", name, line + at, f"`{after}` after the closing quote of a field",
                        hint=f"put a comma after the closing quote; {_QUOTE_HINT}",
                        column=column)
    else:
        problems.report("E606", name, line + opened,
                        f"the quoted field that starts here runs on to line {line + at}: is "
                        "its closing quote missing?",
                        hint=f"close the quote on this line; {_QUOTE_HINT}", column=open_column)


def broken_quote(text: str) -> tuple[tuple[int, int], tuple[int, int], str | None] | None:
    """Where the quoting of one CSV record breaks, None when it does not.

    The answer is the (line offset, column) of the quote that opened the broken field, the
    (line offset, column) of the character after its closing quote, and that character (None
    when the quote is never closed).
    """
    state, line, column = "start", 0, 0
    opened = (0, 0)
    previous = ""
    for char in text:
        if previous == "\r" and char == "\n":
            previous = char
            continue
        column += 1
        if state == "start" and char == '"':
            state, opened = "quoted", (line, column)
        elif state in ("start", "field"):
            state = "start" if char in ",\r\n" else "field"
        elif state == "quoted":
            state = "closing" if char == '"' else "quoted"
        elif char in '",\r\n':  # after a closing quote: a doubled quote, or the field's end
            state = "quoted" if char == '"' else "start"
        else:
            return opened, (line, column), char
        if char in "\r\n":
            line, column = line + 1, 0
        previous = char
    return (opened, (line, column), None) if state == "quoted" else None

"""Reading rows of data files: regular files only, bounded lines, strict CSV quoting."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from special_files import HANG_SECONDS, special, within

from sopdsl import data_rows
from sopdsl.data_rows import DataProblems, broken_quote, read_rows


def rows_of(tmp_path: Path, text: str, name: str = "c.csv") -> tuple[list, DataProblems]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    problems = DataProblems()
    return list(read_rows(path, problems)), problems


def located(problems: DataProblems) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in problems.finish()]


@pytest.mark.parametrize(("text", "found"), [
    ('1,"x\n2,y\n', ((0, 3), (2, 0), None)),  # never closed
    ('1,"x"y\n', ((0, 3), (0, 6), "y")),  # text after the closing quote
    ('1,"x\n2,"y",z\n', ((0, 3), (1, 4), "y")),  # closed on a later line by another quote
    ('"a"\r\n"b', ((1, 1), (1, 2), None)),  # \r\n counts as one line end
    ('1,"a""b",c\n', None), ('1,"a\nb",c\n', None), ('ab"c,d\n', None), ('"a"', None),
])
def test_broken_quote_positions(text, found):
    """Where the quoting breaks: the opening quote, the character after the closing one."""
    assert broken_quote(text) == found


@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00"),
                                 max_size=8), min_size=1, max_size=4), max_size=6),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_well_quoted_csv_is_never_broken(rows, ending):
    """Whatever the cells (quotes, commas, line breaks), CSV as a writer quotes it is never
    flagged, and reads back as written."""
    out = io.StringIO()
    csv.writer(out, lineterminator=ending, quoting=csv.QUOTE_NONNUMERIC).writerows(rows)
    assert broken_quote(out.getvalue()) is None
    # strict reading is what data_rows does; it must agree with the writer
    reader = csv.reader(io.StringIO(out.getvalue(), newline=""), strict=True)
    assert [row for row in reader] == [[str(cell) for cell in row] for row in rows]


def test_an_unclosed_quote_stops_the_file_at_its_line_and_column(tmp_path):
    """The quote that swallowed the later rows is E606 at its line and column, and fatal:
    no row after it is read, and nothing of them is handed on."""
    found, problems = rows_of(tmp_path, 'customer_id,name\nc1,a\nc2,"Wang\nc3,Li 13800000000\n')
    assert found == [(2, {"customer_id": "c1", "name": "a"})]
    assert located(problems) == [("E606", 3, 4)] and problems.fatal
    assert "never closed" in problems.diagnostics[0].message


def test_a_quote_closed_lines_later_by_another_field_is_fatal(tmp_path):
    """A missing closing quote that a later field's quote seems to close is reported at the
    opening quote, and the file stops there."""
    found, problems = rows_of(tmp_path, 'customer_id,name\nc1,"Wang\nc2,"Li",x\nc3,y\n')
    assert found == [] and problems.fatal
    assert located(problems) == [("E606", 2, 4)]
    assert "runs on to line 3" in problems.diagnostics[0].message


def test_text_after_a_closing_quote_skips_only_that_row(tmp_path):
    """`"a"b` on one line is E606 at the `b`; the next rows are read."""
    found, problems = rows_of(tmp_path, 'customer_id,name\nc1,"a"b\nc2,x\n')
    assert found == [(3, {"customer_id": "c2", "name": "x"})]
    assert located(problems) == [("E606", 2, 7)] and not problems.fatal


def test_quoted_line_breaks_that_close_are_data(tmp_path):
    """A closed quoted field over two lines is one cell; line numbers stay right after it."""
    found, problems = rows_of(tmp_path, 'customer_id,name\nc1,"王\n芳"\nc2,x\n')
    assert found == [(2, {"customer_id": "c1", "name": "王\n芳"}),
                     (4, {"customer_id": "c2", "name": "x"})]
    assert problems.finish() == []


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_every_line_ending_ends_a_row(tmp_path, ending):
    """Old Mac `\\r`, Windows `\\r\\n` and `\\n` files give the same rows and line numbers."""
    text = ending.join(["customer_id,name", "c1,a", "c2,b", ""])
    found, problems = rows_of(tmp_path, text)
    assert found == [(2, {"customer_id": "c1", "name": "a"}),
                     (3, {"customer_id": "c2", "name": "b"})]
    assert problems.finish() == []
    text = ending.join(['{"customer_id": "c1"}', "[1]", '{"customer_id": "c2"}', ""])
    found, problems = rows_of(tmp_path, text, name="c.jsonl")
    assert found == [(1, {"customer_id": "c1"}), (3, {"customer_id": "c2"})]
    assert located(problems) == [("E606", 2, 1)]


def test_an_overlong_line_stops_the_file(tmp_path, monkeypatch):
    """A line over MAX_LINE_CHARS is E606 at its line and fatal, without reading it whole."""
    monkeypatch.setattr(data_rows, "MAX_LINE_CHARS", 20)
    found, problems = rows_of(tmp_path, "customer_id,name\nc1,a\nc2," + "x" * 30 + "\n")
    assert [line for line, _ in found] == [2]
    assert located(problems) == [("E606", 3, 1)] and problems.fatal


@pytest.mark.parametrize("kind", ["fifo", "device", "socket", "folder"])
def test_special_files_are_e601_at_once(tmp_path, kind):
    """A FIFO (which would block), a device, a socket or a folder is E601, fatal, at once."""
    with special(tmp_path / "c.csv", kind) as path:
        problems = DataProblems()
        assert within(HANG_SECONDS, lambda: list(read_rows(path, problems))) == []
    assert located(problems) == [("E601", 1, 1)] and problems.fatal
    assert "not a regular file" in problems.diagnostics[0].message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(list('ab ,"\r\0é') + ["\n", "a,b\n", "x,y,z\n"]),
                    max_size=40).map("".join),
       block=st.integers(1, 16), limit=st.integers(4, 40))
def test_plain_blocks_read_as_the_csv_reader_does(tmp_path_factory, text, block, limit):
    """Rows, problems and where reading stops are the careful CSV reader's, whatever the
    blocks: quotes, carriage returns, NUL, empty lines, overlong lines, a missing last line
    end, bytes that are not UTF-8."""
    path = tmp_path_factory.mktemp("blocks") / "c.csv"
    path.write_bytes(text.encode("utf-8").replace("é".encode(), b"\xff"))
    found = {}
    for fast in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(data_rows, "BLOCK_CHARS", block)
            patch.setattr(data_rows, "MAX_LINE_CHARS", limit)
            if not fast:
                patch.setattr(data_rows, "_plain_lines", lambda handle: None)
            problems = DataProblems()
            rows = list(read_rows(path, problems))
            found[fast] = rows, located(problems), problems.fatal
    assert found[True] == found[False]

"""CSV cells that spreadsheets cannot run: neutralised text, numbers as numbers."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sopdsl.csv_cells import TRIGGERS, CsvWriter, cell_text, neutralise

TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=12)
# Texts that start with a trigger character, so the property below meets them often.
TRIGGERED = st.builds(lambda first, rest: first + rest, st.sampled_from(TRIGGERS), TEXT)


def written(rows: list[list[object]], ending: str = "\r\n") -> str:
    out = io.StringIO()
    CsvWriter(out, ending).writerows(rows)
    return out.getvalue()


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(("value", "cell"), [
    ('=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'),
    ("+1+1", "\"'+1+1\""), ("-2+3", "\"'-2+3\""), ("@SUM(1)", "\"'@SUM(1)\""),
    ("\t=1", "\"'\t=1\""), ("\r=1", "\"'\r=1\""),
    ("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""),
    ("-5", "\"'-5\""),  # text that looks like a number is still text
    ("a=1", "a=1"), ("王芳", "王芳"), ("a,b", '"a,b"'), ("", ""), (None, ""),
    (-3, "-3"), (-0.25, "-0.25"), (1e-05, "1e-05"),  # numbers sopdsl computed stay numbers
    (float("-inf"), "\"'-inf\""), (True, "True"),
])
def test_cells(value, cell):
    """Formula-looking text gets a quote in front and double quotes around it; finite
    numbers are written as they are."""
    assert cell_text(value) == cell


@given(st.lists(st.one_of(TEXT, TRIGGERED), min_size=1, max_size=6))
def test_any_text_reads_back_safe_and_whole(cells):
    """Whatever the text: no parsed cell starts with a trigger, and without the neutralising
    quote each cell is exactly what was written."""
    (row,) = parsed(written([cells]))
    assert not any(cell.startswith(TRIGGERS) for cell in row)
    assert [cell[1:] if text.startswith(TRIGGERS) else cell
            for cell, text in zip(row, cells)] == cells
    assert row == [neutralise(text) for text in cells]


@given(st.lists(st.lists(TEXT.filter(lambda t: not t.startswith(TRIGGERS)), min_size=1,
                         max_size=5), max_size=5))
def test_harmless_text_is_written_as_the_csv_module_writes_it(rows):
    """Text with nothing to neutralise is byte for byte what csv.writer gives (CRLF rows), so
    files without such cells are unchanged by the neutralising."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    assert written(rows) == out.getvalue()


def test_rows_end_with_the_given_line_ending():
    """daily.csv ends rows with \\n, plans with \\r\\n; one empty cell is still a row."""
    assert written([["a", 1], [""]], "\n") == 'a,1\n""\n'

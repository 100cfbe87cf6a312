"""CSV rows that spreadsheets read as data, never as formulas: every CSV sopdsl writes uses them.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and some treat a
leading tab or carriage return the same way), so a customer name such as
`=HYPERLINK("http://x","y")` in a plan's CSV would become a live link, or worse, in the CRM
user's Excel. Following OWASP's advice on CSV injection, such a cell is written with a single
quote in front and inside double quotes: `"'=HYPERLINK(""http://x"",""y"")"`.

Numbers sopdsl computes itself (a finite int or float, such as a forecast's `-0.4` interval
bound) are written as plain numbers: `-0.4` is a number to every spreadsheet, not a formula,
and quoting it would turn the column into text. Everything else, whatever it looks like, is
text: a customer id `-5` read from a data file is written `"'-5"`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import IO

__all__ = ("TRIGGERS", "CsvWriter", "cell_text", "neutralise")

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = frozenset(',"\r\n')


def neutralise(text: str) -> str:
    """The text with a single quote in front when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(TRIGGERS) else text


def cell_text(value: object) -> str:
    """One cell as CSV: a finite number as it is, any other value as neutralised text, quoted
    when neutralised or when it holds a comma, a quote or a line break."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return str(value)
    text = "" if value is None else str(value)
    safe = neutralise(text)
    if safe != text or not _NEEDS_QUOTES.isdisjoint(text):
        return '"' + safe.replace('"', '""') + '"'
    return text


class CsvWriter:
    """Writes rows of cells (see `cell_text`) with the given line ending."""

    def __init__(self, out: IO[str], lineterminator: str = "\r\n") -> None:
        self.out, self.lineterminator = out, lineterminator

    def writerow(self, cells: Iterable[object]) -> None:
        """Write one row."""
        row = [cell_text(cell) for cell in cells]
        # A row of one empty cell would be a blank line, which readers skip.
        line = '""' if row == [""] else ",".join(row)
        self.out.write(line + self.lineterminator)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write each row."""
        for row in rows:
            self.writerow(row)

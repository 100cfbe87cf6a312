"""Source files and spans: where every AST node and diagnostic points back to."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A region of one file: 1-based line and column (code points), end exclusive."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(
            file=self.file,
            line=self.line,
            column=self.column,
            end_line=other.end_line,
            end_column=other.end_column,
        )


class SourceFile:
    """The text of one playbook file, with line access for caret rendering."""

    __slots__ = ("path", "text", "_lines")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            # Only "\n" ends a line, as for the parser's line numbers (str.splitlines would
            # also split at \x0c, \x85, \u2028 and shift every line after them).
            lines = self.text.split("\n")
            if len(lines) > 1 and lines[-1] == "":
                lines.pop()
            self._lines = [line.removesuffix("\r") for line in lines]
        return self._lines

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, or "" past the end."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""

    def end_span(self) -> Span:
        """A one-character span at the end of the file, for errors at EOF."""
        line = len(self.lines)
        column = len(self.line(line)) + 1
        return Span(file=self.path, line=line, column=column, end_line=line, end_column=column + 1)

"""Source files and spans: where every AST node and diagnostic points back to."""

from __future__ import annotations

from typing import Any

from pydantic_core import core_schema

_FIELDS = ("file", "line", "column", "end_line", "end_column")


class Span:
    """A region of one file: 1-based line and column (code points), end exclusive.

    A plain immutable value (a third of all objects a parse makes are spans); pydantic models
    such as Diagnostic embed it as a field, validated from a Span or a mapping of its fields.
    """

    __slots__ = _FIELDS

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __init__(self, file: str, line: int, column: int, end_line: int, end_column: int) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError(f"a Span is immutable: cannot set `{name}`")

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"a Span is immutable: cannot delete `{name}`")

    def _key(self) -> tuple[str, int, int, int, int]:
        return (self.file, self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Span(file={self.file!r}, line={self.line!r}, column={self.column!r}, "
                f"end_line={self.end_line!r}, end_column={self.end_column!r})")

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __reduce__(self) -> tuple[type[Span], tuple[str, int, int, int, int]]:
        return (Span, self._key())

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Span:
        """A copy with some fields replaced (as for the pydantic models that embed spans)."""
        return Span(**{**self.model_dump(), **(update or {})})

    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict, in declaration order."""
        return dict(zip(_FIELDS, self._key()))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        fields = core_schema.typed_dict_schema({
            name: core_schema.typed_dict_field(
                core_schema.str_schema() if name == "file" else core_schema.int_schema())
            for name in _FIELDS
        })
        from_mapping = core_schema.chain_schema(
            [fields, core_schema.no_info_plain_validator_function(lambda data: cls(**data))])
        return core_schema.json_or_python_schema(
            json_schema=from_mapping,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_mapping]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                Span.model_dump, return_schema=fields),
        )


_set = object.__setattr__


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

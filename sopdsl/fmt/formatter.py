"""The canonical formatter behind `sopdsl fmt`: one layout, no options, and a safety net.

Like black, every changed result is checked before it is returned: the output must parse to
the same AST (journey clauses and playbook settings in canonical order), keep every comment,
and be left unchanged by a second pass. A failure is our bug, raised as FormatterError; the
caller's file is never written with broken text. An output equal to its input passes every
check by itself (it is the text just parsed), so an already canonical file is parsed once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic, has_errors
from sopdsl.fmt.comments import attach, render, reorder
from sopdsl.fmt.layout import LayoutError, SourceIndex, layout
from sopdsl.fmt.statements import CLAUSE_RANK, SETTING_RANK
from sopdsl.syntax.parser import parse_text
from sopdsl.errors import SopdslError


@dataclass(frozen=True)
class FormatResult:
    """The canonical text (None when refused), the parse diagnostics, and whether it changed."""

    text: str | None
    diagnostics: list[Diagnostic]
    changed: bool


class FormatterError(SopdslError):
    """The formatter's own output failed its safety checks: a bug in sopdsl, not in the input."""


def format_text(text: str, path: str = "<string>") -> FormatResult:
    """Format playbook text; a file with syntax errors is refused with its diagnostics."""
    module, diagnostics = parse_text(text, path)
    if module is None or has_errors(diagnostics):
        return FormatResult(text=None, diagnostics=diagnostics, changed=False)
    output, moved = _print(module, text, path)
    if output != text:
        _check(module, output, path, moved)
    return FormatResult(text=output, diagnostics=diagnostics, changed=output != text)


def canonical_meaning(module: ast.Module) -> list[object]:
    """The declarations without spans, clauses and settings in canonical order."""
    return [ast.without_spans(_canonical_order(decl)) for decl in module.decls]


def _print(module: ast.Module, text: str, path: str) -> tuple[str, bool]:
    """The formatted text, and whether clauses or settings were reordered."""
    source = SourceIndex(text)
    try:
        lines = layout(module, source, [source.begin(c.span) for c in module.comments])
    except LayoutError as error:
        raise FormatterError(f"{path}: internal error: the syntax tree does not match the "
                             f"source ({error}); please report this") from error
    attach(lines, module.comments, source)
    moved = reorder(lines)
    return render(lines), moved


def _check(original: ast.Module, output: str, path: str, moved: bool) -> None:
    reparsed, diagnostics = parse_text(output, path)
    if reparsed is None or has_errors(diagnostics):
        first = diagnostics[0].message if diagnostics else "nothing parsed"
        _fail(path, f"the formatted text does not parse ({first})")
    if canonical_meaning(reparsed) != canonical_meaning(original):
        _fail(path, "the formatted text does not mean the same as the input")
    before = [comment.text for comment in original.comments]
    after = [comment.text for comment in reparsed.comments]
    # Comments travel with reordered clauses, so only then may their order change.
    if (Counter(after) != Counter(before)) if moved else (after != before):
        _fail(path, "the formatted text lost, changed or reordered a comment")
    if _print(reparsed, output, path)[0] != output:
        _fail(path, "formatting the formatted text changes it again")


def _fail(path: str, problem: str) -> None:
    raise FormatterError(f"{path}: internal error: {problem}; the file was left as it was, "
                         "please report this")


def _canonical_order(decl: ast.Decl) -> ast.Decl:
    if isinstance(decl, ast.Journey):
        clauses = sorted(decl.clauses, key=lambda clause: CLAUSE_RANK[type(clause)])
        return decl.model_copy(update={"clauses": clauses})
    if isinstance(decl, ast.PlaybookDecl):
        settings = sorted(decl.settings, key=lambda setting: SETTING_RANK[type(setting)])
        return decl.model_copy(update={"settings": settings})
    return decl

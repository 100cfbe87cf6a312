"""Load a compilation unit: one file plus everything it imports, each file parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.reading import not_regular
from sopdsl.syntax.files import (
    EXTENSION, decode_source, display_path, empty_file_diagnostic, read_source,
)
from sopdsl.syntax.parser import parse
from sopdsl.syntax.source import SourceFile

ROOT_MARKERS = ("sopdsl.toml", "pyproject.toml", ".git")


def project_root(file: Path) -> Path:
    """The nearest ancestor holding sopdsl.toml, pyproject.toml or .git, else the file's folder."""
    folder = file.resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


@dataclass
class ParsedFile:
    """One file as read and parsed: its source (None if unreadable) and module."""

    path: Path
    source: SourceFile | None
    module: ast.Module | None
    diagnostics: list[Diagnostic]

    @property
    def has_syntax_errors(self) -> bool:
        return any(d.code.startswith("E1") for d in self.diagnostics)


@dataclass
class Unit:
    """A compilation unit: the entry file and its imports, in load order."""

    entry: Path
    root: Path
    files: list[ParsedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def modules(self) -> list[ast.Module]:
        return [f.module for f in self.files if f.module is not None]

    @property
    def sources(self) -> dict[str, SourceFile]:
        return {f.source.path: f.source for f in self.files if f.source is not None}

    @property
    def has_syntax_errors(self) -> bool:
        return any(f.has_syntax_errors for f in self.files)


class Loader:
    """Reads and parses files once per run, however many units import them."""

    def __init__(self) -> None:
        self._cache: dict[Path, ParsedFile] = {}
        self._texts: set[Path] = set()  # files given as text: they exist whatever the disk says

    def parsed(self, path: Path) -> ParsedFile:
        """The parsed file at `path` (read and parsed on first use)."""
        path = path.resolve()
        if path not in self._cache:
            self._cache[path] = _parse_file(path)
        return self._cache[path]

    def add_text(self, text: str, path: Path) -> Path:
        """Take `text` as the content of the file at `path` (which need not exist); its resolved path."""
        path = path.resolve()
        source = decode_source(text.encode("utf-8"), display_path(path))
        self._cache[path] = _parse_source(path, source)
        self._texts.add(path)
        return path

    def load(self, entry: Path, root: Path | None = None) -> Unit:
        """The unit of `entry`: follows imports breadth first, each file once."""
        entry = entry.resolve()
        unit = Unit(entry=entry, root=(root or project_root(entry)).resolve())
        queue, seen = [entry], {entry}
        while queue:
            parsed = self.parsed(queue.pop(0))
            unit.files.append(parsed)
            if parsed.module is None:
                continue
            for target in self._imports(unit, parsed):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return unit

    def _imports(self, unit: Unit, parsed: ParsedFile) -> list[Path]:
        targets = []
        for decl in parsed.module.decls:
            if not isinstance(decl, ast.ImportDecl):
                continue
            shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                            for c in decl.path.value[:80])
            try:
                target = (parsed.path.parent / decl.path.value).resolve()
                if target in self._texts:  # given as text: a playbook whatever the disk holds
                    exists, kind = True, None
                else:
                    exists, kind = target.exists(), not_regular(target)
            except (OSError, ValueError):  # NUL bytes, names too long for the file system
                target, exists, kind = parsed.path, False, None
            if not target.is_relative_to(unit.root):
                unit.diagnostics.append(diag(
                    "E212", decl.path.span,
                    f"import `{shown}` leaves the project root {display_path(unit.root)}",
                    hint="imports are relative to this file and must stay inside the project"))
            elif not (decl.path.value.endswith(EXTENSION) and target.suffix == EXTENSION):
                # Never parse another kind of file: its lines would be quoted in diagnostics.
                unit.diagnostics.append(diag(
                    "E225", decl.path.span, f"import `{shown}` does not lead to a .sop playbook",
                    hint="imports read playbook files ending in .sop; other files are never read"))
            elif not exists or kind is not None:
                what = "does not exist" if not exists else f"is {kind}, not a regular file"
                unit.diagnostics.append(diag(
                    "E211", decl.path.span, f"imported file `{shown}` {what}",
                    hint=f"paths are relative to this file's folder ({display_path(parsed.path.parent)})"))
            else:
                targets.append(target)
        return targets


def _parse_file(path: Path) -> ParsedFile:
    return _parse_source(path, read_source(path))


def _parse_source(path: Path, source: SourceFile | Diagnostic) -> ParsedFile:
    if not isinstance(source, SourceFile):
        return ParsedFile(path, None, None, [source])
    empty = empty_file_diagnostic(source)
    if empty is not None:
        return ParsedFile(path, source, None, [empty])
    module, diagnostics = parse(source)
    return ParsedFile(path, source, module, diagnostics)

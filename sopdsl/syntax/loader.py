"""Load a compilation unit: one file plus everything it imports, each file parsed once."""

from __future__ import annotations

from collections import deque
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
    folder = resolved(file).parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return folder


def resolved(path: Path) -> Path:
    """The absolute path with symlinks followed, or as written when they loop (reading the
    file then says why it cannot be read)."""
    try:
        return path.resolve()
    except RuntimeError:  # a symlink loop
        return path.absolute()


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
        # Each file's imports as found from a project root: every unit that holds the file
        # would otherwise resolve them again (a chain of N files, N^2/2 times).
        self._imports_found: dict[str, dict[Path, tuple[list[Path], list[Diagnostic]]]] = {}
        self._texts: set[Path] = set()  # files given as text: they exist whatever the disk says

    def parsed(self, path: Path) -> ParsedFile:
        """The parsed file at `path` (read and parsed on first use)."""
        return self._parsed(resolved(path))

    def _parsed(self, path: Path) -> ParsedFile:
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = _parse_file(path)
        return found

    def add_text(self, text: str, path: Path) -> Path:
        """Take `text` as the content of the file at `path` (which need not exist); its resolved path."""
        path = path.resolve()
        source = decode_source(text.encode("utf-8"), display_path(path))
        self._cache[path] = _parse_source(path, source)
        self._texts.add(path)
        self._imports_found.clear()  # the new text may import others, and others it
        return path

    def load(self, entry: Path, root: Path | None = None) -> Unit:
        """The unit of `entry`: follows imports breadth first, each file once."""
        entry = resolved(entry)
        unit = Unit(entry=entry, root=resolved(root or project_root(entry)))
        found_here = self._imports_found.setdefault(str(unit.root), {})
        queue, seen = deque([entry]), {entry}
        while queue:
            parsed = self._parsed(queue.popleft())  # resolved already
            unit.files.append(parsed)
            if parsed.module is None:
                continue
            found = found_here.get(parsed.path)
            if found is None:
                found = found_here[parsed.path] = _imports(unit.root, parsed, self._texts)
            targets, problems = found
            unit.diagnostics.extend(problems)
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        return unit


def _imports(root: Path, parsed: ParsedFile,
             texts: set[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """The files a parsed file imports, and what is wrong with its other imports (`texts`:
    files given as text, which exist as playbooks whatever the disk holds)."""
    targets: list[Path] = []
    problems: list[Diagnostic] = []
    for decl in parsed.module.decls:
        if not isinstance(decl, ast.ImportDecl):
            continue
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                        for c in decl.path.value[:80])
        try:
            target = (parsed.path.parent / decl.path.value).resolve()
            if target in texts:
                exists, kind = True, None
            else:
                exists, kind = target.exists(), not_regular(target)
        except (OSError, ValueError, RuntimeError):  # NUL bytes, too long names, symlink loops
            target, exists, kind = parsed.path, False, None
        if not target.is_relative_to(root):
            problems.append(diag(
                "E212", decl.path.span,
                f"import `{shown}` leaves the project root {display_path(root)}",
                hint="imports are relative to this file and must stay inside the project"))
        elif not (decl.path.value.endswith(EXTENSION) and target.suffix == EXTENSION):
            # Never parse another kind of file: its lines would be quoted in diagnostics.
            problems.append(diag(
                "E225", decl.path.span, f"import `{shown}` does not lead to a .sop playbook",
                hint="imports read playbook files ending in .sop; other files are never read"))
        elif not exists or kind is not None:
            what = "does not exist" if not exists else f"is {kind}, not a regular file"
            problems.append(diag(
                "E211", decl.path.span, f"imported file `{shown}` {what}",
                hint=f"paths are relative to this file's folder ({display_path(parsed.path.parent)})"))
        else:
            targets.append(target)
    return targets, problems


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

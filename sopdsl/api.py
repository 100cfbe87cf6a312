"""The library's front door: load and check playbooks without the command line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sopdsl.diagnostics import Diagnostic, sorted_diagnostics
from sopdsl.syntax.files import collect_paths
from sopdsl.syntax.loader import Loader
from sopdsl.syntax.parser import no_cyclic_gc
from sopdsl.checker.program import Program, collect
from sopdsl.syntax.source import SourceFile
from sopdsl.checker.validate import validate


@no_cyclic_gc()
def load(path: str | Path, loader: Loader | None = None) -> Program:
    """The program of one playbook file and its imports; problems are in `.diagnostics`."""
    from sopdsl.scenario.build import scenario_diagnostics

    unit = (loader or Loader()).load(Path(path))
    program = collect(unit)
    program.diagnostics.extend(validate(program))
    program.diagnostics.extend(scenario_diagnostics(program))
    program.diagnostics = sorted_diagnostics(program.diagnostics)
    return program


@no_cyclic_gc()
def load_text(text: str, name: str = "playbook.sop", folder: str | Path = ".",
              files: Mapping[str, str] | None = None, loader: Loader | None = None) -> Program:
    """The program of playbook `text`, named `name` in `folder` (where its imports are found);
    `files` holds the text of other files by their path in `folder`, read instead of the disk."""
    loader = loader or Loader()
    for other, body in (files or {}).items():
        loader.add_text(body, Path(folder) / other)
    return load(loader.add_text(text, Path(folder) / name), loader)


@dataclass
class CheckReport:
    """What checking some paths found, with the sources needed to show it."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    files: int = 0
    programs: list[Program] = field(default_factory=list)


def check_paths(paths: Iterable[str | Path]) -> CheckReport:
    """Check files and folders (recursively `*.sop`); every file is its own unit."""
    files, diagnostics = collect_paths([str(p) for p in paths])
    report = CheckReport(diagnostics=diagnostics, files=len(files))
    loader = Loader()
    with no_cyclic_gc():
        for file in files:
            program = load(file, loader)
            report.programs.append(program)
            report.sources.update(program.sources)
            report.diagnostics.extend(program.diagnostics)
    report.diagnostics = sorted_diagnostics(report.diagnostics)
    return report


def check(paths: Iterable[str | Path]) -> list[Diagnostic]:
    """Every diagnostic for the given files and folders, in file and line order."""
    return check_paths(paths).diagnostics

"""The lint run: rules over programs, then agreement, configuration, suppression, severity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sopdsl.api import CheckReport, check_paths
from sopdsl.codes import CODES
from sopdsl.lint.config import ConfigFinder, LintConfig, Overrides
from sopdsl.diagnostics import Diagnostic, sorted_diagnostics
from sopdsl.lint.context import LintContext, LintOptions
from sopdsl.lint.registry import Rule, all_rules, lint_codes
from sopdsl.lint.usage import Usage
from sopdsl.syntax.parser import no_cyclic_gc
from sopdsl.checker.program import Program
from sopdsl.lint.suppress import Suppressions, apply_suppressions, read_directives

@dataclass
class LintReport(CheckReport):
    """What linting some paths found; `statistics()` counts the findings per code."""

    def statistics(self) -> list[tuple[str, str, int]]:
        """(code, name, count) per code found, most frequent first."""
        counts = Counter(d.code for d in self.diagnostics)
        return [(code, CODES[code].name, n)
                for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def lint_program(program: Program, config: LintConfig | None = None) -> list[Diagnostic]:
    """The program's diagnostics and rule findings under one configuration."""
    config = config or LintConfig()
    run = _Run(lambda _file: config)
    run.add(program)
    return run.finish(program.diagnostics)


def lint_paths(paths: Iterable[str | Path], overrides: Overrides | None = None) -> LintReport:
    """Lint files and folders (recursively `*.sop`); raises ConfigError for a bad config."""
    with no_cyclic_gc():
        checked = check_paths(paths)
        finder = ConfigFinder(overrides or Overrides())
        run = _Run(finder.for_file)
        for program in checked.programs:
            run.add(program)
        diagnostics = run.finish(checked.diagnostics)
    return LintReport(diagnostics, checked.sources, checked.files, checked.programs)


@dataclass
class _Run:
    """Rule findings over several programs, combined, configured and suppressed once."""

    config_for: Callable[[str], LintConfig]
    options: LintOptions = field(default_factory=LintOptions)
    findings: list[Diagnostic] = field(default_factory=list)
    directives: dict[str, Suppressions] = field(default_factory=dict)
    shared: Counter = field(default_factory=Counter)
    judges: Counter = field(default_factory=Counter)
    _rules: list[Rule] = field(default_factory=all_rules)
    _enabled: dict[str, frozenset[str]] = field(default_factory=dict)
    _usage: dict[int, Usage] = field(default_factory=dict)

    def add(self, program: Program) -> None:
        files = [module.path for module in program.modules]
        for module in program.modules:
            if module.path not in self.directives:
                self.directives[module.path] = read_directives(module)
        wanted = frozenset().union(*(self.enabled(f) for f in files)) if files else frozenset()
        ctx = LintContext(program, self.options, self._usage)
        for rule in self._rules:
            if rule.code not in wanted:
                continue
            found = set(rule.check(ctx))
            if rule.scope == "declarations":
                if rule.judges(ctx):
                    self.judges.update((rule.code, f) for f in files)
                self.shared.update(found)
            else:
                self.findings.extend(found)

    def enabled(self, file: str) -> frozenset[str]:
        """The lint codes on for a file (its configuration's, per-file ignores applied)."""
        if file not in self._enabled:
            self._enabled[file] = self.config_for(file).enabled_for(file)
        return self._enabled[file]

    def finish(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        agreed = [d for d, n in self.shared.items() if n == self.judges[(d.code, d.span.file)]]
        combined = sorted_diagnostics([*diagnostics, *self.findings, *agreed])
        codes = lint_codes()
        switched_on = [d for d in combined if d.code not in codes or d.code in self.enabled(d.span.file)]
        kept = apply_suppressions(switched_on, self.directives, self.enabled)
        kept = [d for d in kept if d.code not in codes or d.code in self.enabled(d.span.file)]
        return sorted_diagnostics(self._with_severity(d) for d in kept)

    def _with_severity(self, d: Diagnostic) -> Diagnostic:
        if d.code not in lint_codes():
            return d
        severity = self.config_for(d.span.file).severity_of(d.code)
        return d if severity is d.severity else d.model_copy(update={"severity": severity})

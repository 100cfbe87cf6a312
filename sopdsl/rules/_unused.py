"""The shared shape of the unused-declaration rules (W401-W405)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule


class UnusedDeclaration(Rule):
    """Base of rules that report declarations nothing refers to."""

    groups = ("dead-code",)
    scope = "declarations"
    kind = ""  # the word for the declaration in messages: content, segment, ...

    def judges(self, ctx: LintContext) -> bool:
        # A file of shared declarations alone has no journeys that could use them.
        return bool(ctx.program.journeys)

    @abstractmethod
    def declared(self, ctx: LintContext) -> Mapping[str, ast.Node]:
        """The declarations to judge, by name."""

    @abstractmethod
    def used(self, ctx: LintContext) -> Iterable[str]:
        """The names the program refers to."""

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        if not self.judges(ctx):
            return
        used = set(self.used(ctx))
        for name, decl in self.declared(ctx).items():
            if name not in used:
                yield self.report(decl.name.span, f"{self.kind} `{name}` is never used",
                                  hint="use it or delete the declaration")

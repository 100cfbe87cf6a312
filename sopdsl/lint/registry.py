"""The rule registry: every lint rule as a small class with its code, name and docs."""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from sopdsl.codes import CODES, Severity
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.syntax.source import Span

if TYPE_CHECKING:
    from sopdsl.lint.context import LintContext

# Codes the suppression pass reports itself; selectable and documented like rules.
SUPPRESSION_CODES = ("W419", "W420")

_RULES: dict[str, type[Rule]] = {}


class Rule(ABC):
    """A lint rule: `check(ctx)` yields its findings for one program.

    Subclasses set `code` (catalogued in `sopdsl.codes`), `groups` and a docstring with the
    sections What it does / Why it matters / Example / Use instead. The name, severity and
    summary come from the code catalogue, so SARIF and the docs agree with the rule.
    `scope = "declarations"` marks rules about declarations shared through imports: a finding
    stands only when every program that judges the declaring file agrees.
    """

    code: ClassVar[str]
    groups: ClassVar[tuple[str, ...]] = ()
    scope: ClassVar[str] = "program"

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "code" not in cls.__dict__:
            return  # a shared base of several rules, not a rule
        if cls.code in _RULES:
            raise ValueError(f"rule code {cls.code} registered twice")
        if cls.code not in CODES or not cls.__doc__:
            raise ValueError(f"rule {cls.__name__} needs a catalogued code and a docstring")
        _RULES[cls.code] = cls

    @property
    def name(self) -> str:
        return CODES[self.code].name

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    def judges(self, ctx: LintContext) -> bool:
        """Whether this program can judge the rule at all (declaration rules need journeys)."""
        return True

    @abstractmethod
    def check(self, ctx: LintContext) -> Iterable[Diagnostic]:
        """The rule's findings in one program."""

    def report(self, span: Span, message: str, hint: str | None = None) -> Diagnostic:
        """A finding of this rule."""
        return diag(self.code, span, message, hint)


def all_rules() -> list[Rule]:
    """An instance of every registered rule, in code order."""
    import sopdsl.rules  # noqa: F401  (registers the rules)

    return [_RULES[code]() for code in sorted(_RULES)]


def rule_docs(rule: Rule) -> str:
    """The rule's user documentation: its docstring without indentation."""
    return inspect.cleandoc(type(rule).__doc__ or "")


@functools.cache
def lint_codes() -> dict[str, tuple[str, ...]]:
    """Every code lint can report, with its groups (rules plus the suppression codes)."""
    codes = {rule.code: rule.groups for rule in all_rules()}
    codes.update({code: ("suppression",) for code in SUPPRESSION_CODES})
    return dict(sorted(codes.items()))


def selector_specificity(selector: str, code: str) -> int | None:
    """How specifically a selector names a code (higher wins), None when it does not.

    Selectors are a code (`W401`), a code prefix (`W5`), a rule name (`unused-content`),
    a group (`dead-code`) or `all`.
    """
    if selector == code or selector == CODES[code].name:
        return 100
    if code.startswith(selector):
        return len(selector)
    if selector in lint_codes().get(code, ()):
        return 1
    return 0 if selector == "all" else None


def is_selector(selector: str) -> bool:
    """True when the selector names at least one lint code."""
    return any(selector_specificity(selector, code) is not None for code in lint_codes())

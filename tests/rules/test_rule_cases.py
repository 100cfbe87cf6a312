"""Data-driven rule cases: `cases/CODE.toml` holds inputs that fire the rule and near misses.

Each `[[fail]]` case must report the code on `line` with `message` in its text; each
`[[pass]]` case must not report the code at all. Only the rule under test is selected.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from programs import program_from
from sopdsl.lint.config import LintConfig, LintSettings
from sopdsl.lint import lint_program

CASES_DIR = Path(__file__).parent / "cases"


def _cases(kind: str) -> list[tuple[str, dict]]:
    found = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8")).get(kind, []):
            found.append((path.stem, case))
    return found


def _findings(code: str, source: str) -> list:
    program = program_from(source.lstrip("\n"), "case.sop")
    errors = [d for d in program.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    return [d for d in lint_program(program, LintConfig(LintSettings(select=[code])))
            if d.code == code]


FAILS = _cases("fail")
PASSES = _cases("pass")


@pytest.mark.parametrize(("code", "case"), FAILS, ids=[f"{c}-{k['name']}" for c, k in FAILS])
def test_rule_fires(code: str, case: dict) -> None:
    """The rule reports the case on the expected line with the expected message."""
    found = _findings(code, case["source"])
    assert [d.span.line for d in found if case["message"] in d.message] == [case["line"]], found


@pytest.mark.parametrize(("code", "case"), PASSES, ids=[f"{c}-{k['name']}" for c, k in PASSES])
def test_rule_stays_quiet_on_near_miss(code: str, case: dict) -> None:
    """The rule reports nothing for the near miss."""
    assert _findings(code, case["source"]) == []


def test_every_rule_has_cases() -> None:
    """Every registered rule has at least one firing case and one near miss."""
    from sopdsl.lint.registry import all_rules

    codes = {rule.code for rule in all_rules()}
    assert codes <= {c for c, _ in FAILS}
    assert codes <= {c for c, _ in PASSES}

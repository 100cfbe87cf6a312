"""docs/rules.md documents every rule, and every documented example behaves as it says."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from programs import program_from
from sopdsl.codes import CODES
from sopdsl.lint.config import LintConfig, LintSettings
from sopdsl.lint import lint_program
from sopdsl.lint.docs import replace_generated
from sopdsl.lint.registry import all_rules, lint_codes, rule_docs

RULES_DOC = Path(__file__).parents[2] / "docs" / "rules.md"
SECTIONS = ("### What it does", "### Why it matters", "### Example", "### Use instead")
RULES = all_rules()


def test_generated_reference_is_current() -> None:
    """The generated part of docs/rules.md matches the rule docstrings (UPDATE_GOLDEN=1 fixes)."""
    document = RULES_DOC.read_text(encoding="utf-8")
    expected = replace_generated(document)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        RULES_DOC.write_text(expected, encoding="utf-8")
    assert document == expected


def test_every_lint_code_has_a_section() -> None:
    """Each lint code, suppression codes included, has a heading with its name."""
    document = RULES_DOC.read_text(encoding="utf-8")
    for code in lint_codes():
        assert f"### {code} `{CODES[code].name}`" in document


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_docstring_has_the_four_sections(rule) -> None:
    """The rule's docs say what it does, why, and give a bad and a good example."""
    docs = rule_docs(rule)
    assert [docs.index(s) for s in SECTIONS] == sorted(docs.index(s) for s in SECTIONS)


def _example(rule, section: str) -> str:
    match = re.search(rf"{section}\n```sop\n(.*?)```", rule_docs(rule), re.S)
    assert match, f"{rule.code} has no {section} block"
    return match.group(1)


def _codes_for(source: str, rule) -> set[str]:
    program = program_from(source, "example.sop")
    assert not [d for d in program.diagnostics if d.severity.value == "error"]
    return {d.code for d in lint_program(program, LintConfig(LintSettings(select=[rule.code])))}


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_bad_example_fires_and_good_example_does_not(rule) -> None:
    """The documented Example triggers the rule and the Use instead example is clean of it."""
    assert rule.code in _codes_for(_example(rule, "### Example"), rule)
    assert rule.code not in _codes_for(_example(rule, "### Use instead"), rule)

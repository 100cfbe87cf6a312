"""Rules never crash: generated programs and every test input lint to diagnostics, not tracebacks."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings

from sopdsl.lint import lint_paths, lint_program
from programs import program_from
from strategies import programs

TESTS = Path(__file__).parent


@settings(max_examples=40, deadline=None)
@given(programs(messy=False, max_decls=6))
def test_generated_programs_lint_without_crashing(text: str) -> None:
    """Any parseable program, resolvable or not, lints to a list of diagnostics."""
    diagnostics = lint_program(program_from(text, "generated.sop"))
    assert all(d.span.line >= 1 and d.code for d in diagnostics)


def test_every_test_input_lints() -> None:
    """Broken inputs from the syntax and formatter tests lint without an exception."""
    report = lint_paths([TESTS / "golden", TESTS / "data"])
    assert report.files > 20
    assert any(d.code.startswith("W") for d in report.diagnostics)

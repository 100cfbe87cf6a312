"""The parser's two ways to the AST agree: built during the parse, or from Lark's tree."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from sopdsl.syntax.builder import MAX_TREE_DEPTH, build_module
from sopdsl.syntax.lalr import lark_parser
from sopdsl.syntax.parser import parse_text
from sopdsl.syntax.reductions import build_declarations
from programs import ROOT
from strategies import programs

sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_big_file  # noqa: E402

EXAMPLES = sorted(
    [*ROOT.glob("playbooks/**/*.sop"), *ROOT.glob("tests/golden/**/*.sop"),
     *ROOT.glob("docs/**/*.sop")]
)


def assert_same_ast(text: str) -> None:
    """Both ways give equal declarations (spans included) with the same fields in order."""
    tree = lark_parser().parse(text)
    from_tree, _ = build_module(tree, "case.sop", [])
    built = build_declarations(text, "case.sop")
    assert built is not None
    decls, builder = built
    assert builder.diagnostics == []
    assert decls == from_tree.decls
    assert repr(decls) == repr(from_tree.decls)


def _parses_cleanly(path: Path) -> bool:
    module, diagnostics = parse_text(path.read_text(encoding="utf-8"), str(path))
    return module is not None and not diagnostics


@pytest.mark.parametrize("path", [p for p in EXAMPLES if _parses_cleanly(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_examples_build_the_same_ast(path: Path) -> None:
    """Every example that parses cleanly builds the same AST during the parse as from its tree."""
    assert_same_ast(path.read_text(encoding="utf-8"))


def test_benchmark_playbook_builds_the_same_ast(tmp_path: Path) -> None:
    """The benchmark playbook, which uses every clause, step and scenario item, agrees too."""
    assert_same_ast(write_big_file(tmp_path, 1500).read_text(encoding="utf-8"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_drawn_programs_build_the_same_ast(text: str) -> None:
    """Drawn programs, laid out at random, build the same AST both ways unless a literal is bad."""
    tree = lark_parser().parse(text)
    _, diagnostics = build_module(tree, "case.sop", [])
    if not diagnostics:
        assert_same_ast(text)


def _nested_segment(depth: int) -> str:
    return "segment s = " + "(" * depth + "x" + ")" * depth + "\n"


def test_nesting_limit_is_where_the_tree_path_puts_it() -> None:
    """The deepest nesting without E121 is built during the parse; one level more is handed over."""
    deepest = max(depth for depth in range(MAX_TREE_DEPTH + 2)
                  if not build_module(lark_parser().parse(_nested_segment(depth)), "s.sop",
                                      [])[1])
    assert deepest < MAX_TREE_DEPTH
    assert build_declarations(_nested_segment(deepest), "s.sop") is not None
    assert build_declarations(_nested_segment(deepest + 1), "s.sop") is None
    _, diagnostics = parse_text(_nested_segment(deepest + 1))
    assert [d.code for d in diagnostics] == ["E121"]

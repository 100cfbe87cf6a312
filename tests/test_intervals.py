"""Interval reasoning: which conditions can hold, always hold, or contradict each other."""

from __future__ import annotations

import pytest

from sopdsl.syntax import ast
from sopdsl.lint.intervals import Num, Reasoner, Vocabulary
from sopdsl.syntax.parser import parse_text

PRELUDE = """
attribute level: enum("silver", "gold", "black")
attribute opted_in: bool
segment vip = tag "VIP" and count(purchase, 90d) >= 2
segment loop_a = loop_b
segment loop_b = loop_a
"""


def _reasoner_and(*conditions: str) -> tuple[Reasoner, list[ast.Expr]]:
    text = PRELUDE + "".join(f"segment c{i} = {c}\n" for i, c in enumerate(conditions))
    module, diagnostics = parse_text(text)
    assert module is not None and not diagnostics
    segments = {d.name.name: d.expr for d in module.decls if isinstance(d, ast.SegmentDecl)}
    types = {"age": ("number", ()), "city": ("string", ()),
             "level": ("enum", ("silver", "gold", "black")), "opted_in": ("bool", ())}
    stages = ("visitor", "prospect", "profiled", "intent", "pending", "won")
    reasoner = Reasoner(Vocabulary(segments, stages, types))
    return reasoner, [segments[f"c{i}"] for i in range(len(conditions))]


NEVER = [
    "age < 20 and age > 30",
    "age in 10..20 and not age in 5..25",
    "stage >= intent and stage < profiled",
    'tag "x" and not tag "x"',
    'level == "gold" and level != "gold"',
    'level in ["gold"] and level == "black"',
    "rfm.r > 5",
    "count(purchase) < 0",
    "opted_in == true and opted_in == false",
    "vip and count(purchase, 90d) < 2",
    "age == 3 and age != 3",
    "count(click) > 1 and count(click) < 2",
]
ALWAYS = [
    "count(purchase) >= 0",
    "stage >= visitor",
    'level == "silver" or level == "gold" or level == "black"',
    "age < 30 or age >= 20",
    "opted_in == true or opted_in == false",
    "rfm.m <= 5",
]
OPEN = [
    "age > 20 and age < 30",
    "stage >= profiled and stage < won",
    'city == "上海" and city != "杭州"',
    "score > 10 and score < 10.5",
    "ever(purchase) and not ever(click)",
    "loop_a",
    "days_since(purchase) > 3 and sum(purchase.amount, 30d) >= 100",
    "rfm.m - rfm.r >= 2",
]


@pytest.mark.parametrize("condition", NEVER)
def test_contradictions_never_hold(condition: str) -> None:
    """A condition no customer can meet is found unsatisfiable."""
    reasoner, [expr] = _reasoner_and(condition)
    assert reasoner.can_hold(expr) is False


@pytest.mark.parametrize("condition", ALWAYS)
def test_tautologies_always_hold(condition: str) -> None:
    """A condition every customer meets is found to always hold."""
    reasoner, [expr] = _reasoner_and(condition)
    assert reasoner.always_holds(expr) is True
    assert reasoner.can_hold(expr) is True


@pytest.mark.parametrize("condition", OPEN)
def test_open_conditions_are_neither(condition: str) -> None:
    """A condition some customers meet and some do not is neither never nor always."""
    reasoner, [expr] = _reasoner_and(condition)
    assert reasoner.can_hold(expr) is True
    assert reasoner.always_holds(expr) is False


def test_facts_narrow_what_can_hold() -> None:
    """A known fact makes a later condition impossible, its negation makes it certain."""
    reasoner, [audience, branch] = _reasoner_and("stage < intent", "stage >= won")
    known = reasoner.fact(audience)
    assert known is not None
    assert reasoner.can_hold(branch, [known]) is False
    assert reasoner.always_holds(branch, [reasoner.fact(branch)]) is True


def test_fact_keys_name_what_the_condition_reads() -> None:
    """A fact lists the values it depends on, so steps that change them can drop it."""
    reasoner, [expr] = _reasoner_and('stage >= intent and tag "VIP" and age > 3 and count(click) > 1')
    fact = reasoner.fact(expr)
    assert fact is not None
    assert fact.keys == {"stage", 'tag "VIP"', "age", "events"}


def test_too_large_expansion_is_unknown() -> None:
    """A condition whose expansion exceeds the limit is not judged."""
    parts = " and ".join(f'(tag "a{i}" or tag "b{i}")' for i in range(12))
    reasoner, [expr] = _reasoner_and(parts)
    assert reasoner.can_hold(expr) is None


def test_whole_numbers_are_respected() -> None:
    """Counts are whole numbers: between 1 and 2 exclusive there is none, 1 to 2 inclusive has two."""
    assert Num(1, 2, True, True, integer=True).empty()
    assert not Num(1, 2, integer=True).empty()
    assert Num(1, 2, integer=True, excluded=frozenset({1.0, 2.0})).empty()

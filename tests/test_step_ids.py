"""Tests for stable step ids: named by labels and positions, never by layout."""

from __future__ import annotations

from pathlib import Path

from sopdsl.syntax import ast
from sopdsl.syntax.parser import parse_text
from sopdsl.syntax.step_ids import step_id_map, walk_steps
from sopdsl.syntax.walk import step_arms

GRAPH_DATA = Path(__file__).parent / "golden" / "graph"


def journeys(text: str) -> dict[str, ast.Journey]:
    module, diagnostics = parse_text(text, "test.sop")
    assert module is not None and diagnostics == []
    return {d.name.name: d for d in module.decls if isinstance(d, ast.Journey)}


def nested() -> ast.Journey:
    return journeys((GRAPH_DATA / "nested.sop").read_text(encoding="utf-8"))["nested"]


def test_every_compound_step_names_its_arms_and_positions():
    """Ids follow parents, arms and 1-based positions; labels replace the position part."""
    rows = [(r.id, r.parent, r.arm, r.depth) for r in walk_steps(nested())]
    assert rows == [
        ("nested/1", None, None, 0),
        ("nested/ab", None, None, 0),
        ("nested/ab.quick/1", "nested/ab", "quick", 1),
        ("nested/ab.quick/1.then/1", "nested/ab.quick/1", "then", 2),
        ("nested/ab.quick/2", "nested/ab", "quick", 1),
        ("nested/ab.quick/2.body/1", "nested/ab.quick/2", "body", 2),
        ("nested/ab.quick/2.body/1.if/1", "nested/ab.quick/2.body/1", "if", 3),
        ("nested/ab.slow/1", "nested/ab", "slow", 1),
        ("nested/loop", "nested/ab", "slow", 1),
        ("nested/loop.body/1", "nested/loop", "body", 2),
        ("nested/loop.body/2", "nested/loop", "body", 2),
        ("nested/3", None, None, 0),
        ("nested/3.if/1", "nested/3", "if", 1),
        ("nested/3.if/2", "nested/3", "if", 1),
        ("nested/3.if/3", "nested/3", "if", 1),
        ("nested/3.elif1/1", "nested/3", "elif1", 1),
        ("nested/3.elif2/1", "nested/3", "elif2", 1),
        ("nested/4", None, None, 0),
        ("nested/5", None, None, 0),
    ]


def test_walk_is_depth_first_in_source_order():
    """Each step comes right after its parent's earlier arms, before the parent's next sibling."""
    kinds = [type(r.step).__name__ for r in walk_steps(nested())]
    assert kinds[:8] == [
        "Send", "Split", "WaitFor", "TagStep", "RepeatN", "If", "Notify", "Wait",
    ]


def test_wait_for_arms_are_then_and_timeout():
    """A `wait for` with both arms numbers each arm from 1."""
    journey = journeys(
        "journey j { when reply\n"
        "  wait for reply within 2d { then { tag \"a\" tag \"b\" } timeout { tag \"c\" } } }"
    )["j"]
    assert list(step_id_map(journey)) == ["j/1", "j/1.then/1", "j/1.then/2", "j/1.timeout/1"]


def test_else_arm_of_if_is_named_else():
    """`else` follows the elif numbering, whatever the number of elifs."""
    journey = journeys(
        'journey j { when reply if tag "a" { } elif tag "b" { } else { tag "c" } }'
    )["j"]
    assert list(step_id_map(journey)) == ["j/1", "j/1.else/1"]


def test_ids_do_not_depend_on_layout_or_comments():
    """The same steps written on one line with `;` and comments get the same ids."""
    spread = (GRAPH_DATA / "onboarding.sop").read_text(encoding="utf-8")
    packed = (
        'journey onboarding { when friend_added; send hello via welcome; d1: wait 1d at 10:00;'
        " send welcome via private_chat; wait for click(welcome) or reply within 2d"
        ' { then { score +10; stage profiled; tag "engaged" }'
        " timeout { send welcome via moments } } # a comment\n"
        ' if score >= 10 and stage >= profiled { task sales "x" with welcome due 1d;'
        " handoff sales }"
        ' elif vip { notify guide "y" } else { repeat 3 every 7d { send case_study via group } }'
        " split coupon_test { 50% control { } 50% coupon { send coupon20 via private_chat } } }"
    )
    spread_ids = list(step_id_map(journeys(spread)["onboarding"]))
    assert spread_ids == list(step_id_map(journeys(packed)["onboarding"]))
    assert spread_ids[:6] == [
        "onboarding/1", "onboarding/d1", "onboarding/3", "onboarding/4",
        "onboarding/4.then/1", "onboarding/4.then/2",
    ]
    assert "onboarding/5.else/1.body/1" in spread_ids
    assert spread_ids[-1] == "onboarding/6.coupon/1"


def test_step_id_map_points_at_the_steps_themselves():
    """The map's values are the AST steps at those places."""
    steps = step_id_map(nested())
    assert isinstance(steps["nested/loop"], ast.RepeatUntil)
    assert isinstance(steps["nested/3.if/2"], ast.ExitStep)
    tag = steps["nested/ab.quick/1.then/1"]
    assert isinstance(tag, ast.TagStep) and tag.tag.value == "replied"


def test_duplicate_labels_still_give_unique_ids():
    """A repeated label (an E304 error) keeps the first id and suffixes the rest."""
    journey = journeys('journey j { when reply a: tag "x" a: tag "y" a: tag "z" }')["j"]
    assert list(step_id_map(journey)) == ["j/a", "j/a~2", "j/a~3"]


def test_step_arms_lists_absent_arms_as_none():
    """An `if` without else and a `wait for` without block still report their arms."""
    journey = journeys(
        'journey j { when reply if tag "a" { tag "b" } wait for reply within 1d }'
    )["j"]
    if_step, wait_for = journey.steps
    assert [(name, steps is None) for name, steps in step_arms(if_step)] == [
        ("if", False), ("else", True),
    ]
    assert step_arms(wait_for) == [("then", None), ("timeout", None)]
    assert step_arms(journey.steps[0].branches[0].steps[0]) == []

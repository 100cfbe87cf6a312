"""Tests for the workflow graph: nodes, typed edges, reachability, paths and cycles."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sopdsl.syntax import ast
from sopdsl.api import load, load_text
from sopdsl.draw.graph import WorkflowGraph, build_graph, step_kind
from sopdsl.syntax.parser import parse_text
from programs import PLAYBOOKS

GRAPH_DATA = Path(__file__).parent / "golden" / "graph"


def journeys(text: str) -> list[ast.Journey]:
    module, diagnostics = parse_text(text, "test.sop")
    assert module is not None and diagnostics == []
    return [d for d in module.decls if isinstance(d, ast.Journey)]


def graph_of(text: str) -> WorkflowGraph:
    return build_graph(load_text(text, "test.sop"))


def graph_of_file(name: str) -> WorkflowGraph:
    return graph_of((GRAPH_DATA / name).read_text(encoding="utf-8"))


def edge_kinds(graph: WorkflowGraph) -> Counter[str]:
    return Counter(kind for _, _, kind in graph.g.edges(data="kind"))


def edges(graph: WorkflowGraph, u: str, v: str) -> list[dict]:
    return list(graph.g.get_edge_data(u, v, default={}).values())


def test_onboarding_nodes_by_kind():
    """One trigger, sixteen steps, and an end, exit, `at any time` and goal node."""
    graph = graph_of_file("onboarding.sop")
    kinds = Counter(kind for _, kind in graph.g.nodes(data="kind"))
    assert kinds == Counter({
        "trigger": 1, "send": 5, "wait": 1, "wait_for": 1, "score_step": 1, "stage_step": 1,
        "tag_step": 1, "if": 1, "task": 1, "handoff": 1, "notify": 1, "repeat_n": 1,
        "split": 1, "end": 1, "exit": 1, "any": 1, "goal": 1,
    })
    assert graph.journey_nodes("onboarding")[:2] == ["onboarding/@when/1", "onboarding/1"]


def test_onboarding_edges_by_kind():
    """Edge kinds counted by hand from the onboarding journey of the graph golden."""
    graph = graph_of_file("onboarding.sop")
    assert edge_kinds(graph) == Counter({
        # 1→d1, d1→3, 3→4; then/1→then/2→then/3→5; timeout/1→5; if/1→if/2→6; elif1/1→6;
        # coupon/1→end
        "next": 11,
        "trigger": 1, "then": 1, "timeout": 1, "if": 1, "elif": 1, "else": 1,
        "body": 1, "repeat": 1, "loop_exit": 1, "arm": 2,
        "goal": 1, "exit_on": 1, "exit_when": 1,
    })


def test_compound_steps_rejoin_at_the_next_step():
    """Every arm's last step, and the repeat's loop exit, lead to the split after the if."""
    graph = graph_of_file("onboarding.sop")
    into_split = sorted(u for u, _, k in graph.g.in_edges("onboarding/6", data="kind"))
    assert into_split == ["onboarding/5.elif1/1", "onboarding/5.else/1", "onboarding/5.if/2"]
    assert graph.successors("onboarding/5.else/1", "loop_exit") == ["onboarding/6"]
    assert graph.successors("onboarding/4.then/3") == ["onboarding/5"]


def test_edges_carry_conditions_shares_and_waits():
    """Branch edges hold their Expr, split arms their share, back edges their `every`."""
    graph = graph_of_file("onboarding.sop")
    (if_edge,) = edges(graph, "onboarding/5", "onboarding/5.if/1")
    assert isinstance(if_edge["condition"], ast.BoolOp) and if_edge["arm"] == "if"
    (elif_edge,) = edges(graph, "onboarding/5", "onboarding/5.elif1/1")
    assert elif_edge["condition"] == ast.SegmentRef(span=elif_edge["condition"].span, name="vip")
    (empty_arm,) = edges(graph, "onboarding/6", "onboarding/@end")
    assert (empty_arm["kind"], empty_arm["name"], empty_arm["share"]) == ("arm", "control", 0.5)
    (back,) = edges(graph, "onboarding/5.else/1.body/1", "onboarding/5.else/1")
    assert back["kind"] == "repeat" and back["back"] and back["wait"].text == "7d"
    (timeout,) = edges(graph, "onboarding/4", "onboarding/4.timeout/1")
    assert timeout["kind"] == "timeout" and timeout["within"].text == "2d"


def test_journey_conditions_hang_off_the_any_node():
    """Goals and exit clauses are watched at any time: edges from `@any`, not from steps."""
    graph = graph_of_file("onboarding.sop")
    assert graph.successors("onboarding/@any") == [
        "onboarding/@goal/first_order", "onboarding/@exit",
    ]
    (goal,) = edges(graph, "onboarding/@any", "onboarding/@goal/first_order")
    assert goal["within"].minutes == 30 * 24 * 60
    exits = edges(graph, "onboarding/@any", "onboarding/@exit")
    assert [e["kind"] for e in exits] == ["exit_on", "exit_when"]
    assert isinstance(exits[1]["condition"], ast.TagTest)
    assert graph.g.in_degree("onboarding/@any") == 0


def test_step_nodes_carry_spans_labels_and_places():
    """A node points back at its source line and knows its label, parent and arm."""
    graph = graph_of_file("onboarding.sop")
    wait = graph.g.nodes["onboarding/d1"]
    assert (wait["kind"], wait["label"], wait["span"].line) == ("wait", "d1", 13)
    assert isinstance(wait["step"], ast.Wait)
    body = graph.g.nodes["onboarding/5.else/1.body/1"]
    assert (body["parent"], body["arm"], body["depth"]) == ("onboarding/5.else/1", "body", 2)
    assert graph.g.nodes["onboarding/@when/1"]["span"].line == 3


def test_if_without_else_and_wait_for_without_arms_go_to_the_next_step():
    """Absent arms are edges of their own kind straight to the following step."""
    graph = graph_of_file("nested.sop")
    (else_edge,) = edges(graph, "nested/3", "nested/4")
    assert else_edge["kind"] == "else" and else_edge["condition"] is None
    assert sorted(e["kind"] for e in edges(graph, "nested/3.elif2/1", "nested/4")) == [
        "then", "timeout",
    ]


def test_absent_arm_at_the_end_of_a_repeat_body_is_a_back_edge():
    """An `if` without else ending a body goes back to its repeat, waiting the round."""
    graph = graph_of_file("nested.sop")
    (else_edge,) = edges(graph, "nested/ab.quick/2.body/1", "nested/ab.quick/2")
    assert else_edge["kind"] == "else" and else_edge["back"] and else_edge["wait"].text == "3d"


def test_empty_repeat_body_loops_on_itself():
    """A repeat with an empty body is a self loop: each round is just the wait."""
    graph = graph_of_file("nested.sop")
    (loop,) = edges(graph, "nested/3.elif1/1", "nested/3.elif1/1")
    assert loop["kind"] == "body" and loop["back"]


def test_only_repeats_make_cycles():
    """Every cycle runs through a repeat node and one of its back edges."""
    graph = graph_of_file("nested.sop")
    assert graph.cycles() == [
        ["nested/ab.quick/2", "nested/ab.quick/2.body/1"],
        ["nested/ab.quick/2", "nested/ab.quick/2.body/1", "nested/ab.quick/2.body/1.if/1"],
        ["nested/loop", "nested/loop.body/1", "nested/loop.body/2"],
        ["nested/3.elif1/1"],
    ]
    assert graph_of('journey j { when reply tag "a" if tag "b" { exit } }').cycles() == []


def test_steps_after_exit_are_unreachable():
    """Nothing reaches a step after `exit` in the same list; everything else is reachable."""
    graph = graph_of_file("nested.sop")
    assert graph.unreachable_steps("nested") == ["nested/3.if/3"]
    reachable = graph.reachable_steps("nested")
    assert len(reachable) == len(graph.step_nodes("nested")) - 1
    assert graph.successors("nested/3.if/2") == ["nested/@exit"]
    assert graph.successors("nested/3.if/3") == ["nested/4"]


def test_exit_inside_a_repeat_ends_the_loop():
    """A body that ends in `exit` has no back edge, so it makes no cycle, and no loop exit:
    every run ends in the first round, so the step after the repeat is unreachable."""
    graph = graph_of('journey j { when reply repeat 2 every 1d { tag "a" exit } tag "b" }')
    assert graph.cycles() == []
    assert graph.successors("j/1.body/2", "exit") == ["j/@exit"]
    assert graph.successors("j/1") == ["j/1.body/1"]
    assert graph.unreachable_steps("j") == ["j/2"]


def test_unreachable_top_level_steps_after_exit():
    """Steps after a top-level `exit` are listed in source order."""
    graph = graph_of('journey j { when reply tag "a" exit tag "b" tag "c" }')
    assert graph.unreachable_steps("j") == ["j/3", "j/4"]


def test_enter_links_to_the_entered_journeys_triggers():
    """`enter other` points at every trigger of other, but only when other is in the graph."""
    graph = graph_of_file("nested.sop")
    assert graph.successors("nested/5", "enter") == ["other/@when/1"]
    assert graph.successors("nested/5", "next") == ["nested/@end"]
    alone = graph_of('journey j { when reply enter nowhere }')
    assert alone.successors("j/1") == ["j/@end"]


def test_enter_edges_leave_reachability_and_cycles_alone_unless_asked():
    """Journeys that enter each other form a cycle only when enter edges are included."""
    graph = graph_of(
        "journey a { when reply enter b }\n"
        "journey b { when click enter a }"
    )
    assert graph.cycles() == []
    assert graph.cycles(include_enter=True) == [["a/@when/1", "a/1", "b/@when/1", "b/1"]]
    assert graph.reachable_steps("a") == ["a/1"]


def test_paths_run_from_each_trigger_to_end_or_exit():
    """Each trigger times each branch is one path; max_paths cuts the list."""
    graph = graph_of(
        'journey p { when reply or click if tag "a" { tag "b" } else { exit } tag "c" }'
    )
    paths = graph.paths("p")
    assert paths == [
        ["p/@when/1", "p/1", "p/1.if/1", "p/2", "p/@end"],
        ["p/@when/1", "p/1", "p/1.else/1", "p/@exit"],
        ["p/@when/2", "p/1", "p/1.if/1", "p/2", "p/@end"],
        ["p/@when/2", "p/1", "p/1.else/1", "p/@exit"],
    ]
    assert graph.paths("p", max_paths=3) == paths[:3]


def test_paths_are_listed_once_despite_parallel_edges():
    """Two empty split arms are two edges to the same node but one path."""
    graph = graph_of("journey s { when reply split s { 50% a { } 50% b { } } }")
    assert len(edges(graph, "s/1", "s/@end")) == 2
    assert graph.paths("s") == [["s/@when/1", "s/1", "s/@end"]]


def test_journey_without_trigger_starts_at_its_first_step():
    """With no `when` (an E301 error) reachability starts from the first step, not nowhere."""
    graph = graph_of('journey j { tag "a" if tag "b" { tag "c" } }')
    assert graph.entry_nodes("j") == ["j/1"]
    assert graph.unreachable_steps("j") == []


def test_journey_without_steps_goes_from_trigger_to_end():
    """A trigger with nothing to do still reaches the end node."""
    graph = graph_of("journey j { when reply }")
    assert graph.journey_nodes("j") == ["j/@when/1", "j/@end"]
    assert graph.successors("j/@when/1", "trigger") == ["j/@end"]


def test_repeated_journey_name_keeps_the_first():
    """A duplicate journey (an E202 error) does not merge its nodes into the first."""
    graph = graph_of('journey j { when reply tag "a" }\njourney j { when click tag "b" tag "c" }')
    assert graph.step_nodes("j") == ["j/1"]
    assert graph.g.nodes["j/1"]["step"].tag.value == "a"


def test_unknown_journey_is_a_key_error():
    """Asking for a journey that is not in the graph names it."""
    graph = graph_of("journey j { when reply }")
    with pytest.raises(KeyError, match="nope"):
        graph.journey_nodes("nope")


def test_step_kind_is_the_class_name_in_snake_case():
    """Kinds are mechanical, so an `exit` step never clashes with the exit node."""
    (journey,) = journeys(
        "journey j { when reply wait for reply within 1d exit "
        'repeat every 1d until tag "a" max 2 { } if tag "a" { } }'
    )
    assert [step_kind(s) for s in journey.steps] == ["wait_for", "exit_step", "repeat_until", "if"]


# ---- every bundled playbook --------------------------------------------------------------
# Counts derived by reading playbooks/*.sop, one journey at a time. Every journey has an end
# node; journeys with goals or exit clauses add `any`, one `goal` per goal and the `exit` node,
# which an `exit` step also adds. An `if` without `else`, and a `wait for` without one of its
# arms, still has an edge of that arm's kind, straight to the following step.
WATCHED = {"end": 1, "exit": 1, "any": 1, "goal": 1}
PLAYBOOK_COUNTS = {
    "campaign_1212.sop": {
        # one send each: trigger→send, send→end
        "warmup": ({"trigger": 1, "send": 1, **WATCHED}, {"trigger": 1, "next": 1, "goal": 1}),
        "peak": (
            {"trigger": 1, "task": 1, "wait_until_time": 1, "wait": 1, "if": 1, "send": 1,
             **WATCHED},
            # task→wait until→wait→if, if/1→end; the if has no `else`
            {"trigger": 1, "next": 4, "if": 1, "else": 1, "goal": 1, "exit_on": 1},
        ),
        "after_sale": ({"trigger": 1, "send": 1, **WATCHED},
                       {"trigger": 1, "next": 1, "goal": 1}),
        "weekly_picks": ({"trigger": 1, "send": 1, **WATCHED},
                         {"trigger": 1, "next": 1, "goal": 1}),
        "monthly_statement": ({"trigger": 1, "send": 1, **WATCHED},
                              {"trigger": 1, "next": 1, "goal": 1, "exit_on": 1}),
    },
    "campaign_tasks.sop": {
        "d12_preheat": (
            {"trigger": 1, "set_step": 1, "send": 4, "wait_for": 1, "tag_step": 1,
             "score_step": 1, "wait_until_time": 1, "if": 1, **WATCHED},
            # 1→2, 2→3, then/1→then/2, then/2→4, timeout/1.if/1→4, timeout/1.else/1→4, 4→5,
            # 5→end; the timeout's `if groups > 0` posts to the groups, else a mass send
            {"trigger": 1, "next": 8, "then": 1, "timeout": 1, "if": 1, "else": 1, "goal": 1,
             "exit_on": 1, "exit_when": 1},
        ),
        "d12_daily": (
            {"trigger": 1, "if": 2, "task": 3, "wait_for": 1, "notify": 2, "stage_step": 1,
             **WATCHED},
            # if/1→if/2, if/2.timeout/1→end, elif1/1→elif1/2→elif1/3, elif1/3.if/1→end,
            # else/1→end; the inner wait for has no `then` and the inner if no `else`
            {"trigger": 1, "next": 6, "if": 2, "elif": 1, "else": 2, "then": 1, "timeout": 1,
             "goal": 1, "exit_on": 1, "exit_when": 1},
        ),
    },
    "education_funnel.sop": {
        "edu_funnel": (
            # Two more `if groups > 0`: around the drip and live preview, and the timeout post.
            {"trigger": 2, "send": 6, "if": 3, "notify": 1, "exit_step": 1, "wait": 2,
             "wait_for": 3, "tag_step": 2, "score_step": 3, "task": 1, "repeat_n": 1,
             **WATCHED},
            # 1→2, if/1→if/2, 3→camp→5, then/1→then/2→drip, timeout/1→drip, 7→8→9,
            # 9.then/1→offer→11, 11.then/1→then/2→end, 11.timeout/1→end
            {"trigger": 2, "next": 14, "if": 3, "else": 3, "exit": 1, "then": 3, "timeout": 3,
             "body": 1, "repeat": 1, "loop_exit": 1, "goal": 1, "exit_on": 1, "exit_when": 1},
        ),
        "edu_advisor": (
            {"trigger": 1, "score_step": 2, "tag_step": 1, "handoff": 1, "task": 3,
             "wait_for": 1, "if": 2, "stage_step": 1, "send": 1, "wait": 1, "notify": 1,
             **WATCHED},
            # 1→2→3→advisor_call→5, then/1→then/2, then/2.if/1→then/3→then/4→6,
            # timeout/1→6, 6→7, 7.if/1→end
            {"trigger": 1, "next": 11, "if": 2, "else": 2, "then": 1, "timeout": 1, "goal": 1,
             "exit_on": 1},
        ),
    },
    "language_tour.sop": {
        "onboarding": (
            # The repeat's body is `if groups > 0 { send ... via group }`.
            {"trigger": 1, "send": 5, "wait": 1, "wait_for": 1, "score_step": 1,
             "stage_step": 1, "tag_step": 1, "if": 2, "task": 1, "handoff": 1, "notify": 1,
             "repeat_n": 1, "split": 1, **WATCHED},
            {"trigger": 1, "next": 11, "then": 1, "timeout": 1, "if": 2, "elif": 1, "else": 2,
             "body": 1, "repeat": 1, "loop_exit": 1, "arm": 2, "goal": 1, "exit_on": 1,
             "exit_when": 1},
        ),
        "t": (
            # Seven triggers; no clauses, but the `exit` step in the loop adds the exit node.
            {"trigger": 7, "wait_until_time": 1, "wait_until_day": 1, "repeat_until": 1,
             "set_step": 2, "untag_step": 1, "exit_step": 1, "if": 1, "enter": 1, "end": 1,
             "exit": 1},
            # 1→2→3, body/1→body/2→body/3→body/4, 4.if/1→end; the body ends in `exit`, so
            # there is no back edge and no loop exit (step 4 is unreachable but keeps its
            # edges); `enter onboarding` links to onboarding's one trigger
            {"trigger": 7, "next": 6, "body": 1, "exit": 1, "if": 1, "else": 1, "enter": 1},
        ),
    },
    "community_calendar.sop": {
        "社群早安": ({"trigger": 1, "send": 1, "end": 1}, {"trigger": 1, "next": 1}),
        "社群秒杀": (
            {"trigger": 1, "if": 1, "send": 1, "task": 1, "end": 1},
            {"trigger": 1, "if": 1, "else": 1, "next": 2},
        ),
        "朋友圈种草": (
            {"trigger": 1, "send": 1, **WATCHED},
            {"trigger": 1, "next": 1, "goal": 1, "exit_on": 1},
        ),
    },
    "moments_calendar.sop": {
        "moments_monday": (
            {"trigger": 1, "send": 2, "wait_until_day": 1, **WATCHED},
            {"trigger": 1, "next": 3, "goal": 1, "exit_on": 1},
        ),
        "moments_wednesday": (
            {"trigger": 1, "send": 1, **WATCHED},
            {"trigger": 1, "next": 1, "goal": 1, "exit_on": 1},
        ),
        "moments_live": (
            {"trigger": 1, "send": 1, **WATCHED},
            {"trigger": 1, "next": 1, "goal": 1, "exit_on": 1},
        ),
        "weekly_newsletter": (
            {"trigger": 1, "send": 1, **WATCHED},
            {"trigger": 1, "next": 1, "goal": 1, "exit_on": 1, "exit_when": 1},
        ),
    },
    "onboarding.sop": {
        "onboarding": (
            # sends: 1, course, 5.timeout/1, 7, small/2, big/2; tags: 2, 5.then/3, 9.if/2 and
            # one per split arm; scores: 5.then/1, 8.then/1, 8.timeout/1, 9.if/1
            {"trigger": 1, "send": 6, "tag_step": 6, "wait": 2, "wait_for": 2, "score_step": 4,
             "stage_step": 3, "wait_until_time": 1, "if": 2, "task": 2, "handoff": 1,
             "notify": 1, "split": 1, "untag_step": 1, **WATCHED},
            # 1→2→d1→course→5 (4), then/1→then/2→then/3→6 (3), timeout/1→6, 6→7→8 (2),
            # 8.then/1→then/2→9 (2), 8.timeout/1→9, 9.if/1→9.if/2→score_gate (2),
            # score_gate.if/1→if/2→if/3→11 (3), elif1/1→11, control/1→else/2,
            # small/1→small/2→else/2 (2), big/1→big/2→else/2 (2), else/2→else/3→11 (2), 11→end
            {"trigger": 1, "next": 27, "then": 2, "timeout": 2, "if": 2, "elif": 1, "else": 2,
             "arm": 3, "goal": 1, "exit_on": 1, "exit_when": 1},
        ),
        "sales_followup": (
            {"trigger": 1, "wait": 3, "task": 2, "if": 1, "stage_step": 1, "notify": 1,
             **WATCHED},
            # 1→2→3→4, 4.if/1→5, 4.else/1→5, 5→6→end
            {"trigger": 1, "next": 7, "if": 1, "else": 1, "goal": 1, "exit_on": 1,
             "exit_when": 1},
        ),
    },
    "repurchase.sop": {
        "refill": (
            {"trigger": 1, "if": 3, "stage_step": 1, "wait": 4, "send": 4, "enter": 1,
             "repeat_until": 1, "task": 1, **WATCHED},
            # 1.if/1→d3→3→d7→5 (4), 5.if/1→refill→7→8→9 (4), 10.if/1→10.if/2→end (2);
            # all three ifs lack an else; `enter referral_ask` links into this playbook
            {"trigger": 1, "next": 10, "if": 3, "else": 3, "body": 1, "repeat": 1,
             "loop_exit": 1, "enter": 1, "goal": 1, "exit_on": 1, "exit_when": 1},
        ),
        "referral_ask": (
            {"trigger": 1, "tag_step": 1, "send": 2, "wait_for": 1, "score_step": 1, "task": 1,
             **WATCHED},
            {"trigger": 1, "next": 5, "then": 1, "timeout": 1, "goal": 1, "exit_on": 1},
        ),
        "referral_thanks": (
            {"trigger": 1, "send": 1, "score_step": 1, "stage_step": 1, "tag_step": 1,
             **WATCHED},
            {"trigger": 1, "next": 4, "goal": 1, "exit_on": 1},
        ),
        "stage_switch": (
            {"trigger": 1, "if": 1, "send": 1, "task": 2, **WATCHED},
            # if/1→if/2→end, elif1/1→end; no else, so an `else` edge to the end
            {"trigger": 1, "next": 3, "if": 1, "elif": 1, "else": 1, "goal": 1, "exit_on": 1},
        ),
    },
    "vip_birthday.sop": {
        "vip_birthday": (
            {"trigger": 1, "task": 3, "send": 2, "wait_for": 1, "wait": 2, "tag_step": 1,
             "if": 1, "score_step": 1, "untag_step": 1, **WATCHED},
            # 1→2→3, 3.timeout/1→birthday→5→6→7→8 (5), 8.if/1→9, 8.else/1→9, 9→end
            {"trigger": 1, "next": 10, "then": 1, "timeout": 1, "if": 1, "else": 1, "goal": 1,
             "exit_on": 1},
        ),
        "vip_upgrade": (
            {"trigger": 1, "notify": 1, "send": 1, "wait_for": 1, "stage_step": 1,
             "score_step": 1, "task": 1, **WATCHED},
            # 1→2→3, then/1→then/2→end, timeout/1→end
            {"trigger": 1, "next": 5, "then": 1, "timeout": 1, "goal": 1, "exit_on": 1},
        ),
    },
    "winback.sop": {
        "winback": (
            # sends: 1, offer1, offer2, the sms; wait fors: 2, 5, 5.timeout/2, 8;
            # tasks: 5.then/1, call.if/1, call.elif1/1; ifs: the sms if and `call`
            {"trigger": 1, "send": 4, "wait_for": 4, "score_step": 3, "untag_step": 1,
             "tag_step": 2, "wait_until_day": 1, "wait": 1, "task": 3, "if": 2, **WATCHED},
            # 1→2, then/1→then/2→3 (2), 3→offer1→5 (2), 5.then/1→6, offer2→5.timeout/2,
            # sms→6, 6→call, call.if/1→8, call.elif1/1→8, 8.then/1→then/2→end (2),
            # 8.timeout/1→timeout/2→end (2); wait fors without `timeout` (2) and without
            # `then` (5.timeout/2), and ifs without `else`, still have that edge
            {"trigger": 1, "next": 15, "then": 4, "timeout": 4, "if": 2, "elif": 1, "else": 2,
             "goal": 1, "exit_on": 1, "exit_when": 1},
        ),
    },
}


def test_every_bundled_playbook_is_counted():
    """PLAYBOOK_COUNTS covers every playbook in playbooks/ and each of its journeys."""
    for path in sorted(PLAYBOOKS.glob("*.sop")):
        assert set(load(path).journeys) == set(PLAYBOOK_COUNTS[path.name]), path.name


@pytest.mark.parametrize(
    ("playbook", "journey"),
    [(p, j) for p, journeys in PLAYBOOK_COUNTS.items() for j in journeys],
)
def test_bundled_playbook_graph_counts(playbook, journey):
    """Each bundled journey has the nodes and edges, by kind, counted from its source."""
    program = load(PLAYBOOKS / playbook)
    assert program.ok, program.diagnostics
    graph = build_graph(program)
    nodes, edges_out = PLAYBOOK_COUNTS[playbook][journey]
    own = graph.journey_nodes(journey)
    assert Counter(graph.g.nodes[n]["kind"] for n in own) == Counter(nodes)
    kinds = Counter(kind for u, _, kind in graph.g.edges(data="kind") if u in set(own))
    assert kinds == Counter(edges_out)

"""The workflow graph: every journey's control flow as one networkx MultiDiGraph."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from sopdsl.syntax import ast
from sopdsl.syntax.source import Span
from sopdsl.syntax.step_ids import walk_steps
from sopdsl.syntax.walk import step_arms

# Edges that leave a journey's own control flow: reachability, paths and cycles ignore them.
CROSS_JOURNEY_KINDS = frozenset({"enter"})
# Journey clauses watched at any time while a customer is in the journey.
_WATCHED = (ast.Goal, ast.ExitOn, ast.ExitWhen)


@dataclass(frozen=True)
class _Continue:
    """Where control goes when a step list runs out, and how the plain edge there is typed."""

    node: str
    kind: str = "next"
    attrs: dict[str, Any] = field(default_factory=dict)


class WorkflowGraph:
    """A MultiDiGraph (`.g`) of triggers, steps, ends, exits and goals, with typed edges."""

    def __init__(self) -> None:
        self.g = nx.MultiDiGraph()
        self.journeys: dict[str, ast.Journey] = {}
        self._nodes: dict[str, list[str]] = {}

    def journey_nodes(self, name: str) -> list[str]:
        """The journey's nodes in build order: triggers, steps, end, exit, any, goals."""
        if name not in self._nodes:
            raise KeyError(f"no journey named {name!r} in the graph")
        return list(self._nodes[name])

    def entry_nodes(self, name: str) -> list[str]:
        """Where the journey starts: its triggers, or its first node when it has none (E301)."""
        nodes = self.journey_nodes(name)
        triggers = [n for n in nodes if self.g.nodes[n]["kind"] == "trigger"]
        return triggers or nodes[:1]

    def step_nodes(self, name: str) -> list[str]:
        """The journey's step ids in source order."""
        return [n for n in self.journey_nodes(name) if "step" in self.g.nodes[n]]

    def successors(self, node: str, kind: str | None = None) -> list[str]:
        """The targets of the node's out edges (of one kind when given), each once, in order."""
        targets = (v for _, v, k in self.g.out_edges(node, data="kind") if kind in (None, k))
        return list(dict.fromkeys(targets))

    def journey_flow(self, name: str) -> nx.MultiDiGraph:
        """A read-only view of one journey's own control flow (no edges into other journeys)."""
        own = set(self.journey_nodes(name))
        return nx.subgraph_view(
            self.g,
            filter_node=own.__contains__,
            filter_edge=lambda u, v, k: self.g.edges[u, v, k]["kind"] not in CROSS_JOURNEY_KINDS,
        )

    def reachable_steps(self, journey: str) -> list[str]:
        """Step ids that control can reach from the journey's entry, in source order."""
        reached = self._reached(journey)
        return [n for n in self.step_nodes(journey) if n in reached]

    def unreachable_steps(self, journey: str) -> list[str]:
        """Step ids that control can never reach (e.g. after an `exit`), in source order."""
        reached = self._reached(journey)
        return [n for n in self.step_nodes(journey) if n not in reached]

    def paths(self, journey: str, max_paths: int = 100) -> list[list[str]]:
        """Up to max_paths distinct simple paths from an entry node to the journey's end or exit."""
        # A plain DiGraph: parallel edges (two empty split arms) would list a node path twice.
        flow = nx.DiGraph(self.journey_flow(journey))
        nodes = self.journey_nodes(journey)
        ends = [n for n in nodes if self.g.nodes[n]["kind"] in ("end", "exit")]
        found = itertools.chain.from_iterable(
            nx.all_simple_paths(flow, root, ends) for root in self.entry_nodes(journey)
        )
        return list(itertools.islice(found, max_paths))

    def cycles(self, include_enter: bool = False) -> list[list[str]]:
        """The graph's simple cycles, each starting at its earliest node; only repeats make them."""
        view = self.g if include_enter else nx.subgraph_view(
            self.g,
            filter_edge=lambda u, v, k: self.g.edges[u, v, k]["kind"] not in CROSS_JOURNEY_KINDS,
        )
        order = {node: i for i, node in enumerate(self.g.nodes)}
        rotated = []
        for cycle in nx.simple_cycles(view):
            start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
            rotated.append(cycle[start:] + cycle[:start])
        return sorted(rotated, key=lambda c: [order[n] for n in c])

    def _add_journey(self, journey: ast.Journey) -> None:
        self.journeys[journey.name.name] = journey
        self._nodes[journey.name.name] = []

    def _add_node(self, node: str, journey: str, **attrs: Any) -> None:
        self.g.add_node(node, journey=journey, **attrs)
        self._nodes[journey].append(node)

    def _reached(self, journey: str) -> set[str]:
        flow = self.journey_flow(journey)
        roots = self.entry_nodes(journey)
        return set(roots).union(*(nx.descendants(flow, root) for root in roots))


def build_graph(journeys: Iterable[ast.Journey]) -> WorkflowGraph:
    """The workflow graph of the given journeys (a repeated journey name keeps the first)."""
    graph = WorkflowGraph()
    enters: list[tuple[str, str]] = []
    for journey in journeys:
        if journey.name.name not in graph.journeys:
            enters += _JourneyBuilder(graph, journey).build()
    for step_id, target in enters:
        if target in graph.journeys:
            for entry in graph.entry_nodes(target):
                graph.g.add_edge(step_id, entry, kind="enter")
    return graph


def step_kind(step: ast.Step) -> str:
    """A step's node kind: its AST class name in snake case (`WaitFor` is "wait_for")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(step).__name__).lower()


class _JourneyBuilder:
    """Adds one journey's nodes and edges; returns its `enter` steps for linking afterwards."""

    def __init__(self, graph: WorkflowGraph, journey: ast.Journey) -> None:
        self.graph = graph
        self.journey = journey
        self.name = journey.name.name
        self.end = f"{self.name}/@end"
        self.exit = f"{self.name}/@exit"
        self.ids: dict[int, str] = {}
        self.enters: list[tuple[str, str]] = []

    def build(self) -> list[tuple[str, str]]:
        self.graph._add_journey(self.journey)
        triggers = self._add_triggers()
        every_step = self._add_steps()
        self._add(self.end, "end", self.journey.span)
        watched = [c for c in self.journey.clauses if isinstance(c, _WATCHED)]
        if watched or any(isinstance(step, ast.ExitStep) for step in every_step):
            self._add(self.exit, "exit", self.journey.span)
        top = self.journey.steps
        first = self.ids[id(top[0])] if top else self.end
        for trigger in triggers:
            self._edge(trigger, first, "trigger")
        self._link_list(top, _Continue(self.end))
        if watched:
            self._add_watched(watched)
        return self.enters

    def _add(self, node: str, kind: str, span: Span, **attrs: Any) -> None:
        self.graph._add_node(node, self.name, kind=kind, span=span, **attrs)

    def _edge(self, u: str, v: str, kind: str, **attrs: Any) -> None:
        self.graph.g.add_edge(u, v, kind=kind, **attrs)

    def _add_triggers(self) -> list[str]:
        triggers = [t for c in self.journey.clauses if isinstance(c, ast.When) for t in c.triggers]
        nodes = []
        for i, trigger in enumerate(triggers, start=1):
            node = f"{self.name}/@when/{i}"
            self._add(node, "trigger", trigger.span, trigger=trigger)
            nodes.append(node)
        return nodes

    def _add_steps(self) -> list[ast.Step]:
        steps = []
        for ref in walk_steps(self.journey):
            self.ids[id(ref.step)] = ref.id
            steps.append(ref.step)
            label = ref.step.label.name if ref.step.label else None
            self._add(
                ref.id, step_kind(ref.step), ref.step.span,
                step=ref.step, label=label, parent=ref.parent, arm=ref.arm, depth=ref.depth,
            )
        return steps

    def _add_watched(self, clauses: list[ast.Clause]) -> None:
        watch = f"{self.name}/@any"
        self._add(watch, "any", self.journey.span)
        for clause in clauses:
            if isinstance(clause, ast.Goal):
                goal = f"{self.name}/@goal/{clause.name.name}"
                if goal not in self.graph.g:
                    self._add(goal, "goal", clause.span, goal=clause)
                self._edge(
                    watch, goal, "goal", events=clause.events, within=clause.within, clause=clause
                )
            elif isinstance(clause, ast.ExitOn):
                self._edge(watch, self.exit, "exit_on", events=clause.events, clause=clause)
            else:
                self._edge(watch, self.exit, "exit_when", condition=clause.expr, clause=clause)

    def _link_list(self, steps: list[ast.Step], after: _Continue) -> None:
        for i, step in enumerate(steps):
            step_after = _Continue(self.ids[id(steps[i + 1])]) if i + 1 < len(steps) else after
            self._link_step(step, self.ids[id(step)], step_after)

    def _link_step(self, step: ast.Step, node: str, after: _Continue) -> None:
        if isinstance(step, ast.ExitStep):
            self._edge(node, self.exit, "exit")
            return
        if isinstance(step, ast.Enter):
            self.enters.append((node, step.journey.name))
        arms = step_arms(step)
        if not arms:
            self._edge(node, after.node, after.kind, **after.attrs)
            return
        round_end = _round_end(step, node)
        inner = round_end or after
        for (_, steps), (kind, attrs) in zip(arms, _arm_edges(step), strict=True):
            if steps:
                self._edge(node, self.ids[id(steps[0])], kind, **attrs)
                self._link_list(steps, inner)
            else:
                self._edge(node, inner.node, kind, **attrs, **inner.attrs)
        if round_end:
            self._edge(node, after.node, "loop_exit", **after.attrs)


def _round_end(step: ast.Step, node: str) -> _Continue | None:
    """For a repeat, the back edge that ends each round of its body."""
    if isinstance(step, (ast.RepeatN, ast.RepeatUntil)):
        return _Continue(node, "repeat", {"wait": step.every, "back": True})
    return None


def _arm_edges(step: ast.Step) -> list[tuple[str, dict[str, Any]]]:
    """The kind and attributes of the edge into each of step_arms(step), in the same order."""
    if isinstance(step, ast.WaitFor):
        return [("then", {}), ("timeout", {"within": step.within})]
    if isinstance(step, ast.If):
        branches = [
            ("elif" if i else "if", {"arm": f"elif{i}" if i else "if", "condition": b.condition})
            for i, b in enumerate(step.branches)
        ]
        return branches + [("else", {"arm": "else", "condition": None})]
    if isinstance(step, ast.Split):
        return [("arm", {"name": a.name.name, "share": a.share.value}) for a in step.arms]
    return [("body", {})]

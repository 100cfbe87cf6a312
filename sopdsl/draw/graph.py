"""The workflow graph: every journey's control flow as one networkx MultiDiGraph.

The edges are the compiled journeys' own (`sopdsl.runtime.flow`); the nodes and the words on
the edges come from the syntax tree, found by step id.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import networkx as nx

from sopdsl.checker.program import Program
from sopdsl.runtime import steps
from sopdsl.runtime.flow import StepEdge, end_node, exit_node, node_at, step_edges
from sopdsl.runtime.journey_program import CompiledJourney, compile_program
from sopdsl.syntax import ast
from sopdsl.syntax.source import Span
from sopdsl.syntax.step_ids import walk_steps

# Edges that leave a journey's own control flow: reachability, paths and cycles ignore them.
CROSS_JOURNEY_KINDS = frozenset({"enter"})
# Journey clauses watched at any time while a customer is in the journey.
_WATCHED = (ast.Goal, ast.ExitOn, ast.ExitWhen)


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


def build_graph(program: Program,
                compiled: dict[str, CompiledJourney] | None = None) -> WorkflowGraph:
    """The workflow graph of the program's journeys (compiled here unless given)."""
    compiled = compiled if compiled is not None else compile_program(program)
    graph = WorkflowGraph()
    for name, journey in program.journeys.items():
        _JourneyBuilder(graph, journey, compiled[name]).build()
    for journey in compiled.values():
        for instruction in journey.code:
            if isinstance(instruction, steps.EnterJourney) and instruction.target in graph.journeys:
                for entry in graph.entry_nodes(instruction.target):
                    graph.g.add_edge(instruction.step, entry, kind="enter")
    return graph


def step_kind(step: ast.Step) -> str:
    """A step's node kind: its AST class name in snake case (`WaitFor` is "wait_for")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(step).__name__).lower()


class _JourneyBuilder:
    """Adds one journey's nodes, its compiled edges and its watched clauses."""

    def __init__(self, graph: WorkflowGraph, journey: ast.Journey,
                 compiled: CompiledJourney) -> None:
        self.graph = graph
        self.journey = journey
        self.compiled = compiled
        self.name = journey.name.name
        self.steps: dict[str, ast.Step] = {}

    def build(self) -> None:
        self.graph._add_journey(self.journey)
        triggers = self._add_triggers()
        self._add_steps()
        self._add(end_node(self.name), "end", self.journey.span)
        watched = [c for c in self.journey.clauses if isinstance(c, _WATCHED)]
        if watched or any(isinstance(i, steps.ExitStep) for i in self.compiled.code):
            self._add(exit_node(self.name), "exit", self.journey.span)
        first = node_at(self.compiled, 0)
        for trigger in triggers:
            self._edge(trigger, first, "trigger")
        for edge in step_edges(self.compiled):
            self._edge(edge.source, edge.target, edge.kind, **self._words(edge))
        if watched:
            self._add_watched(watched)

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

    def _add_steps(self) -> None:
        for ref in walk_steps(self.journey):
            self.steps[ref.id] = ref.step
            label = ref.step.label.name if ref.step.label else None
            self._add(
                ref.id, step_kind(ref.step), ref.step.span,
                step=ref.step, label=label, parent=ref.parent, arm=ref.arm, depth=ref.depth,
            )

    def _words(self, edge: StepEdge) -> dict[str, Any]:
        """What the playbook says about an edge: its condition, share, window or round wait."""
        step = self.steps[edge.source]
        words: dict[str, Any] = {}
        if isinstance(step, ast.WaitFor) and edge.kind == "timeout":
            words["within"] = step.within
        elif isinstance(step, ast.If) and edge.kind in ("if", "elif", "else"):
            arm = edge.arm or 0
            words["arm"] = "else" if edge.kind == "else" else f"elif{arm}" if arm else "if"
            words["condition"] = None if edge.kind == "else" else step.branches[arm].condition
        elif isinstance(step, ast.Split) and edge.arm is not None:
            words.update(name=step.arms[edge.arm].name.name, share=step.arms[edge.arm].share.value)
        if edge.back:
            words.update(wait=self.steps[edge.target].every, back=True)  # type: ignore[union-attr]
        return words

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
                self._edge(watch, exit_node(self.name), "exit_on", events=clause.events,
                           clause=clause)
            else:
                self._edge(watch, exit_node(self.name), "exit_when", condition=clause.expr,
                           clause=clause)

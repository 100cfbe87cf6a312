"""Timed paths through a journey: what one customer can go through, and when at the earliest.

The walk follows the workflow graph from each trigger to the end or an exit. Every `wait for`
tries both arms, every branch and split arm is taken, and a repeat's body is unrolled round by
round up to its bound (`repeat N`: exactly N rounds; `until ... max N`: 1 to N). Times are
the earliest minute after entry at which each step can run: waits add their duration (and the
time to the next `at`/`until` clock time when the time of day is known), a `wait for` adds
nothing on `then` and its window on `timeout`, a repeat adds `every` between rounds. Staff
delays, quiet-hours deferral and goals are left out: the result is the tightest schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sopdsl.syntax import ast
from sopdsl.draw.graph import WorkflowGraph
from sopdsl.builtins import MINUTES_PER_DAY

Rounds = tuple[tuple[str, int], ...]  # rounds done, per repeat node being unrolled
_REPEATS = (ast.RepeatN, ast.RepeatUntil)

MAX_PATHS = 300
MAX_ROUNDS = 60
MAX_WALKED = 20_000  # steps walked per journey before the walk gives up (incomplete)


class Visit(NamedTuple):
    """One step on a path: its id, the step, the earliest minute it runs, the clock then."""

    node: str
    step: ast.Step
    at: int
    clock: int | None  # minute of the day when known


@dataclass(frozen=True)
class JourneyPaths:
    """The timed paths of one journey; `complete` is False when the walk stopped early."""

    journey: str
    paths: tuple[tuple[Visit, ...], ...]
    complete: bool


class _Edge(NamedTuple):
    target: str
    kind: str
    delay: int  # minutes the edge itself takes (a repeat's `every`, a timeout's window)
    back: bool


def journey_paths(graph: WorkflowGraph, journey: str) -> JourneyPaths:
    """Every timed path through the journey (up to MAX_PATHS), depth first in source order."""
    walker = _Walker(graph)
    for entry in graph.entry_nodes(journey):
        trigger = graph.g.nodes[entry].get("trigger")
        clock = trigger_clock(trigger) if trigger is not None else None
        if graph.g.nodes[entry]["kind"] == "trigger":
            walker.walk(walker.moves(entry, None, 0, clock, (), 0))
        else:
            walker.walk([_Move(entry, 0, clock, (), False, 0)])
    return JourneyPaths(journey, tuple(walker.paths), not walker.truncated)


def trigger_clock(trigger: ast.Trigger) -> int | None:
    """The time of day a trigger fires at, when it names one."""
    at = getattr(trigger, "at", None)
    return at.minutes if isinstance(at, ast.TimeOfDay) else None


def clock_after(clock: int | None, minutes: int) -> int | None:
    """The time of day `minutes` after `clock`, when the clock is known."""
    return None if clock is None else (clock + minutes) % MINUTES_PER_DAY


def until(clock: int | None, target: int) -> int:
    """Minutes from `clock` to the next `target` time of day (0 when the clock is unknown)."""
    return 0 if clock is None else (target - clock) % MINUTES_PER_DAY


def step_timing(step: ast.Step, at: int, clock: int | None) -> tuple[int, int | None]:
    """When the step has run and the clock then, given when it starts."""
    match step:
        case ast.Wait(duration=duration, at=target):
            at, clock = at + duration.minutes, clock_after(clock, duration.minutes)
            if target is not None:
                at, clock = at + until(clock, target.minutes), target.minutes
        case ast.WaitUntilTime(time=target):
            at, clock = at + until(clock, target.minutes), target.minutes
        case ast.WaitUntilDay(at=target):
            if target is None:
                return at, None
            at, clock = at + until(clock, target.minutes), target.minutes
        case ast.Send(at=target) if target is not None:
            at, clock = at + until(clock, target.minutes), target.minutes
    return at, clock


class _Move(NamedTuple):
    """A node to visit next, the state on arrival, and how long the path is before it."""

    node: str
    at: int
    clock: int | None
    rounds: Rounds
    back: bool
    depth: int


class _Walker:
    """Depth-first walk with an explicit stack (nested repeats make paths long); the path so
    far is one list, cut back to each move's depth and copied only when a path is complete."""

    def __init__(self, graph: WorkflowGraph) -> None:
        self.graph = graph
        self.paths: list[tuple[Visit, ...]] = []
        self.truncated = False
        self.visits: list[Visit] = []
        self.budget = MAX_WALKED
        self._out: dict[str, list[_Edge]] = {}

    def walk(self, stack: list[_Move]) -> None:
        while stack:
            if len(self.paths) >= MAX_PATHS or self.budget <= 0:
                self.truncated = True
                return
            self.budget -= 1
            move = stack.pop()
            del self.visits[move.depth:]
            attrs = self.graph.g.nodes[move.node]
            if attrs["kind"] in ("end", "exit"):
                self.paths.append(tuple(self.visits))
                continue
            step = attrs["step"]
            at, clock = step_timing(step, move.at, move.clock)
            rounds = move.rounds
            if not move.back and isinstance(step, _REPEATS):
                rounds = tuple(r for r in rounds if r[0] != move.node) + ((move.node, 0),)
            self.visits.append(Visit(move.node, step, at, clock))
            stack.extend(self.moves(move.node, step, at, clock, rounds, move.depth + 1))

    def moves(self, node: str, step: ast.Step | None, at: int, clock: int | None,
              rounds: Rounds, depth: int) -> list[_Move]:
        """The moves along the node's edges, last edge first (so the stack pops source order)."""
        found = []
        for edge in reversed(self._edges(node)):
            after = _next_rounds(step, node, edge.kind, rounds)
            if after is not None:
                then_clock = None if edge.kind == "then" else clock_after(clock, edge.delay)
                found.append(_Move(edge.target, at + edge.delay, then_clock, after, edge.back,
                                   depth))
        return found

    def _edges(self, node: str) -> list[_Edge]:
        if node not in self._out:
            self._out[node] = [
                _Edge(v, d["kind"], _delay(d), bool(d.get("back")))
                for _, v, d in self.graph.g.out_edges(node, data=True) if d["kind"] != "enter"]
        return self._out[node]


def _delay(data: dict) -> int:
    duration = data.get("wait") or data.get("within")
    return duration.minutes if duration is not None else 0


def _next_rounds(step: ast.Step | None, node: str, kind: str, rounds: Rounds) -> Rounds | None:
    """The round counters after taking an edge out of a repeat, None when it cannot be taken."""
    if kind not in ("body", "loop_exit") or not isinstance(step, _REPEATS):
        return rounds
    bound = step.count if isinstance(step, ast.RepeatN) else step.max
    most = max(1, min(int(bound.value), MAX_ROUNDS))
    least = most if isinstance(step, ast.RepeatN) else 1
    done = dict(rounds).get(node, 0)
    others = tuple(r for r in rounds if r[0] != node)
    if kind == "body":
        return others + ((node, done + 1),) if done < most else None
    return others if done >= least else None

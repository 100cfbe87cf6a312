"""What the rules share about one program, each piece computed once and only when asked."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sopdsl.syntax import ast
from sopdsl.draw.graph import WorkflowGraph, build_graph
from sopdsl.lint.intervals import Reasoner, Vocabulary
from sopdsl.lint.paths import JourneyPaths, entry_time, journey_paths
from sopdsl.lint.usage import Usage, collect_usage
from sopdsl.checker.program import Program
from sopdsl.runtime.hours import DEFAULT_WORKING_HOURS, DailyHours
from sopdsl.runtime.journey_program import CompiledJourney, compile_program
from sopdsl.runtime.static_clock import LocalTime
from sopdsl.syntax.step_ids import StepRef, walk_steps


@dataclass(frozen=True)
class LintOptions:
    """Assumptions the rules make that a team may want to state differently."""

    staff_hours: DailyHours = DEFAULT_WORKING_HOURS


@dataclass
class LintContext:
    """One program and what rules derive from it: graph, reasoner, usage, timed paths."""

    program: Program
    options: LintOptions = field(default_factory=LintOptions)
    usage_cache: dict[int, Usage] = field(default_factory=dict, repr=False)
    _paths: dict[str, JourneyPaths] = field(default_factory=dict, init=False, repr=False)
    _steps: dict[str, list[StepRef]] = field(default_factory=dict, init=False, repr=False)

    @functools.cached_property
    def compiled(self) -> dict[str, CompiledJourney]:
        """The journeys as they run: the one model of their control flow and timing."""
        return compile_program(self.program)

    @functools.cached_property
    def graph(self) -> WorkflowGraph:
        return build_graph(self.program, self.compiled)

    @functools.cached_property
    def reasoner(self) -> Reasoner:
        return Reasoner(Vocabulary.of(self.program))

    @functools.cached_property
    def usage(self) -> Usage:
        """Every name the program refers to, by kind."""
        return collect_usage(self.program, self.usage_cache)

    @property
    def journeys(self) -> list[ast.Journey]:
        return list(self.graph.journeys.values())

    def paths(self, journey: str) -> JourneyPaths:
        """The journey's timed paths (see `sopdsl.lint.paths`), walked once."""
        if journey not in self._paths:
            syntax = self.program.journeys[journey]
            steps = {ref.id: ref.step for ref in self.steps(syntax)}
            entries = [entry_time(t) for t in triggers(syntax)] or [LocalTime()]
            self._paths[journey] = journey_paths(self.compiled[journey], steps, entries)
        return self._paths[journey]

    def reachable(self, journey: str) -> set[str]:
        """The journey's step ids that some path reaches."""
        paths = self.paths(journey)
        if paths.complete:
            return {visit.node for path in paths.paths for visit in path}
        return set(self.graph.reachable_steps(journey))

    def steps(self, journey: ast.Journey) -> list[StepRef]:
        """The journey's steps with their ids, depth first in source order."""
        key = journey.name.name
        if key not in self._steps:
            self._steps[key] = list(walk_steps(journey))
        return self._steps[key]


def clauses(journey: ast.Journey, kind: type) -> list:
    """The journey's clauses of one kind, in source order."""
    return [c for c in journey.clauses if isinstance(c, kind)]


def triggers(journey: ast.Journey) -> list[ast.Trigger]:
    """Every trigger of the journey, over all its `when` clauses."""
    return [t for c in clauses(journey, ast.When) for t in c.triggers]

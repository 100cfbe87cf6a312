"""Stable step ids: every step of a journey named by its label or its position, never its layout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.syntax.walk import nested_steps


@dataclass(frozen=True)
class StepRef:
    """One step with its stable id, the id of the step holding it and the arm it sits in."""

    id: str
    step: ast.Step
    parent: str | None
    arm: str | None
    depth: int


def walk_steps(journey: ast.Journey) -> Iterator[StepRef]:
    """Every step of the journey with its id, depth first in source order."""
    name = journey.name.name
    taken: set[str] = set()
    ids: dict[int, str] = {}
    for place in nested_steps(journey.steps):
        parent = None if place.parent is None else ids[id(place.parent)]
        prefix = name if parent is None else f"{parent}.{place.arm}"
        label = place.step.label
        step_id = _unique(f"{name}/{label.name}" if label else f"{prefix}/{place.position}", taken)
        ids[id(place.step)] = step_id
        yield StepRef(step_id, place.step, parent, place.arm, place.depth)


def step_id_map(journey: ast.Journey) -> dict[str, ast.Step]:
    """The journey's steps by id, in source order."""
    return {ref.id: ref.step for ref in walk_steps(journey)}


def _unique(wanted: str, taken: set[str]) -> str:
    # Only a file with duplicate labels or split arms (E304, E307) gets here twice.
    step_id, n = wanted, 1
    while step_id in taken:
        n += 1
        step_id = f"{wanted}~{n}"
    taken.add(step_id)
    return step_id

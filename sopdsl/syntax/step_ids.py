"""Stable step ids: every step of a journey named by its label or its position, never its layout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sopdsl.syntax import ast

# A compound step's arms in source order: (arm name, its steps, or None when not written).
Arms = list[tuple[str, list[ast.Step] | None]]


@dataclass(frozen=True)
class StepRef:
    """One step with its stable id, the id of the step holding it and the arm it sits in."""

    id: str
    step: ast.Step
    parent: str | None
    arm: str | None
    depth: int


def step_arms(step: ast.Step) -> Arms:
    """The arms of a compound step (absent ones as None); a simple step has none."""
    if isinstance(step, ast.WaitFor):
        return [("then", step.then), ("timeout", step.timeout)]
    if isinstance(step, ast.If):
        arms: Arms = [("if", step.branches[0].steps)] if step.branches else []
        arms += [(f"elif{i}", b.steps) for i, b in enumerate(step.branches[1:], start=1)]
        return arms + [("else", step.otherwise)]
    if isinstance(step, ast.Split):
        return [(arm.name.name, arm.steps) for arm in step.arms]
    if isinstance(step, (ast.RepeatN, ast.RepeatUntil)):
        return [("body", step.steps)]
    return []


def walk_steps(journey: ast.Journey) -> Iterator[StepRef]:
    """Every step of the journey with its id, depth first in source order."""
    taken: set[str] = set()
    yield from _walk(journey.name.name, journey.steps, None, None, 0, taken)


def step_id_map(journey: ast.Journey) -> dict[str, ast.Step]:
    """The journey's steps by id, in source order."""
    return {ref.id: ref.step for ref in walk_steps(journey)}


def _walk(
    journey: str,
    steps: list[ast.Step],
    parent: str | None,
    arm: str | None,
    depth: int,
    taken: set[str],
) -> Iterator[StepRef]:
    prefix = journey if parent is None else f"{parent}.{arm}"
    for position, step in enumerate(steps, start=1):
        wanted = f"{journey}/{step.label.name}" if step.label else f"{prefix}/{position}"
        step_id = _unique(wanted, taken)
        yield StepRef(step_id, step, parent, arm, depth)
        for arm_name, arm_steps in step_arms(step):
            yield from _walk(journey, arm_steps or [], step_id, arm_name, depth + 1, taken)


def _unique(wanted: str, taken: set[str]) -> str:
    # Only a file with duplicate labels or split arms (E304, E307) gets here twice.
    step_id, n = wanted, 1
    while step_id in taken:
        n += 1
        step_id = f"{wanted}~{n}"
    taken.add(step_id)
    return step_id

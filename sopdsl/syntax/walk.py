"""Walks over the syntax tree: the steps nested in a list of steps, every node under a root."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from sopdsl.syntax import ast

# A compound step's arms in source order: (arm name, its steps, or None when not written).
Arms = list[tuple[str, list[ast.Step] | None]]


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


@dataclass(frozen=True, slots=True)
class Placed:
    """A step where it is written: the compound step and arm holding it, its place there."""

    step: ast.Step
    parent: ast.Step | None
    arm: str | None
    position: int  # 1-based, in its list
    depth: int


def nested_steps(steps: Sequence[ast.Step] | None) -> Iterator[Placed]:
    """The steps and every step nested in them, depth first in source order."""
    pending = [_placed(steps or [], None, None, 0)]
    while pending:
        place = next(pending[-1], None)
        if place is None:
            pending.pop()
            continue
        yield place
        pending.extend(
            _placed(arm or [], place.step, name, place.depth + 1)
            for name, arm in reversed(step_arms(place.step)))


def _placed(steps: Sequence[ast.Step], parent: ast.Step | None, arm: str | None,
            depth: int) -> Iterator[Placed]:
    for position, step in enumerate(steps, start=1):
        yield Placed(step, parent, arm, position, depth)


def nodes(root: object) -> Iterator[ast.Node]:
    """Every AST node under `root` (a node or a list of them), depth first in source order."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, ast.Node):
            yield item
            stack.extend(reversed(list(item.__dict__.values())))


def most_sends(steps: list[ast.Step] | None, channels: Collection[str]) -> float:
    """The most sends on `channels` one pass through the steps makes: the busiest arm, every
    round of a repeat."""
    count = 0.0
    for step in steps or []:
        if isinstance(step, ast.Send) and step.channel.name in channels:
            count += 1
        elif isinstance(step, (ast.RepeatN, ast.RepeatUntil)):
            rounds = step.count if isinstance(step, ast.RepeatN) else step.max
            count += rounds.value * most_sends(step.steps, channels)
        elif arms := step_arms(step):
            count += max(most_sends(arm, channels) for _, arm in arms)
    return count

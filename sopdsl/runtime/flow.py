"""A compiled journey's control flow between its steps, read off its instructions' successors.

Every step is one node, named by its step id; the journey's end and an early exit are nodes
of their own. A repeat's node stands for its head and its tail alike: a flow into the loop's
end is drawn as an edge back into the repeat node (a back edge, which waits the repeat's
`every` before the next round), and the repeat node leaves to its body and, when done, to the
step after it. Jumps (the ends of arms) are not nodes: an edge runs through them.

An instruction no run reaches draws no edge while another part of its step runs (the loop
end of a repeat whose body always exits); a step no run reaches keeps its edges, so the
drawing still shows where it stands.
"""

from __future__ import annotations

from typing import NamedTuple

from sopdsl.runtime import steps
from sopdsl.runtime.journey_program import CompiledJourney


class StepEdge(NamedTuple):
    """One way control goes from a step to a step (or the journey's end or exit node)."""

    source: str
    target: str
    kind: str  # a Flow kind; `repeat` for a plain step ending a round
    arm: int | None  # which condition or split arm of the source, in source order
    back: bool  # ends a round of the repeat `target`


def end_node(journey: str) -> str:
    """The node where a journey's runs end by running out of steps."""
    return f"{journey}/@end"


def exit_node(journey: str) -> str:
    """The node where a journey's runs end early: an `exit` step, a goal or an exit clause."""
    return f"{journey}/@exit"


def landing(code: list[steps.Instruction], pc: int) -> int:
    """Where control lands from `pc`, through the jumps that end arms."""
    while 0 <= pc < len(code) and isinstance(code[pc], steps.Jump):
        pc = code[pc].target  # type: ignore[attr-defined]
    return pc


def node_at(journey: CompiledJourney, pc: int) -> str:
    """The node of an instruction index: its step, or the end (past the code) or exit (STOP)."""
    pc = landing(journey.code, pc)
    if pc == steps.STOP:
        return exit_node(journey.name)
    if pc >= len(journey.code):
        return end_node(journey.name)
    return journey.code[pc].step


def reached(journey: CompiledJourney) -> set[int]:
    """The instruction indexes control can reach from the start along successors."""
    code, seen, pending = journey.code, set(), [0]
    while pending:
        pc = pending.pop()
        if 0 <= pc < len(code) and pc not in seen:
            seen.add(pc)
            pending.extend(flow.target for flow in code[pc].successors(pc))
    return seen


def step_edges(journey: CompiledJourney) -> list[StepEdge]:
    """The journey's edges between steps, in code order, each once."""
    code = journey.code
    live = reached(journey)
    running = {code[pc].step for pc in live}
    found: dict[StepEdge, None] = {}
    for pc, instruction in enumerate(code):
        if isinstance(instruction, steps.Jump) or (pc not in live and instruction.step in running):
            continue
        for flow in instruction.successors(pc):
            if isinstance(instruction, steps.LoopEnd) and flow.kind == "repeat":
                continue  # the round's way back is the back edge into the repeat node
            target = landing(code, flow.target)
            back = 0 <= target < len(code) and isinstance(code[target], steps.LoopEnd)
            kind = "repeat" if back and flow.kind == "next" else flow.kind
            edge = StepEdge(instruction.step, node_at(journey, target), kind, flow.arm, back)
            if edge.source == edge.target and flow.kind == "next" and not back:
                continue  # within one step: the wait a `send ... at` makes before sending
            found.setdefault(edge)
    return list(found)

"""Timed paths through a journey: what one customer can go through, and when at the earliest.

The walk runs the compiled journey's instructions along their successors, from each trigger
to the end or an exit: every `wait for` tries both arms, every branch and split arm is taken,
and a repeat runs round by round as its loop end allows (`repeat N`: exactly N rounds;
`until ... max N`: 1 to N, at most MAX_ROUNDS). Times are minutes after entry, taken from the
instructions themselves (`sopdsl.runtime.static_clock`): a wait wakes when a run's would, given
what is known of the local time; a `then` arm comes at the earliest at once (the time of day
is lost there), a timeout after its window, a next round after `every`. Staff delays,
quiet-hours deferral and goals are left out: the result is the tightest schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sopdsl.runtime import steps
from sopdsl.runtime.clock import WEEKDAYS
from sopdsl.runtime.journey_program import CompiledJourney
from sopdsl.runtime.static_clock import LocalTime, static_wake
from sopdsl.syntax import ast

Rounds = tuple[tuple[int, int], ...]  # rounds done, per repeat (by its loop's slot)

MAX_PATHS = 300
MAX_ROUNDS = 60
MAX_WALKED = 20_000  # instructions walked per journey before the walk gives up (incomplete)


class Visit(NamedTuple):
    """One instruction run on a path: its step's id and syntax, when it lets control go on
    (minutes after entry) and the time of day then, when known."""

    node: str
    step: ast.Step
    instruction: steps.Instruction
    at: int
    clock: int | None


@dataclass(frozen=True)
class JourneyPaths:
    """The timed paths of one journey; `complete` is False when the walk stopped early.
    `spacings` holds, per path, the least time to the next entry of a run that took it (None
    when the journey is entered once)."""

    journey: str
    paths: tuple[tuple[Visit, ...], ...]
    complete: bool
    spacings: tuple[int | None, ...] = ()


def entry_time(trigger: ast.Trigger) -> LocalTime:
    """What a trigger tells of the local time at entry: its `at`, and an `every`'s weekday."""
    at = getattr(trigger, "at", None)
    if not isinstance(at, ast.TimeOfDay):
        return LocalTime()
    weekday = getattr(trigger, "weekday", None)
    return LocalTime(at.minutes, WEEKDAYS.index(weekday) if weekday in WEEKDAYS else None)


def journey_paths(journey: CompiledJourney, syntax: dict[str, ast.Step],
                  entries: list[LocalTime]) -> JourneyPaths:
    """Every timed path through the journey from each entry (up to MAX_PATHS), depth first
    in source order; `syntax` maps step ids to their steps."""
    walker = _Walker(journey, syntax)
    for local in entries:
        walker.walk([_Move(0, 0, local, local.minute is not None, (), 0)])
    spacings = tuple(journey.entry_spacing(path[-1].at if path else 0) for path in walker.paths)
    return JourneyPaths(journey.name, tuple(walker.paths), not walker.truncated, spacings)


class _Move(NamedTuple):
    """An instruction to run next, the state on arrival, and how long the path is before it.

    `local` is the local time on the earliest schedule (a `then` arm's event at once), which
    the timing follows; `fixed` says whether its time of day is the same for every customer
    on this path, which it stops being where an event can come at any moment.
    """

    pc: int
    at: int
    local: LocalTime
    fixed: bool
    rounds: Rounds
    depth: int


class _Walker:
    """Depth-first walk with an explicit stack (nested repeats make paths long); the path so
    far is one list, cut back to each move's depth and copied only when a path is complete."""

    def __init__(self, journey: CompiledJourney, syntax: dict[str, ast.Step]) -> None:
        self.code = journey.code
        self.syntax = syntax
        self.paths: list[tuple[Visit, ...]] = []
        self.truncated = False
        self.visits: list[Visit] = []
        self.budget = MAX_WALKED
        self._wakes: dict[tuple[int, LocalTime], tuple[int, LocalTime]] = {}

    def walk(self, stack: list[_Move]) -> None:
        while stack:
            if len(self.paths) >= MAX_PATHS or self.budget <= 0:
                self.truncated = True
                return
            self.budget -= 1
            move = stack.pop()
            del self.visits[move.depth:]
            if not 0 <= move.pc < len(self.code):
                self.paths.append(tuple(self.visits))
                continue
            instruction = self.code[move.pc]
            here = move
            if not isinstance(instruction, steps.Jump):
                here = self._run(move, instruction)
                self.visits.append(Visit(instruction.step, self.syntax[instruction.step],
                                         instruction, here.at,
                                         here.local.minute if here.fixed else None))
                here = here._replace(depth=here.depth + 1)
            stack.extend(reversed(self._moves(instruction, here)))

    def _run(self, move: _Move, instruction: steps.Instruction) -> _Move:
        """The state when the instruction lets control go on."""
        delay, local = self._wake(move.pc, move.local)
        fixed = move.fixed and local.minute is not None
        if instruction.reads_clock and not fixed:
            fixed = self._wake(move.pc, LocalTime())[1].minute is not None
        return move._replace(at=move.at + delay, local=local, fixed=fixed)

    def _wake(self, pc: int, local: LocalTime) -> tuple[int, LocalTime]:
        key = (pc, local)
        if key not in self._wakes:
            self._wakes[key] = static_wake(self.code[pc], local)
        return self._wakes[key]

    def _moves(self, instruction: steps.Instruction, here: _Move) -> list[_Move]:
        """The moves along the instruction's successors that its loop state allows."""
        rounds = here.rounds
        if isinstance(instruction, steps.LoopStart):
            rounds = _with(rounds, here.pc, 0)
        moves = []
        for flow in instruction.successors(here.pc):
            after = _rounds_after(instruction, flow, rounds)
            if after is not None:
                moves.append(here._replace(
                    pc=flow.target, at=here.at + flow.delay, local=here.local.after(flow.delay),
                    fixed=here.fixed and not flow.on_event, rounds=after))
        return moves


def _rounds_after(instruction: steps.Instruction, flow: steps.Flow,
                  rounds: Rounds) -> Rounds | None:
    """The round counts after taking a flow out of a loop end, None when it cannot be taken."""
    if not isinstance(instruction, steps.LoopEnd):
        return rounds
    done = dict(rounds).get(instruction.slot, 0) + 1
    last = instruction.last_round(done) or done >= MAX_ROUNDS
    others = tuple(r for r in rounds if r[0] != instruction.slot)
    if flow.kind == "loop_exit":
        return others if last or instruction.until is not None else None
    return None if last else others + ((instruction.slot, done),)


def _with(rounds: Rounds, slot: int, done: int) -> Rounds:
    return tuple(r for r in rounds if r[0] != slot) + ((slot, done),)

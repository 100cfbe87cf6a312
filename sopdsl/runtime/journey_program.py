"""Compile a journey once into plain run-time objects: clauses and a flat list of instructions."""

from __future__ import annotations

from dataclasses import dataclass

from sopdsl.syntax import ast

from sopdsl.runtime import steps
from sopdsl.runtime.clock import WEEKDAYS
from sopdsl.runtime.evaluate import ExprCompiler, Pred, plain_number
from sopdsl.checker.program import Program, Window
from sopdsl.syntax.step_ids import walk_steps


@dataclass(slots=True, eq=False)
class Goal:
    """`goal NAME: EVENTS within D`, counted from entry."""

    name: str
    events: steps.EventMatcher
    within: int


@dataclass(slots=True, eq=False)
class CompiledJourney:
    """A journey ready to run (compiled from a valid program)."""

    name: str
    index: int  # declaration order, for deterministic tie-breaks
    priority: int
    cap: Window | None
    audience: Pred | None
    reentry: str  # never, always or after
    reentry_after: int
    goals: list[Goal]
    exit_on: steps.EventMatcher | None
    exit_when: Pred | None
    code: list[steps.Instruction]

    @property
    def goal_span(self) -> int:
        """How long after entry the last goal window closes (0 without goals)."""
        return max((goal.within for goal in self.goals), default=0)


def events_of(refs: list[ast.EventRef]) -> steps.EventMatcher:
    """The matcher of an `or` of event references."""
    return steps.EventMatcher([(r.name.name, r.content.name if r.content else None) for r in refs])


def compile_program(program: Program, compiler: ExprCompiler | None = None,
                    ) -> dict[str, CompiledJourney]:
    """Every journey of the program compiled, by name, in declaration order.

    Any parsed program compiles (conditions become closures without being evaluated), so the
    checks and drawings of a program with errors read the same instructions as a run.
    """
    compiler = compiler or ExprCompiler(program)
    return {name: compile_journey(journey, index, compiler)
            for index, (name, journey) in enumerate(program.journeys.items())}


def compile_journey(journey: ast.Journey, index: int, compiler: ExprCompiler) -> CompiledJourney:
    """The journey's clauses and steps as run-time objects."""
    compiled = CompiledJourney(
        name=journey.name.name, index=index, priority=0, cap=None, audience=None,
        # A group's calendar runs each time it fires: `for groups` re-enters by default.
        reentry="always" if journey.for_groups else "never", reentry_after=0, goals=[],
        exit_on=None, exit_when=None, code=[])
    exits_on: list[ast.EventRef] = []
    exits_when: list[Pred] = []
    for clause in journey.clauses:
        match clause:
            case ast.Audience():
                compiled.audience = compiler.predicate(clause.expr)
            case ast.Reentry():
                compiled.reentry = clause.mode
                compiled.reentry_after = clause.after.minutes if clause.after else 0
            case ast.Goal():
                compiled.goals.append(
                    Goal(clause.name.name, events_of(clause.events), clause.within.minutes))
            case ast.ExitOn():
                exits_on.extend(clause.events)
            case ast.ExitWhen():
                exits_when.append(compiler.predicate(clause.expr))
            case ast.Priority():
                compiled.priority = int(clause.value.value)
            case ast.JourneyCap():
                compiled.cap = Window(int(clause.count.value), clause.window.minutes)
    compiled.exit_on = events_of(exits_on) if exits_on else None
    compiled.exit_when = _any_of(exits_when)
    emitter = _Emitter(compiler, {id(ref.step): ref.id for ref in walk_steps(journey)})
    emitter.block(journey.steps)
    compiled.code = emitter.code
    return compiled


def _any_of(predicates: list[Pred]) -> Pred | None:
    if not predicates:
        return None
    if len(predicates) == 1:
        return predicates[0]
    return lambda c, now: any(p(c, now) for p in predicates)


class _Emitter:
    """Appends instructions for steps; arms end in jumps patched to the step after."""

    def __init__(self, compiler: ExprCompiler, ids: dict[int, str]) -> None:
        self.compiler = compiler
        self.ids = ids
        self.code: list[steps.Instruction] = []

    def block(self, body: list[ast.Step] | None) -> None:
        for step in body or []:
            self.step(step, self.ids[id(step)])

    def emit(self, instruction: steps.Instruction) -> int:
        self.code.append(instruction)
        return len(self.code) - 1

    def arm(self, step_id: str, body: list[ast.Step] | None, jumps: list[steps.Jump]) -> int:
        start = len(self.code)
        self.block(body)
        jump = steps.Jump(step_id)
        self.emit(jump)
        jumps.append(jump)
        return start

    def step(self, step: ast.Step, sid: str) -> None:
        match step:
            case ast.WaitFor():
                wait = steps.WaitFor(sid, events_of(step.events), step.within.minutes)
                self.emit(wait)
                jumps: list[steps.Jump] = []
                wait.then_pc = self.arm(sid, step.then, jumps)
                wait.timeout_pc = self.arm(sid, step.timeout, jumps)
                self._land(jumps)
            case ast.If():
                branch = steps.Branch(sid)
                self.emit(branch)
                jumps = []
                for option in step.branches:
                    condition = self.compiler.predicate(option.condition)
                    branch.conditions.append((condition, self.arm(sid, option.steps, jumps)))
                    branch.reads.append(self.compiler.reads_history(option.condition))
                branch.else_pc = self.arm(sid, step.otherwise, jumps)
                self._land(jumps)
            case ast.Split():
                split = steps.Split(sid, step.name.name, [a.name.name for a in step.arms],
                                    [a.share.value for a in step.arms])
                self.emit(split)
                jumps = []
                split.pcs = [self.arm(sid, a.steps, jumps) for a in step.arms]
                self._land(jumps)
            case ast.RepeatN():
                self._loop(sid, step.steps, int(step.count.value), step.every.minutes, None,
                           False)
            case ast.RepeatUntil():
                until = self.compiler.predicate(step.until)
                self._loop(sid, step.steps, int(step.max.value), step.every.minutes, until,
                           self.compiler.reads_history(step.until))
            case ast.Send():
                if step.at is not None:
                    self.emit(steps.WaitUntilTime(sid, step.at.minutes))
                self.emit(steps.Send(sid, step.content.name, step.channel.name,
                                     step.by.name if step.by else None))
            case _:
                self.emit(_simple(step, sid))

    def _loop(self, sid: str, body: list[ast.Step], rounds: int, every: int,
              until: Pred | None, reads: bool) -> None:
        start = steps.LoopStart(sid)
        slot = self.emit(start)
        check = steps.LoopCheck(sid, until, reads) if until is not None else None
        resume = self.emit(check) if check else slot + 1
        start.body_pc = len(self.code)
        self.block(body)
        self.emit(steps.LoopEnd(sid, slot, rounds, every, until, resume, reads))
        if check:
            check.exit_pc = len(self.code)

    def _land(self, jumps: list[steps.Jump]) -> None:
        for jump in jumps:
            jump.target = len(self.code)


def _simple(step: ast.Step, sid: str) -> steps.Instruction:
    match step:
        case ast.Task():
            return steps.Task(sid, step.role.name, step.instruction.value,
                              step.content.name if step.content else None,
                              step.due.minutes if step.due else None)
        case ast.Notify():
            return steps.Notify(sid, step.role.name, step.text.value)
        case ast.Wait():
            return steps.Wait(sid, step.duration.minutes, step.at.minutes if step.at else None)
        case ast.WaitUntilTime():
            return steps.WaitUntilTime(sid, step.time.minutes)
        case ast.WaitUntilDay():
            return steps.WaitUntilDay(sid, WEEKDAYS.index(step.weekday),
                                      step.at.minutes if step.at else None)
        case ast.TagStep():
            return steps.Change(sid, "tag", step.tag.value, step.tag.value)
        case ast.UntagStep():
            return steps.Change(sid, "untag", step.tag.value, step.tag.value)
        case ast.ScoreStep():
            return steps.Score(sid, step.op, plain_number(step.amount.value))
        case ast.StageStep():
            return steps.Change(sid, "stage", None, step.stage.name)
        case ast.SetStep():
            return steps.Change(sid, "set", step.attribute.name, _literal(step))
        case ast.Handoff():
            return steps.Handoff(sid, step.role.name)
        case ast.Enter():
            return steps.EnterJourney(sid, step.journey.name)
        case ast.ExitStep():
            return steps.ExitStep(sid)
    raise TypeError(f"not a step: {type(step).__name__}")


def _literal(step: ast.SetStep) -> object:
    value = step.value
    match value:
        case ast.Duration() | ast.TimeOfDay():
            result: object = value.minutes
        case ast.Number():
            result = plain_number(value.value)
        case _:
            result = value.value
    return -result if step.negative and isinstance(result, (int, float)) else result

"""Compile a journey once into plain run-time objects: clauses and a flat list of instructions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sopdsl.syntax import ast

from sopdsl.runtime import steps
from sopdsl.runtime.effects import EscalationStep
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import WEEKDAYS
from sopdsl.runtime.evaluate import ExprCompiler, Pred, plain_number
from sopdsl.checker.program import Program, Window
from sopdsl.syntax.step_ids import walk_steps


WEEK = 7 * MINUTES_PER_DAY
YEAR = 365 * MINUTES_PER_DAY
# The least time between a lunar date's days in successive lunar years (353 days from 1970 to
# 2100: a short year, or a leap-month date moving back to its ordinary month).
LUNAR_YEAR = 353 * MINUTES_PER_DAY


@dataclass(slots=True, eq=False)
class Goal:
    """`goal NAME: EVENTS within D`, counted from entry."""

    name: str
    events: steps.EventMatcher
    within: int
    terminal: bool = True  # False for a milestone: recorded once per run, the run goes on


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
    period: int | None  # minutes between the occurrences of its triggers, None unless they recur
    goals: list[Goal]
    exit_on: steps.EventMatcher | None
    exit_when: Pred | None
    code: list[steps.Instruction]
    # The names of the events a goal or `exit on` matches: an event of any other name can
    # only end the run through `exit when` or go on from a `wait for`.
    ending: frozenset[str] = frozenset()

    def entry_spacing(self, run_minutes: int) -> int | None:
        """The least time from one entry to the next when a run lasts `run_minutes`: the first
        occurrence of its triggers after the run ended that `reentry` allows; None when it
        enters once (`reentry never`) or its triggers do not recur on the calendar."""
        if self.period is None or self.reentry == "never":
            return None
        # An occurrence at the very moment the run ends enters: the run ends first.
        least = max(run_minutes, self.reentry_after if self.reentry == "after" else 0, 1)
        return self.period * math.ceil(least / self.period)

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
        reentry=default_reentry(compiler.program, journey), reentry_after=0,
        period=recurrence(compiler.program, journey), goals=[], exit_on=None, exit_when=None,
        code=[])
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
                    Goal(clause.name.name, events_of(clause.events), clause.within.minutes,
                         clause.terminal))
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
    compiled.ending = frozenset(name for matcher in [
        *(goal.events for goal in compiled.goals), compiled.exit_on] if matcher is not None
        for name in matcher.wanted)
    emitter = _Emitter(compiler, {id(ref.step): ref.id for ref in walk_steps(journey)})
    emitter.block(journey.steps)
    compiled.code = emitter.code
    return compiled


def triggers_of(journey: ast.Journey) -> list[ast.Trigger]:
    """Every trigger of the journey's `when` clauses."""
    return [t for c in journey.clauses if isinstance(c, ast.When) for t in c.triggers]


def trigger_period(program: Program, trigger: ast.Trigger) -> int | None:
    """Minutes between a scheduled or date trigger's occurrences (a year for dates, the least
    year), None for triggers that fire on what the customer does."""
    match trigger:
        case ast.EveryTrigger(unit="day"):
            return MINUTES_PER_DAY
        case ast.EveryTrigger(unit="weekday"):
            return WEEK
        case ast.EveryTrigger():
            return WEEK * every_weeks(trigger)
        case ast.DateTrigger():
            return _yearly_period(program, trigger.attribute.name)
        case ast.EventTrigger() if program.is_date_trigger(trigger.event):
            return _yearly_period(program, trigger.event.name.name)
    return None


def _yearly_period(program: Program, name: str) -> int:
    """A year for a solar date attribute; for a lunar one or a festival, the least lunar year."""
    info = program.attributes.get(name)
    return YEAR if info is not None and info.type == "date" else LUNAR_YEAR


def every_weeks(trigger: ast.EveryTrigger) -> int:
    """The whole weeks between the occurrences of `every Nw on WEEKDAY` (1 without N)."""
    return max(1, round(trigger.interval.minutes / WEEK)) if trigger.interval else 1


def recurrence(program: Program, journey: ast.Journey) -> int | None:
    """The shortest period of the journey's triggers when every one of them recurs on the
    calendar (`every ...`, a date), else None."""
    periods = [trigger_period(program, t) for t in triggers_of(journey)]
    if not periods or None in periods:
        return None
    return min(periods)  # type: ignore[type-var]


def default_reentry(program: Program, journey: ast.Journey) -> str:
    """`reentry` without the clause: `always` for a journey whose triggers all recur on the
    calendar (each occurrence is meant for everyone), `never` for one started by what the
    customer does."""
    return "never" if recurrence(program, journey) is None else "always"


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
                              step.due.minutes if step.due else None, step.wall,
                              tuple(EscalationStep(e.after.minutes, e.action,
                                                   e.role.name if e.role else None,
                                                   e.text.value if e.text else None)
                                    for e in step.escalation))
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


def step_starts(code: Sequence[Any]) -> list[bool]:
    """For each instruction: whether it is its step's first (where the step starts)."""
    seen: set[str] = set()
    starts = []
    for instruction in code:
        starts.append(instruction.step not in seen)
        seen.add(instruction.step)
    return starts

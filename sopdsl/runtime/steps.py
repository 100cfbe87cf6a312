"""The instructions a journey compiles to; each runs one step against a `Machine`.

`execute` returns the next instruction's index, `SUSPEND` after scheduling a wake-up on the run,
or `STOP` when the run has ended. The runner has set `run.pc` to the instruction's own index.

Each instruction also says, without running, what every other reader of a journey needs:
where control can go next (`successors`), when it lets control go on (`wake_at`, the very
function `execute` calls), which parts of the local time that reads, which events it watches
and whether it reads the customer's event history.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event, Run
from sopdsl.runtime.effects import (
    ArmChosen, Effect, EscalationStep, Exited, HandoffRequested, Notified, TaskCreated,
)
from sopdsl.runtime.evaluate import Pred

SUSPEND = -1
STOP = -2  # also the target of a flow that ends the run early (an `exit`)
NO_CLOCK: frozenset[str] = frozenset()
TIME_OF_DAY = frozenset({"time"})
TIME_AND_WEEKDAY = frozenset({"time", "weekday"})


class Flow(NamedTuple):
    """One way control can leave an instruction: where to, how it is named, what it takes.

    `kind` is next, then, timeout, if, elif, else, arm, body, repeat, loop_exit or exit. The
    target is an instruction index (the code's length is the journey's end) or STOP.
    """

    target: int
    kind: str
    delay: int = 0  # minutes on the way: a timeout's window, the `every` before a next round
    arm: int | None = None  # which condition or split arm, in source order
    on_event: bool = False  # taken when a watched event comes: at any moment, at the earliest now


class Machine(Protocol):
    """What instructions need from the interpreter."""

    clock: Clock
    choose_arm: Callable[[str, str, list[float]], int]

    def request_send(
        self, c: Customer, run: Run, send: Send, now: float, out: list[Effect]) -> None: ...

    def change(
        self, c: Customer, run: Run | None, step: str | None, field: str, name: str | None,
        value: Any, now: float, out: list[Effect]) -> None: ...

    def enter_from(
        self, c: Customer, target: str, run: Run, step: str, now: float, out: list[Effect],
    ) -> None: ...

    def end(self, c: Customer, run: Run, effect: Effect, out: list[Effect]) -> None: ...


class EventMatcher:
    """An `or` of events; a name without content matches any content."""

    __slots__ = ("wanted",)

    def __init__(self, events: list[tuple[str, str | None]]) -> None:
        self.wanted: dict[str, set[str] | None] = {}
        for name, content in events:
            contents = self.wanted.get(name, set())
            if content is not None and contents is not None:
                contents.add(content)
                self.wanted[name] = contents
            else:
                self.wanted[name] = None

    def matches(self, event: Event) -> bool:
        """True when the event is one of these."""
        if event.name not in self.wanted:
            return False
        contents = self.wanted[event.name]
        return contents is None or event.content in contents


class Instruction(abc.ABC):
    """One step (or a loop or jump of one) at a stable step id."""

    __slots__ = ("step",)
    checks_exit = True  # `exit when` is checked before every step
    # Whether running it may change what a condition reads (the customer's state, or anything
    # through a journey it starts): after a step that cannot, an `exit when` found false at the
    # same moment still is, and the runner does not evaluate it again.
    changes_customer = True
    reads_history = False  # whether where it goes depends on the customer's event history
    reads_clock = NO_CLOCK  # the parts of the local time `wake_at` depends on

    def __init__(self, step: str) -> None:
        self.step = step

    @abc.abstractmethod
    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        """Run the step; the next index, SUSPEND or STOP."""

    def successors(self, pc: int) -> list[Flow]:
        """Where control can go from here (at index `pc`), in source order."""
        return [Flow(pc + 1, "next")]

    def wake_at(self, clock: Clock, now: float) -> float:
        """When control goes on from this instruction, started at `now` (now: at once)."""
        return now

    @property
    def watches(self) -> EventMatcher | None:
        """The events this instruction waits for, None when it waits for none."""
        return None

    def _effect(self, kind: type[Effect], c: Customer, run: Run, now: float, **what: Any) -> Effect:
        return kind.make(time=now, customer=c.id, journey=run.journey.name, step=self.step,
                         run=run.number, **what)


def _sleep(run: Run, resume: int, wake: float, now: float) -> int:
    if wake <= now:
        return resume
    run.pc, run.wake_at = resume, wake
    return SUSPEND


class Send(Instruction):
    """`send C via CHANNEL [by ROLE]` (an `at HH:MM` compiles to a wait before it)."""

    __slots__ = ("content", "channel", "role")
    changes_customer = False

    def __init__(self, step: str, content: str, channel: str, role: str | None) -> None:
        super().__init__(step)
        self.content, self.channel, self.role = content, channel, role

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        m.request_send(c, run, self, now, out)
        return run.pc + 1


class Task(Instruction):
    """`task ROLE "..." [with C] [due D [wall]]`."""

    __slots__ = ("role", "instruction", "content", "due", "wall", "escalation")
    changes_customer = False

    def __init__(self, step: str, role: str, instruction: str, content: str | None,
                 due: int | None, wall: bool = False,
                 escalation: tuple[EscalationStep, ...] = ()) -> None:
        super().__init__(step)
        self.role, self.instruction, self.content, self.due = role, instruction, content, due
        self.wall, self.escalation = wall, escalation

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        out.append(self._effect(TaskCreated, c, run, now, role=self.role,
                                instruction=self.instruction, content=self.content,
                                due_in=self.due, due_wall=self.wall,
                                escalation=self.escalation))
        return run.pc + 1


class Notify(Instruction):
    """`notify ROLE "text"`."""

    __slots__ = ("role", "text")
    changes_customer = False

    def __init__(self, step: str, role: str, text: str) -> None:
        super().__init__(step)
        self.role, self.text = role, text

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        out.append(self._effect(Notified, c, run, now, role=self.role, text=self.text))
        return run.pc + 1


class Handoff(Instruction):
    """`handoff ROLE`: the driver picks the new owner."""

    __slots__ = ("role",)
    changes_customer = False

    def __init__(self, step: str, role: str) -> None:
        super().__init__(step)
        self.role = role

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        out.append(self._effect(HandoffRequested, c, run, now, role=self.role))
        return run.pc + 1


class Change(Instruction):
    """`tag`, `untag`, `stage`, `set` and `score`: a change of the customer's state."""

    __slots__ = ("field", "name", "value")

    def __init__(self, step: str, field: str, name: str | None, value: Any) -> None:
        super().__init__(step)
        self.field, self.name, self.value = field, name, value

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        m.change(c, run, self.step, self.field, self.name, self.value, now, out)
        return run.pc + 1


class Score(Instruction):
    """`score +N | -N | = N`."""

    __slots__ = ("op", "amount")

    def __init__(self, step: str, op: str, amount: float) -> None:
        super().__init__(step)
        self.op, self.amount = op, amount

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        value = self.amount if self.op == "=" else c.score + (
            self.amount if self.op == "+" else -self.amount)
        m.change(c, run, self.step, "score", None, value, now, out)
        return run.pc + 1


class EnterJourney(Instruction):
    """`enter JOURNEY`: starts it (its audience and reentry apply); this run goes on."""

    __slots__ = ("target",)

    def __init__(self, step: str, target: str) -> None:
        super().__init__(step)
        self.target = target

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        m.enter_from(c, self.target, run, self.step, now, out)
        return run.pc + 1


class ExitStep(Instruction):
    """`exit`."""

    __slots__ = ()

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        m.end(c, run, self._effect(Exited, c, run, now, reason="exit_step"), out)
        return STOP

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(STOP, "exit")]


class Wait(Instruction):
    """`wait D`, or `wait D at HH:MM`: the date of now + D at that time, else the day after."""

    __slots__ = ("minutes", "at")
    changes_customer = False

    def __init__(self, step: str, minutes: int, at: int | None) -> None:
        super().__init__(step)
        self.minutes, self.at = minutes, at

    @property
    def reads_clock(self) -> frozenset[str]:  # type: ignore[override]
        return NO_CLOCK if self.at is None else TIME_OF_DAY

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        return _sleep(run, run.pc + 1, self.wake_at(m.clock, now), now)

    def wake_at(self, clock: Clock, now: float) -> float:
        wake = now + self.minutes
        if self.at is not None:
            wake = clock.at(clock.date_of(wake), self.at)
            if wake <= now:
                wake = clock.next_time(wake, self.at, strict=True)
        return wake


class WaitUntilTime(Instruction):
    """`wait until HH:MM` (and `send ... at HH:MM`): the next HH:MM, now when it is HH:MM."""

    __slots__ = ("at",)
    changes_customer = False
    reads_clock = TIME_OF_DAY

    def __init__(self, step: str, at: int) -> None:
        super().__init__(step)
        self.at = at

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        return _sleep(run, run.pc + 1, self.wake_at(m.clock, now), now)

    def wake_at(self, clock: Clock, now: float) -> float:
        return clock.next_time(now, self.at)


class WaitUntilDay(Instruction):
    """`wait until WEEKDAY [at HH:MM]`; without a time, no wait on that weekday."""

    __slots__ = ("weekday", "at")
    changes_customer = False
    reads_clock = TIME_AND_WEEKDAY

    def __init__(self, step: str, weekday: int, at: int | None) -> None:
        super().__init__(step)
        self.weekday, self.at = weekday, at

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        return _sleep(run, run.pc + 1, self.wake_at(m.clock, now), now)

    def wake_at(self, clock: Clock, now: float) -> float:
        if self.at is None and clock.weekday(now) == self.weekday:
            return now
        return clock.next_weekday(now, self.weekday, self.at or 0)


class WaitFor(Instruction):
    """`wait for EVENTS within D`: events after the wait starts pick `then`, else `timeout`."""

    __slots__ = ("events", "within", "then_pc", "timeout_pc")
    changes_customer = False

    def __init__(self, step: str, events: EventMatcher, within: int) -> None:
        super().__init__(step)
        self.events, self.within = events, within
        self.then_pc = self.timeout_pc = 0

    @property
    def watches(self) -> EventMatcher:
        return self.events

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        run.waiting = self
        run.wake_at = now + self.within
        return SUSPEND

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(self.then_pc, "then", on_event=True),
                Flow(self.timeout_pc, "timeout", delay=self.within)]


class Branch(Instruction):
    """`if / elif / else`: the first holding condition's arm."""

    __slots__ = ("conditions", "reads", "else_pc")
    changes_customer = False

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.conditions: list[tuple[Pred, int]] = []
        self.reads: list[bool] = []  # per condition: whether it reads the event history
        self.else_pc = 0

    @property
    def reads_history(self) -> bool:  # type: ignore[override]
        return any(self.reads)

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        for condition, pc in self.conditions:
            if condition(c, now):
                return pc
        return self.else_pc

    def successors(self, pc: int) -> list[Flow]:
        arms = [Flow(target, "elif" if i else "if", arm=i)
                for i, (_, target) in enumerate(self.conditions)]
        return [*arms, Flow(self.else_pc, "else", arm=len(arms))]


class Split(Instruction):
    """`split NAME { P% ARM {..} }`: the arm the injected chooser picks."""

    __slots__ = ("name", "arms", "shares", "pcs")
    changes_customer = False

    def __init__(self, step: str, name: str, arms: list[str], shares: list[float]) -> None:
        super().__init__(step)
        self.name, self.arms, self.shares = name, arms, shares
        self.pcs: list[int] = []

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        arm = m.choose_arm(c.id, self.name, self.shares)
        out.append(self._effect(ArmChosen, c, run, now, split=self.name, arm=self.arms[arm]))
        return self.pcs[arm]

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(target, "arm", arm=i) for i, target in enumerate(self.pcs)]


class Jump(Instruction):
    """The end of an arm: on to the step after its compound step."""

    __slots__ = ("target",)
    checks_exit = False
    changes_customer = False

    def __init__(self, step: str, target: int = 0) -> None:
        super().__init__(step)
        self.target = target

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        return self.target

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(self.target, "next")]


class LoopStart(Instruction):
    """A `repeat` step: round count reset, then the body (skipping the `until` check)."""

    __slots__ = ("body_pc",)
    changes_customer = False

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.body_pc = 0

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        run.loops[run.pc] = 0
        return self.body_pc

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(self.body_pc, "body")]


class LoopCheck(Instruction):
    """Before a later round of `repeat ... until`: leave the loop when the condition holds."""

    __slots__ = ("until", "exit_pc", "reads_history")
    checks_exit = False
    changes_customer = False

    def __init__(self, step: str, until: Pred, reads_history: bool) -> None:
        super().__init__(step)
        self.until, self.exit_pc, self.reads_history = until, 0, reads_history

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        return self.exit_pc if self.until(c, now) else run.pc + 1

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(self.exit_pc, "loop_exit"), Flow(pc + 1, "body")]


class LoopEnd(Instruction):
    """After a round: leave after the last (or once `until` holds), else wait `every`."""

    __slots__ = ("slot", "rounds", "every", "until", "resume_pc", "reads_history")
    checks_exit = False
    changes_customer = False

    def __init__(self, step: str, slot: int, rounds: int, every: int, until: Pred | None,
                 resume_pc: int, reads_history: bool) -> None:
        super().__init__(step)
        self.slot, self.rounds, self.every = slot, rounds, every
        self.until, self.resume_pc, self.reads_history = until, resume_pc, reads_history

    def last_round(self, done: int) -> bool:
        """Whether `done` rounds are all there are (an `until` can end the loop sooner)."""
        return done >= self.rounds

    def execute(self, m: Machine, c: Customer, run: Run, now: float, out: list[Effect]) -> int:
        done = run.loops.get(self.slot, 0) + 1
        run.loops[self.slot] = done
        if self.last_round(done) or (self.until is not None and self.until(c, now)):
            return run.pc + 1
        return _sleep(run, self.resume_pc, now + self.every, now)

    def successors(self, pc: int) -> list[Flow]:
        return [Flow(pc + 1, "loop_exit"), Flow(self.resume_pc, "repeat", delay=self.every)]

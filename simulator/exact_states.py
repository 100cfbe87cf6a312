"""A customer's state as the exact forecaster tracks it: the interpreter's customer, plus the
messages and staff work still pending, merged with every other customer in the same state.

Two customers in the same state behave the same from then on, so their probability masses
add up: this is what keeps long horizons and loops cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from sopdsl.runtime.customer import Customer, Event, EventHistory, Run, SendLog
from simulator.behaviour import ResponseChances
from simulator.exact_model import ExactModel


@dataclass(frozen=True, slots=True)
class Work:
    """A staff-confirmed send or a task waiting for a member of `role`."""

    kind: str  # send or task
    role: str
    staff: str | None  # the member doing it, for WeCom's per-member daily limit
    since: float  # when the current phase began
    doing: bool  # False: waiting for a member to get to it (`delay`); True: being done
    # Sends: undone by then they expire (the end of the next working day). Tasks: their SLA,
    # late past it.
    due: float | None
    journey: str | None
    step: str | None
    effect: Any = field(compare=False, repr=False)
    # A batched send's batch: (journey, step, queue, role, release step); None for own work.
    batch: tuple | None = None
    late: bool = False  # a task past its due time, still to be done

    @property
    def deadline(self) -> float | None:
        """When undone work reaches its due time: a send expires there unless a member has
        started it, a task goes late."""
        return None if self.kind == "send" and self.doing else self.due


@dataclass(frozen=True, slots=True)
class AutoSend:
    """An automatic send waiting for the end of quiet hours."""

    at: float
    journey: str | None
    step: str | None
    content: str
    effect: Any = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PendingResponse:
    """A delivered message whose response (open, click, reply, unfriend) is still to come."""

    channel: str
    content: str
    journey: str | None
    step: str | None
    since: float
    at: float | None  # with a fixed delay: when the customer responds
    behaviour: ResponseChances


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A purchase or event a click led to, still to come in its window: in each later grid
    step it comes with the chance it falls there, given that it has not come before."""

    event: str
    within: float  # the window, in minutes from the click
    clicked: int  # the grid step of the click


@dataclass(frozen=True, slots=True)
class BatchTimed:
    """The customer's path follows the moment an earlier mass send or post was confirmed,
    a moment its other customers share (its `delivered` event is watched)."""


Proc = Work | AutoSend | PendingResponse | FollowUp | BatchTimed
PURCHASE = Event("purchase", 0.0)


class State:
    """One distinct customer state: what it is, when it next changes, and what may happen."""

    __slots__ = ("key", "customer", "procs", "arms", "wake", "hazards", "daily", "daily_tally",
                 "events")

    def __init__(self, model: ExactModel, c: Customer, procs: tuple[Proc, ...],
                 arms: tuple[tuple[str, str, str], ...], now: float,
                 key: int | None = None) -> None:
        if model.count is not None:
            model.count.add()
        self.customer, self.procs, self.arms = c, procs, arms
        self.key = key_number(model, c, procs, arms, now) if key is None else key
        times = [t for t in (_fixed_time(p) for p in procs) if t is not None]
        wake = model.interpreter.next_wakeup(c)
        if wake is not None:
            times.append(wake)
        times.extend(t for t in _window_ends(model, c) if t > now)
        self.wake = model.step_of(min(times)) if times else None
        self.hazards = tuple(p for p in procs if _random(p))
        self.daily_tally = model.daily_purchase(c, now)
        self.daily = self.daily_tally if model.watch.matters_now(c, PURCHASE) else 0.0
        # Events the scenario gives a daily chance that could change this customer now.
        self.events = tuple((name, p) for name, p in model.daily_events
                            if model.watch.matters_now(c, Event(name, 0.0)))



def key_number(model: ExactModel, c: Customer, procs: tuple[Proc, ...],
               arms: tuple[tuple[str, str, str], ...], now: float) -> int:
    """The state's key as a number: states are looked up many times, a long tuple hashes
    slowly."""
    return model.state_ids.setdefault(state_key(model, c, procs, arms, now), len(model.state_ids))


def state_at(model: ExactModel, c: Customer, procs: tuple[Proc, ...],
             arms: tuple[tuple[str, str, str], ...], now: float) -> State:
    """The customer's state at `now`: the one made at that moment with the same key, which
    behaves the same from then on (the flow keeps one of them where they meet), else a new
    one."""
    key = key_number(model, c, procs, arms, now)
    made = model.made_at.get(now)
    if made is None:
        # Transitions are explored at the flow's step and the next: other moments are done
        # (or another flow's).
        model.made_at = {t: states for t, states in model.made_at.items()
                         if abs(t - now) <= model.dt}
        made = model.made_at[now] = {}
    found = made.get(key)
    if found is None:
        found = made[key] = State(model, c, procs, arms, now, key)
    return found


def _window_ends(model: ExactModel, c: Customer) -> list[float]:
    """Moments a goal or reentry window closes: what an event would do changes there."""
    ends = [run.entered_at + goal.within for run in c.runs.values() for goal in run.journey.goals]
    journeys = model.interpreter.journeys
    ends.extend(last + journeys[name].reentry_after for name, (_, last) in c.entries.items()
                if journeys[name].reentry == "after")
    return ends


def _random(proc: Proc) -> bool:
    return isinstance(proc, (Work, FollowUp)) or (
        isinstance(proc, PendingResponse) and proc.at is None)


def _fixed_time(proc: Proc) -> float | None:
    if isinstance(proc, AutoSend):
        return proc.at
    if isinstance(proc, PendingResponse):
        return proc.at
    if isinstance(proc, Work):
        return proc.deadline
    return None


def state_key(model: ExactModel, c: Customer, procs: tuple[Proc, ...],
              arms: tuple[tuple[str, str, str], ...], now: float) -> tuple:
    """Everything that decides the customer's future, and nothing else."""
    journeys = model.interpreter.journeys
    runs = tuple(
        (name, r.pc, r.wake_at, r.waiting is not None, tuple(sorted(r.loops.items())),
         r.finished, r.entered_at if journeys[name].goals else 0, r.milestones)
        for name, r in c.runs.items())
    entries = []
    for name, (_, last) in c.entries.items():
        journey = journeys[name]
        recent = journey.reentry == "after" and now - last < journey.reentry_after
        entries.append((name, last if recent else None))
    staff_days = c.sends.staff_days
    if staff_days:
        today = model.day(now)
        staff_days = {d for d in staff_days if d[1] == today}
    held = tuple((d.at, d.send.journey, d.send.step, d.send.content, d.send.channel,
                  d.send.priority, d.staff) for d in c.held)
    return (
        c.owner, frozenset(c.tags), c.score, c.stage, c.friend,
        tuple(sorted(c.attributes.items(), key=lambda item: item[0])), runs, tuple(entries),
        tuple(sorted(c.segments.items())),
        frozenset(staff_days), held,
        _procs_key(procs, now), arms,
        # When scheduled triggers next fire: states alike in all else at different moments
        # differ here, so a transition found for one is never reused for another.
        model.interpreter.schedule_dues(c),
    )


def _procs_key(procs: tuple[Proc, ...], now: float) -> tuple:
    """The pending work and messages as they decide the future: a phase that began by `now`
    is keyed without its start, which then never matters again (staff and responses take
    memoryless times, and a step's chances read a start only inside that step)."""
    keys = tuple(_proc_key(p, now) for p in procs)
    return keys if len(keys) < 2 else tuple(sorted(keys, key=repr))


def _proc_key(proc: Proc, now: float) -> Any:
    if isinstance(proc, (Work, PendingResponse)) and proc.since <= now:
        return type(proc), _KEYED[type(proc)](proc)
    return proc


# The fields of a pending phase that go on mattering after it began (all but `since`).
_KEYED = {cls: attrgetter(*(f.name for f in fields(cls) if f.compare and f.name != "since"))
          for cls in (Work, PendingResponse)}


def clone(c: Customer) -> Customer:
    """An independent copy of a customer; history is left empty (the method never reads it)."""
    copy = Customer.__new__(Customer)
    copy.id, copy.owner, copy.since = c.id, c.owner, c.since
    copy.attributes = dict(c.attributes)
    copy.tags = set(c.tags)
    copy.score, copy.stage, copy.friend = c.score, c.stage, c.friend
    copy.history = EventHistory()
    copy.sends = SendLog()
    copy.sends.staff_days = set(c.sends.staff_days)
    copy.held = list(c.held)
    copy.runs = {name: _clone_run(run) for name, run in c.runs.items()}
    copy.entries = dict(c.entries)
    copy.segments = dict(c.segments)
    copy.marks = list(c.marks)
    copy.due = list(c.due)
    copy.soonest = c.soonest
    copy.settled, copy.ran, copy.bounded = c.settled, c.ran, c.bounded
    copy.waking = None  # its runs are copies
    return copy


def _clone_run(run: Run) -> Run:
    copy = Run(run.journey, run.number, run.entered_at)
    copy.pc, copy.step, copy.wake_at, copy.waiting = run.pc, run.step, run.wake_at, run.waiting
    copy.loops = dict(run.loops)
    copy.finished, copy.ended = run.finished, run.ended
    copy.milestones = run.milestones
    return copy

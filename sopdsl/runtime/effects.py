"""What the interpreter tells its driver: one value per thing that happened or must be done."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

E = TypeVar("E", bound="Effect")


def _maker(cls: type[E]) -> type[E]:
    """Give an effect class `make`: the same keyword arguments as calling the class, about twice
    as fast (a class called with keywords passes them to `__init__` through a dict, and the
    engine makes several effects per simulated event)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    defaults = {f"_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    params = ", ".join(f.name if f"_{f.name}" not in defaults else f"{f.name}=_{f.name}"
                       for f in fields)
    sets = "".join(f"\n    e.{f.name} = {f.name}" for f in fields)
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **defaults}
    exec(f"def make(*, {params}):\n    e = _new(_cls){sets}\n    return e", scope)
    cls.make = staticmethod(scope["make"])
    return cls


@_maker
@dataclass(slots=True, kw_only=True)
class Effect:
    """Common fields: when, for whom, in which journey run and at which step (stable id)."""

    kind: ClassVar[str] = "effect"
    make: ClassVar[Callable[..., Any]]  # see `_maker`

    time: float
    customer: str
    journey: str | None = None
    step: str | None = None
    run: int = 0  # the customer's entry number into the journey (1, 2, ...)

    def to_dict(self) -> dict[str, Any]:
        """The effect as plain data, its kind first."""
        return {"kind": self.kind, **dataclasses.asdict(self)}


@_maker
@dataclass(slots=True, kw_only=True)
class Entered(Effect):
    """The customer entered a journey (`trigger` says why)."""

    kind: ClassVar[str] = "entered"
    trigger: str


@_maker
@dataclass(slots=True, kw_only=True)
class EntryRefused(Effect):
    """An `enter` step could not start its journey: `active`, `reentry` or `audience`."""

    kind: ClassVar[str] = "entry_refused"
    reason: str
    target: str


@_maker
@dataclass(slots=True, kw_only=True)
class SendRequested(Effect):
    """The journey asks for a customer-facing send, allowed from `earliest` on."""

    kind: ClassVar[str] = "send_requested"
    content: str
    channel: str
    role: str | None  # `by ROLE`; None means the customer's owner
    earliest: float
    priority: int
    staff_confirmed: bool  # a staff member must do it (private_chat, chat, group, moments)


@_maker
@dataclass(slots=True, kw_only=True)
class SendDelivered(Effect):
    """A requested send reached the customer."""

    kind: ClassVar[str] = "send_delivered"
    content: str
    channel: str
    staff: str | None


@_maker
@dataclass(slots=True, kw_only=True)
class SendDropped(Effect):
    """A requested send did not go out: a cap dropped it or a WeCom limit failed it."""

    kind: ClassVar[str] = "send_dropped"
    content: str
    channel: str
    staff: str | None
    reason: str  # blackout, frequency_cap, journey_cap, staff_daily_limit, mass_quota, not_friend


@_maker
@dataclass(slots=True, kw_only=True)
class TaskCreated(Effect):
    """Manual work for a staff member of `role` (the owner when the owner has that role)."""

    kind: ClassVar[str] = "task"
    role: str
    instruction: str
    content: str | None
    due_in: int | None  # `due D`: D in minutes; `hours.due_time` makes it a moment
    due_wall: bool = False  # D is wall-clock time, not staff working time
    escalation: tuple[EscalationStep, ...] = ()


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """`after D remind | notify ROLE "text" | reassign`: D in minutes after the task was made,
    counted like its `due` (working time, or wall-clock time with `due ... wall`)."""

    after: int
    action: str  # remind, notify or reassign
    role: str | None = None
    text: str | None = None


@_maker
@dataclass(slots=True, kw_only=True)
class Notified(Effect):
    """An alert to staff of `role`; nothing customer-facing."""

    kind: ClassVar[str] = "notify"
    role: str
    text: str


@_maker
@dataclass(slots=True, kw_only=True)
class HandoffRequested(Effect):
    """The customer's owner should become a member of `role`; the driver picks who."""

    kind: ClassVar[str] = "handoff"
    role: str


@_maker
@dataclass(slots=True, kw_only=True)
class ArmChosen(Effect):
    """A split put the customer in one of its arms."""

    kind: ClassVar[str] = "arm_chosen"
    split: str
    arm: str


@_maker
@dataclass(slots=True, kw_only=True)
class StateChanged(Effect):
    """A step changed the customer: `tag`, `untag`, `score`, `stage` or `set` (the attribute)."""

    kind: ClassVar[str] = "state_changed"
    field: str
    name: str | None  # the tag or attribute name
    value: Any  # the new value (the tag for tag/untag)


@_maker
@dataclass(slots=True, kw_only=True)
class GoalReached(Effect):
    """A goal's event happened inside its window; the run ends here."""

    kind: ClassVar[str] = "goal_reached"
    goal: str
    event: str


@_maker
@dataclass(slots=True, kw_only=True)
class MilestoneReached(Effect):
    """A milestone's event happened inside its window (once per run); the run goes on."""

    kind: ClassVar[str] = "milestone_reached"
    goal: str
    event: str


@_maker
@dataclass(slots=True, kw_only=True)
class Exited(Effect):
    """The run ended early: `exit_step`, `exit_on` (with the event) or `exit_when`."""

    kind: ClassVar[str] = "exited"
    reason: str
    event: str | None = None


@_maker
@dataclass(slots=True, kw_only=True)
class Completed(Effect):
    """The run ended normally: every step done and every goal window closed."""

    kind: ClassVar[str] = "completed"

"""Run-time customer state: profile, event history, send logs and the journeys they are in."""

from __future__ import annotations


import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sopdsl.builtins import ACTIVITY_EVENTS
from sopdsl.runtime.effects import SendRequested

if TYPE_CHECKING:
    from sopdsl.runtime.journey_program import CompiledJourney

# History keys: an event is indexed by its name and, with content, by `name(content)` too.
_ACTIVITY = frozenset(ACTIVITY_EVENTS)


@dataclass(slots=True)
class Event:
    """Something a customer did or that happened to them, at run-time minute `time`."""

    name: str
    time: float
    content: str | None = None
    amount: float | None = None  # a purchase's amount


def event_key(name: str, content: str | None) -> str:
    """The history key of an event name with an optional content name."""
    return name if content is None else f"{name}({content})"


class EventHistory:
    """A customer's events by key, as sorted times, for `count`, `days_since`, `ever` and `sum`."""

    __slots__ = ("times", "purchase_times", "purchase_amounts", "last_activity", "last_added",
                 "refunded")

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.purchase_times: list[float] = []
        self.purchase_amounts: list[float] = []
        self.last_activity: float | None = None
        self.last_added: float | None = None  # the last `friend_added`
        self.refunded = False  # a purchase with a negative amount is recorded

    def record(self, event: Event) -> None:
        """Add one event (in any time order)."""
        name, t = event.name, event.time
        _add_time(self.times, name, t)
        if event.content is not None:
            _add_time(self.times, event_key(name, event.content), t)
        if name == "purchase":
            at = bisect.bisect_right(self.purchase_times, event.time)
            self.purchase_times.insert(at, event.time)
            amount = float(event.amount or 0)
            self.purchase_amounts.insert(at, amount)
            if amount < 0:
                self.refunded = True
        if name in _ACTIVITY:
            self.last_activity = _latest(self.last_activity, t)
        elif name == "friend_added":
            self.last_added = _latest(self.last_added, t)

    def count(self, key: str, now: float, window: float | None = None) -> int:
        """Occurrences up to `now`, within the last `window` minutes when given."""
        times = self.times.get(key)
        if not times:
            return 0
        high = bisect.bisect_right(times, now)
        low = 0 if window is None else bisect.bisect_right(times, now - window)
        return high - low

    def last(self, key: str, now: float) -> float | None:
        """The time of the last occurrence up to `now`, None when never."""
        times = self.times.get(key)
        if not times:
            return None
        high = bisect.bisect_right(times, now)
        return times[high - 1] if high else None

    def purchases(self, now: float, window: float | None = None) -> list[float]:
        """Purchase amounts up to `now`, within the last `window` minutes when given."""
        high = bisect.bisect_right(self.purchase_times, now)
        low = 0 if window is None else bisect.bisect_right(self.purchase_times, now - window)
        return self.purchase_amounts[low:high]


def insert_time(times: list[float], t: float) -> None:
    """Insert `t` into sorted `times` (appending in the usual, in-order case)."""
    if not times or times[-1] <= t:
        times.append(t)
    else:
        bisect.insort_right(times, t)


def _add_time(times: dict[str, list[float]], key: str, t: float) -> None:
    """Add `t` to the sorted times of `key` (no list made for a key already seen)."""
    found = times.get(key)
    if found is None:
        times[key] = [t]
    elif found[-1] <= t:  # the usual, in-order case, without a call
        found.append(t)
    else:
        insert_time(found, t)


def _latest(current: float | None, t: float) -> float:
    return t if current is None or t > current else current


class SendLog:
    """Delivered customer-facing sends, for the frequency cap, journey caps and WeCom limits."""

    __slots__ = ("times", "by_journey", "mass_times", "staff_days")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.by_journey: dict[str, list[float]] = {}
        self.mass_times: list[float] = []  # staff-confirmed mass sends (private_chat, group)
        self.staff_days: set[tuple[str, int]] = set()  # (staff member, local day ordinal)


class DueSend(NamedTuple):
    """A requested send to deliver at `at`, done by `staff` (None: automatic, or the owner).

    A named tuple: one is made per delivery, and a frozen dataclass costs several times more
    to make."""

    at: float
    send: SendRequested
    staff: str | None


class Run:
    """One customer's pass through one journey, from entry to its end."""

    __slots__ = (
        "journey", "number", "entered_at", "pc", "step", "wake_at", "waiting", "loops",
        "finished", "ended", "milestones",
    )

    def __init__(self, journey: CompiledJourney, number: int, entered_at: float) -> None:
        self.journey = journey
        self.number = number  # 1 for the customer's first entry into this journey, then 2, ...
        self.entered_at = entered_at
        self.pc = 0
        self.step: str | None = None  # the id of the step it is at (or last ran)
        self.wake_at: float | None = None
        self.waiting: Any = None  # the `wait for` instruction being waited on
        self.loops: dict[int, int] = {}  # rounds done, by the repeat's instruction index
        self.finished = False  # every step done; open only for its goal windows
        self.ended = False
        self.milestones: frozenset[str] = frozenset()  # the milestones this run reached


class Customer:
    """Everything the interpreter knows about one customer; drivers read it, steps change it."""

    __slots__ = (
        "id", "owner", "attributes", "tags", "score", "stage", "friend", "since", "history",
        "sends", "held", "runs", "entries", "segments", "marks", "due", "soonest",
        "waking", "settled", "ran", "bounded",
    )

    def __init__(
        self,
        id: str,
        since: float,
        *,
        owner: str | None = None,
        attributes: dict[str, Any] | None = None,
        tags: Iterable[str] = (),
        score: float = 0,
        stage: str | None = None,
    ) -> None:
        self.id = id
        self.owner = owner
        self.attributes: dict[str, Any] = dict(attributes or {})
        self.tags: set[str] = set(tags)
        self.score = score
        self.stage = stage
        self.friend = True
        self.since = since  # when the interpreter started following this customer
        self.history = EventHistory()
        self.sends = SendLog()
        self.held: list[DueSend] = []  # sends done inside quiet hours, by the time they go
        self.runs: dict[str, Run] = {}  # active runs by journey name
        self.entries: dict[str, tuple[int, float]] = {}  # journey -> (entries so far, last entry)
        self.segments: dict[str, bool] = {}  # membership of segments with `when enter` triggers
        self.marks: list[float] = []  # per scheduled trigger: the last moment already handled
        self.due: list[float | None] = []  # per scheduled trigger: its next moment (cached)
        # The soonest of `due` and its index, kept until one of them is recomputed.
        self.soonest: tuple[float | None, int] | None = None
        # The first run to wake and when, kept until a run starts, goes on or ends.
        self.waking: tuple[float | None, Run | None] | None = None
        # When an event was last recorded or the state last changed: what conditions read
        # stays as it is from then until the next such moment, but for time passing.
        self.settled = since
        # The last time everything due for the customer up to it (itself included) was run.
        self.ran = -math.inf
        # The scheduled triggers (bits by index) whose next moment a broadcast's bound put off.
        self.bounded = 0

    def __repr__(self) -> str:
        return f"Customer({self.id!r}, stage={self.stage!r}, score={self.score!r})"

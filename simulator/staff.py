"""Staff members as capacity-limited resources: working hours, a working rate (`capacity`), a
completion rate and a delay before they get to an item. docs/simulation.md ("Staff") states the
rules.

Work items are staff actions for sends (a mass send or moments post for all the customers it
reaches, or one customer's own message) and tasks. Each goes to one member's own queue (the
customer's owner) or to the shared queue of a role, which any member of the role serves.
Members take the oldest item they can see, first in first out. Members are not SimPy processes:
each moment of their work (starting a working day, finishing an item) is a timeout with a
callback, which costs far less than resuming a generator.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import simpy

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calendars import Workdays
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.effects import TaskCreated
from sopdsl.runtime.batches import role_queue, sender_of
from sopdsl.runtime.handoff import hand_over
from sopdsl.runtime.hours import ClockHours, DailyHours, due_time
from sopdsl.scenario.distributions import Distribution
from simulator.behaviour import DrawStream
from simulator.escalation import Escalations
from simulator.work_items import (
    ABANDONED, ACTIVE, DONE, EXPIRED, NEVER, QUEUED, WorkItem,
)
from simulator.results import StaffTally
from sopdsl.scenario.model import Staff
from simulator.timers import Timer, after

def working_hours(staff: Staff, clock: Clock, workdays: Workdays) -> ClockHours:
    """A role's working hours on the run-time clock, on the playbook's working days."""
    return ClockHours(DailyHours(staff.hours.start_minute, staff.hours.end_minute), clock,
                      workdays)


class Shifts:
    """A role's working hours, and their windows up to a day past the horizon as run-time
    minutes (so work running at the horizon has a window to go on in); a member works only
    inside them."""

    __slots__ = ("hours", "starts", "ends")

    def __init__(self, hours: ClockHours, horizon: float) -> None:
        self.hours = hours
        windows = hours.windows(0.0, horizon + MINUTES_PER_DAY)
        self.starts = [start for start, _ in windows]
        self.ends = [end for _, end in windows]

    def index_at(self, t: float) -> int:
        """The first window that has not ended at `t` (len(self) when none is left)."""
        return bisect.bisect_right(self.ends, t)

    def __len__(self) -> int:
        return len(self.starts)

    def due_after(self, t: float) -> float:
        """When a send arriving at `t` is due: the end of the next working day."""
        return self.hours.due_after(t)


class Member:
    """One staff member: an own queue and what it is doing."""

    __slots__ = ("id", "role", "queue", "busy", "resting")

    def __init__(self, member_id: str, role: RoleStaffing) -> None:
        self.id = member_id
        self.role = role
        self.queue: deque[WorkItem] = deque()
        self.busy = False  # working on an item
        self.resting = False  # has work, waits for its next working window


class RoleStaffing:
    """The members of one role, their shared queue and the role's workload figures."""

    def __init__(self, name: str, staff: Staff, shifts: Shifts,
                 draws: Callable[[Distribution], DrawStream], horizon: float,
                 ids: list[str] | None = None) -> None:
        self.name = name
        self.staff = staff
        self.shifts = shifts
        self.horizon = horizon
        self.delay = draws(staff.delay)
        self.patience = draws(staff.patience) if staff.patience is not None else None
        # Working minutes per item: a member busy all day does `capacity` items on average.
        capacity = staff.capacity_per_day
        self.item_minutes = staff.hours.length_minutes / capacity if capacity else math.inf
        self.queue: deque[WorkItem] = deque()
        self.members = [Member(member, self) for member in
                        ids or [f"{name}-{k}" for k in range(1, staff.count + 1)]]
        self.tally = StaffTally(
            available_minutes=staff.count * shifts.hours.minutes_between(0.0, horizon))
        self.open = 0
        self.open_undated = 0  # open items without a due time; at the horizon they expire
        self.sla_due = 0  # tasks with a due time inside the horizon
        self.sla_due_open = 0  # of those, neither done nor dropped (late, or not yet due)
        self.handoffs = 0
        self.dues: list[tuple[float, int, WorkItem]] = []  # open items by due time
        self.due_timer: float | None = None  # when the next expiry check is scheduled

    def opened(self, item: WorkItem) -> None:
        item.role = self
        self.tally.tasks += 1
        self.open += 1
        self.open_undated += item.due is None
        self.sla_due += item.sla and item.due <= self.horizon
        self.sla_due_open += item.sla and item.due <= self.horizon
        self.tally.max_backlog = max(self.tally.max_backlog, float(self.open))

    def closed(self, item: WorkItem, state: str, now: float) -> None:
        item.state = state
        self.open -= 1
        self.open_undated -= item.due is None
        self.sla_due_open -= item.sla and item.due <= self.horizon
        if state == DONE:
            self.tally.done += 1
            if item.sla:
                if now <= item.due:
                    self.tally.on_time += 1
                else:
                    self.tally.late += 1
        else:
            self.tally.expired += 1
            self.tally.abandoned += state == ABANDONED
            self.tally.missed += item.sla and item.due <= self.horizon


@dataclass(frozen=True)
class Queue:
    """Where work waits: a member's own queue, or a role's shared queue any member serves."""

    name: str  # the member's id, or `role:ROLE`
    role: Role
    items: deque[WorkItem]
    members: tuple[Member, ...] | list[Member]


@dataclass
class StaffOutcome:
    """What staffing reports to its driver when an item is done or expires."""

    done: Callable[[WorkItem, str], None]  # (item, member id)
    expired: Callable[[WorkItem], None]


class Staffing:
    """Every role's members serving their queues, driven by SimPy timeouts and callbacks."""

    def __init__(self, env: simpy.Environment, roles: dict[str, tuple[Staff, Shifts]],
                 rng: random.Random, draws: Callable[[Distribution], DrawStream], horizon: float,
                 outcome: StaffOutcome, ids: dict[str, list[str]] | None = None) -> None:
        """`ids` names a role's members (a staff file's); else they are numbered."""
        self.env = env
        self.rng = rng
        self.horizon = horizon
        self.outcome = outcome
        self.roles = {name: RoleStaffing(name, staff, shifts, draws, horizon,
                                         (ids or {}).get(name))
                      for name, (staff, shifts) in roles.items()}
        self.members = {m.id: m for role in self.roles.values() for m in role.members}
        self._own = {m.id: Queue(m.id, m.role, m.queue, (m,)) for m in self.members.values()}
        self._shared = {name: Queue(role_queue(name), role, role.queue, role.members)
                        for name, role in self.roles.items()}
        self._order = itertools.count()  # ties between equal due times: first queued first
        self.escalations = Escalations(self)

    def member_ids(self, role: str | None) -> list[str]:
        """The ids of a role's members, in order (none for None or an unknown role)."""
        found = self.roles.get(role or "")
        return [m.id for m in found.members] if found else []

    def next_owner(self, role: str, current: str | None = None) -> str | None:
        """The member a handoff to `role` goes to (`runtime.handoff`): round-robin over the
        role's members other than the current owner."""
        found = self.roles.get(role)
        if found is None:
            return None
        found.handoffs += 1
        return hand_over([m.id for m in found.members], current,
                         lambda n: (found.handoffs - 1) % n)

    def queue_for(self, owner: str | None, role: str | None) -> Queue | None:
        """The owner's queue, or `role`'s shared queue when the owner is not in it; None when
        nobody can ever do the work (no owner and no role)."""
        known = owner if owner in self.members else None
        sender = sender_of(known, role, lambda m, r: self.members[m].role.name == r)
        if sender is not None and sender == known:
            return self._own[sender]
        return self._shared.get(role or "")

    def assign(self, item: WorkItem, owner: str | None, role: str | None, send: bool) -> bool:
        """Queue an item at the owner, or at `role`'s shared queue when the owner is not in it.

        False when nobody can ever do the item (no owner and no role): it is not queued.
        """
        where = self.queue_for(owner, role)
        if where is not None:
            self.put(item, where, send)
        return where is not None

    def task_due(self, role: str, task: TaskCreated, created: float) -> float | None:
        """When a task of `role` made at `created` is due: its `due` in the role's working time
        (or wall-clock time)."""
        found = self.roles.get(role)  # an unstaffed role's work is never queued
        return None if found is None else due_time(created, task.due_in, task.due_wall,
                                                   found.shifts.hours)

    def put(self, item: WorkItem, where: Queue, send: bool) -> None:
        """Queue an item. A send is due at the end of the working day after the one it arrives
        in and expires then when not started. A task's due time is its SLA: past it the task
        is late, not dropped; it is abandoned only when the role's `patience` (counted from its
        creation) runs out before a member starts it. A send a member will never do leaves the
        backlog at its due time; such a task stays open."""
        if send:
            item.due = where.role.shifts.due_after(item.created)
        item.send, item.sla = send, not send and item.due is not None
        where.role.opened(item)
        self.place(item, where)
        escalation = getattr(item.what, "escalation", ())
        if escalation:
            self.escalations.watch(item, escalation)

    def place(self, item: WorkItem, where: Queue) -> None:
        """Give an opened item to a queue: whether it will be done, when it may be dropped,
        and the delay before its member (or role) gets to it."""
        target, queue, candidates = where.role, where.items, where.members
        item.where, send = where, item.send
        if self.rng.random() >= target.staff.completion:
            # A send nobody does expires; a task stays on the to-do list, where an escalation
            # may still get it done.
            item.state, item.expires = NEVER, item.due if send else None
            self._watch_due(target, item)
            return
        if send:
            item.expires = item.due
        elif target.patience is not None:
            item.expires = item.created + target.patience.next()
        self._watch_due(target, item)
        latency = target.delay.next()
        if latency > 0:
            after(self.env, latency, (item, queue, candidates), self._on_ready)
        else:
            self._ready(item, queue, candidates)

    def ready_now(self, item: WorkItem) -> None:
        """The member (or role) gets to a queued item now, its delay cut short."""
        where = item.where
        self._ready(item, where.items, where.members)

    def own_queue(self, member: str) -> Queue:
        """A member's own queue."""
        return self._own[member]

    def _on_ready(self, timer: Timer) -> None:
        self._ready(*timer.value)

    def _ready(self, item: WorkItem, queue: deque[WorkItem],
               candidates: tuple[Member, ...] | list[Member]) -> None:
        """The member (or role) gets to the item after its delay, unless it expired meanwhile
        (or a reminder made them get to it earlier)."""
        if item.state != QUEUED or item.ready is not None:
            return
        item.ready = self.env.now
        queue.append(item)
        for candidate in candidates:
            if item.state != QUEUED:
                break
            self._dispatch(candidate)

    def backlog(self, role: str) -> int:
        """Open items of the role now."""
        return self.roles[role].open

    def tallies(self) -> dict[str, StaffTally]:
        """Each role's figures at the horizon; work still open then that had no due time, or
        whose due time passed, counts as never done."""
        return {name: dataclasses.replace(
                    role.tally, expired=role.tally.expired + role.open_undated + role.sla_due_open,
                    missed=role.tally.missed + role.sla_due_open)
                for name, role in self.roles.items()}

    # ---- expiry ------------------------------------------------------------------------

    def watch_due(self, role: RoleStaffing, item: WorkItem) -> None:
        """Drop the item at its `expires` when it has not been started by then."""
        self._watch_due(role, item)

    def _watch_due(self, role: RoleStaffing, item: WorkItem) -> None:
        if item.expires is None or item.expires >= self.horizon:
            return
        heapq.heappush(role.dues, (item.expires, next(self._order), item))
        if role.due_timer is None or item.expires < role.due_timer:
            self._check_dues_at(role, item.expires)

    def _check_dues_at(self, role: RoleStaffing, t: float) -> None:
        role.due_timer = t
        after(self.env, max(0.0, t - self.env.now), (role, t), self._on_due)

    def _on_due(self, timer: Timer) -> None:
        role, t = timer.value
        if role.due_timer != t:
            return  # superseded by an earlier check
        role.due_timer = None
        dues, now = role.dues, self.env.now
        while dues and (dues[0][0] <= now or dues[0][2].state not in (QUEUED, NEVER)):
            at, _, item = heapq.heappop(dues)
            # An escalation may have given the item another expiry since it was watched.
            if item.state in (QUEUED, NEVER) and item.expires == at:
                role.closed(item, ABANDONED if item.state == QUEUED and not item.send
                            else EXPIRED, now)
                self.outcome.expired(item)
        if dues:
            self._check_dues_at(role, dues[0][0])

    # ---- members at work ---------------------------------------------------------------

    def _dispatch(self, member: Member) -> None:
        """Start the member's next item now, or rest until the next window it may work in."""
        if member.busy or member.resting:
            return
        role = member.role
        if _head(member.queue) is None and _head(role.queue) is None:
            return
        shifts, now = role.shifts, self.env.now
        window = shifts.index_at(now)
        if window >= len(shifts) or role.item_minutes == math.inf:
            return
        if shifts.starts[window] > now:
            member.resting = True
            after(self.env, shifts.starts[window] - now, member, self._wake)
            return
        item = _take(member.queue, role.queue)
        member.busy = True
        item.state, item.started, item.member = ACTIVE, now, member.id
        self._work(member, item, window, self.rng.expovariate(1 / role.item_minutes))

    def _wake(self, timer: Timer) -> None:
        member: Member = timer.value
        member.resting = False
        self._dispatch(member)

    def _work(self, member: Member, item: WorkItem, window: int, remaining: float) -> None:
        """Work on the item until it is done or the working window ends."""
        shifts, now = member.role.shifts, self.env.now
        chunk = min(remaining, shifts.ends[window] - now)
        member.role.tally.busy_minutes += _overlap(now, now + chunk, self.horizon)
        after(self.env, chunk, (member, item, window, remaining - chunk), self._worked)

    def _worked(self, timer: Timer) -> None:
        member, item, window, remaining = timer.value
        shifts = member.role.shifts
        if remaining > 0 and window + 1 < len(shifts):
            after(self.env, max(0.0, shifts.starts[window + 1] - self.env.now),
                  (member, item, window + 1, remaining), self._resume)
            return
        member.busy = False
        member.role.closed(item, DONE, self.env.now)
        self.outcome.done(item, member.id)
        self._dispatch(member)

    def _resume(self, timer: Timer) -> None:
        self._work(*timer.value)


def _head(queue: deque[WorkItem]) -> WorkItem | None:
    """The oldest item still waiting (expired ones are dropped here)."""
    while queue and queue[0].state != QUEUED:
        queue.popleft()
    return queue[0] if queue else None


def _take(own: deque[WorkItem], shared: deque[WorkItem]) -> WorkItem | None:
    mine, theirs = _head(own), _head(shared)
    if mine is None and theirs is None:
        return None
    if theirs is None or (mine is not None and mine.ready <= theirs.ready):
        return own.popleft()
    return shared.popleft()


def _overlap(start: float, end: float, horizon: float) -> float:
    return max(0.0, min(end, horizon) - max(start, 0.0))

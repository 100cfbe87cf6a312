"""A task's escalation ladder at run time: reminders, notices to a manager role, reassignment.

Each step comes at its offset after the task was made, counted like the task's `due` (the
role's working time, or the wall clock with `due ... wall`), and acts only while nobody has
started the task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING


from sopdsl.runtime.effects import EscalationStep
from sopdsl.runtime.handoff import hand_over
from sopdsl.runtime.hours import due_time
from simulator.work_items import MOVED, NEVER, QUEUED, WorkItem
from simulator.timers import Timer, after

if TYPE_CHECKING:
    from simulator.staff import Staffing


@dataclass(frozen=True)
class EscalationNotice:
    """The work a `notify ROLE` escalation step gives that role (no `task_done` follows it)."""

    step: EscalationStep
    task: WorkItem


class Escalations:
    """Runs the escalation steps of the tasks a staffing serves."""

    def __init__(self, staffing: Staffing) -> None:
        self.staffing = staffing
        self.turns = 0  # reassignments so far: whose turn the next one is

    def watch(self, item: WorkItem, steps: tuple[EscalationStep, ...]) -> None:
        """Time the item's escalation steps (those that come before the horizon)."""
        staffing, role = self.staffing, item.role
        for step in steps:
            at = due_time(item.created, step.after, item.what.due_wall, role.shifts.hours)
            if at is not None and at < staffing.horizon:
                after(staffing.env, max(0.0, at - staffing.env.now), (item, step), self._step)

    def _step(self, timer: Timer) -> None:
        item, step = timer.value
        while item.moved_to is not None:
            item = item.moved_to
        if item.state not in (QUEUED, NEVER):
            return  # started, done or dropped: nothing to escalate
        if step.action == "remind":
            self._remind(item)
        elif step.action == "notify":
            notice = WorkItem(item.customer, EscalationNotice(step, item),
                              self.staffing.env.now, None)
            self.staffing.assign(notice, None, step.role, send=False)
        else:
            self._reassign(item)

    def _remind(self, item: WorkItem) -> None:
        """With the role's `reminder` chance, the member gets to the task now: one who had not
        yet (still in the delay), or one who would never have done it."""
        staffing, role = self.staffing, item.role
        if item.ready is not None or staffing.rng.random() >= role.staff.reminder:
            return
        if item.state == NEVER:
            item.state = QUEUED
            item.expires = None if role.patience is None else \
                item.created + role.patience.next()
            staffing.watch_due(role, item)
        staffing.ready_now(item)

    def _reassign(self, item: WorkItem) -> None:
        """The task goes to another member of its role (`runtime.handoff`), who gets to it
        after their own delay, and does it with the role's `completion` chance."""
        staffing, role = self.staffing, item.role
        current = item.where.name if item.where is not None else None
        self.turns += 1
        member = hand_over([m.id for m in role.members], current,
                           lambda n: (self.turns - 1) % n)
        if member is None:
            return
        moved = WorkItem(item.customer, item.what, item.created, item.due)
        moved.send, moved.sla, moved.role = item.send, item.sla, role
        item.state, item.moved_to = MOVED, moved
        staffing.place(moved, staffing.own_queue(member))

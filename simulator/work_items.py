"""Work items: a staff action for sends or a task, and the states it goes through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.staff import Queue, RoleStaffing

QUEUED, NEVER, ACTIVE, DONE, EXPIRED, ABANDONED, MOVED = (
    "queued", "never", "active", "done", "expired", "abandoned", "moved")


class WorkItem:
    """A staff action for sends, or a task, from the moment it may be done until done,
    expired or abandoned."""

    __slots__ = ("customer", "what", "created", "due", "expires", "send", "sla", "state",
                 "ready", "started", "member", "role", "where", "moved_to")

    def __init__(self, customer: int, what: Any, created: float, due: float | None) -> None:
        self.customer = customer
        self.what = what  # the (customer, SendRequested) pairs it sends, or a TaskCreated
        self.created = created
        self.due = due
        self.expires: float | None = None  # dropped then when not started (set when queued)
        self.send = False  # a staff action for sends (else a task)
        self.sla = False  # a task with a due time: done on time, late, or never
        self.state = QUEUED
        self.ready: float | None = None  # when a member got to it (after the delay)
        self.started: float | None = None
        self.member: str | None = None
        self.role: RoleStaffing | None = None  # set when queued
        self.where: Queue | None = None  # the queue it waits in
        self.moved_to: WorkItem | None = None  # where a reassignment put it

"""Helpers for the push tests: plan tasks made in memory and a scripted fake target."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, ClassVar

from sopdsl.planning.model import (
    Assignee, DueWindow, PlanPlaybook, PlanSummary, PlanTask, PlanWindow, PlanWriter,
)
from sopdsl.push.target import Batch, Delivery, PlanRun, TargetSettings

RUN = PlanRun(PlanPlaybook(title="Demo", file="playbooks/demo.sop", timezone="Asia/Shanghai"),
              PlanWindow(start="2026-12-02T00:00:00+08:00", end="2026-12-09T00:00:00+08:00",
                         days=7, lookback_days=30))


def make_task(number: int, kind: str = "task") -> PlanTask:
    """A plan task whose key is `number` in 32 hex digits."""
    return PlanTask(
        key=f"{number:032x}", kind=kind, customer=f"c{number:03d}", customer_name="王芳",
        journey="onboarding", entry="2026-12-01T20:15:00+08:00", step=f"onboarding/{number}",
        round=1, source="playbooks/demo.sop:12", priority=5,
        assignee=Assignee(staff_id="guide_chen", name="陈晓", role="guide", email=None),
        due=DueWindow(start="2026-12-02T10:00:00+08:00", end="2026-12-02T21:00:00+08:00"),
        channel=None, title=f"call customer {number}", text="回访", content=None, change=None,
        condition="wait for reply" if kind == "pending" else None)


def make_tasks(count: int, kind: str = "task") -> list[PlanTask]:
    """`count` tasks numbered from 1."""
    return [make_task(number, kind) for number in range(1, count + 1)]


def written_plan(tasks: list[PlanTask]) -> str:
    """A plan file's text holding `tasks`, as `sopdsl plan` writes it."""
    out = io.StringIO()
    writer = PlanWriter(out, RUN.playbook, RUN.window)
    writer.write(tasks)
    writer.close(PlanSummary(customers=len(tasks), tasks=len(tasks), by_kind={}, dropped={}))
    return out.getvalue()


class Crash(BaseException):
    """Stands for the process dying right after a request went out (nothing catches it)."""


class FakeTarget:
    """Takes every task but `pending` ones, two per batch; answers from a script.

    Each script entry answers one `send`: None accepts, a dict rejects those keys, an exception
    is raised, and the `Crash` class raises Crash after the request counts as sent.
    """

    name: ClassVar[str] = "fake"
    secret_keys: ClassVar[frozenset[str]] = frozenset({"token"})
    idempotent: ClassVar[bool] = True

    def __init__(self, settings: TargetSettings | None = None, script: Iterable[Any] = (),
                 per_batch: int = 2) -> None:
        self.settings = settings or TargetSettings("fake", {"url": "https://crm.example"})
        self.destination = self.settings.values.get("url", "fake://")
        self.script = list(script)
        self.per_batch = per_batch
        self.sent: list[tuple[str, ...]] = []  # keys of every request that reached the system

    def takes(self, task: PlanTask) -> bool:
        return task.kind != "pending"

    def batches(self, run: PlanRun, tasks: Iterable[PlanTask]) -> Iterable[Batch]:
        group: list[PlanTask] = []
        for task in tasks:
            group.append(task)
            if len(group) == self.per_batch:
                yield self._batch(group)
                group = []
        if group:
            yield self._batch(group)

    def _batch(self, group: list[PlanTask]) -> Batch:
        return Batch(tuple(t.key for t in group), "create",
                     {"titles": [t.title for t in group]})

    def send(self, batch: Batch) -> Delivery:
        answer = self.script.pop(0) if self.script else None
        if answer is Crash:
            self.sent.append(batch.keys)
            raise Crash
        if isinstance(answer, Exception):
            raise answer
        self.sent.append(batch.keys)
        return Delivery(f"r{len(self.sent)}", answer or {})

    def close(self) -> None:
        pass


class OnceOnlyTarget(FakeTarget):
    """A fake target that keeps a copy per request: sending twice makes two."""

    idempotent: ClassVar[bool] = False



"""Status polling: what became of the sends a push left with staff, per status and sender.

For the plan's tasks the ledger has as accepted at the target's destination, the target is
asked once per remote id (a WeCom `msgid` or `jobid`) what became of each task. Every status
is recorded in the ledger, so the next poll can say what changed. Nothing here prints.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sopdsl.planning.model import PlanTask
from sopdsl.push.ledger import Ledger
from sopdsl.push.runner import Retry
from sopdsl.push.secrets import mask
from sopdsl.push.target import (
    CredentialsError, PollableTarget, PushError, TaskStatus, Target, can_poll,
    destination_of,
)
from sopdsl.errors import SopdslError

_LOOKUP_CHUNK = 500  # tasks looked up in the ledger at a time
NO_SENDER = "(no sender)"  # work left in a role's queue, its sender not yet known


class CannotPoll(SopdslError):
    """The target cannot say what became of the work it accepted: a usage error."""


@dataclass
class StatusReport:
    """What one poll found for a plan's pushed tasks at one destination."""

    target: str
    destination: str
    counts: Counter[str] = field(default_factory=Counter)  # status -> tasks
    by_sender: dict[str, Counter[str]] = field(default_factory=dict)  # sender -> statuses
    tasks: dict[str, list[str]] = field(default_factory=dict)  # status -> task keys
    changes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (before, now) -> tasks
    last_polled: str | None = None  # when these tasks were last polled before, if ever
    polled: int = 0  # remote ids answered
    unpolled: dict[str, str] = field(default_factory=dict)  # remote id -> why not
    unpolled_tasks: int = 0  # tasks under those remote ids
    not_pushed: int = 0  # tasks the target takes that the ledger does not have as accepted
    stopped: str | None = None  # why polling stopped before the end

    @property
    def complete(self) -> bool:
        """True when every remote id was answered."""
        return not self.unpolled and self.stopped is None

    def as_json(self) -> dict[str, Any]:
        """The report as plain data, as `sopdsl push --status --format json` prints it."""
        return {"target": self.target, "destination": self.destination,
                "complete": self.complete, "counts": dict(self.counts),
                "by_sender": {sender: dict(counts) for sender, counts in
                              sorted(self.by_sender.items())},
                "tasks": self.tasks, "last_polled": self.last_polled,
                "changes": [{"from": before, "to": now, "tasks": count}
                            for (before, now), count in sorted(self.changes.items())],
                "remote_ids_polled": self.polled, "unpolled": self.unpolled,
                "unpolled_tasks": self.unpolled_tasks, "not_pushed": self.not_pushed,
                "stopped": self.stopped}

    def add(self, key: str, status: TaskStatus, before: tuple[str, str] | None) -> None:
        """Count one task's status, and its change since the last poll."""
        sender = status.sender or NO_SENDER
        self.counts[status.status] += 1
        self.by_sender.setdefault(sender, Counter())[status.status] += 1
        self.tasks.setdefault(status.status, []).append(key)
        if before is not None:
            self.last_polled = max(self.last_polled or before[1], before[1])
            if before[0] != status.status:
                self.changes[(before[0], status.status)] += 1


def poll(tasks: Iterable[PlanTask], target: Target, ledger: Ledger, *, retry: Retry = Retry(),
         secrets: Collection[str] = ()) -> StatusReport:
    """Ask the target what became of the plan's tasks it accepted; record the answers.

    `CannotPoll` when the target cannot be asked; its errors end up in the report, with
    `secrets` masked.
    """
    if not can_poll(target):
        raise CannotPoll(f"the {target.name} target cannot report what became of its tasks")
    destination = destination_of(target)
    report = StatusReport(target.name, destination)
    groups = _accepted(tasks, target, ledger, destination, report)
    poller = _Poller(target, ledger, destination, retry, [s for s in secrets if s])
    for (operation, remote_id), group in groups.items():
        if report.stopped is not None:
            report.unpolled[remote_id] = "not asked: polling stopped"
            report.unpolled_tasks += len(group)
            continue
        poller.poll(operation, remote_id, group, report)
    return report


def _accepted(tasks: Iterable[PlanTask], target: Target, ledger: Ledger, destination: str,
              report: StatusReport) -> dict[tuple[str, str], list[PlanTask]]:
    """The tasks the ledger has as accepted with a remote id, by (operation, remote id)."""
    groups: dict[tuple[str, str], list[PlanTask]] = defaultdict(list)
    taken = (task for task in tasks if target.takes(task))
    while chunk := list(islice(taken, _LOOKUP_CHUNK)):
        known = ledger.entries(target.name, destination, (task.key for task in chunk))
        for task in chunk:
            entry = known.get(task.key)
            if entry is None or entry.state != "accepted":
                report.not_pushed += 1
            elif entry.remote_id is not None:
                groups[(entry.operation, entry.remote_id)].append(task)
    return groups


class _Poller:
    """Asks the target about one remote id at a time, retrying transient failures."""

    def __init__(self, target: Target, ledger: Ledger, destination: str, retry: Retry,
                 secrets: list[str]) -> None:
        self.target: PollableTarget = target  # type: ignore[assignment]  # checked by can_poll
        self.ledger, self.destination = ledger, destination
        self.retry, self.secrets = retry, secrets

    def poll(self, operation: str, remote_id: str, group: Sequence[PlanTask],
             report: StatusReport) -> None:
        """Record the statuses of the tasks under `remote_id`, or why they are unknown."""
        try:
            statuses = self._ask(operation, remote_id, group)
        except CredentialsError as error:
            reason = self._mask(str(error))
            report.stopped = f"the {self.target.name} target refused the credentials: {reason}"
            report.unpolled[remote_id] = reason
            report.unpolled_tasks += len(group)
            return
        except PushError as error:
            report.unpolled[remote_id] = self._mask(str(error))
            report.unpolled_tasks += len(group)
            return
        keys = [task.key for task in group]
        before = self.ledger.deliveries(self.target.name, self.destination, keys)
        for key in keys:
            report.add(key, statuses[key], before.get(key))
        self.ledger.polled(self.target.name, self.destination,
                           {key: (statuses[key].status, statuses[key].sender) for key in keys})
        report.polled += 1

    def _ask(self, operation: str, remote_id: str,
             group: Sequence[PlanTask]) -> Mapping[str, TaskStatus]:
        return self.retry.call(
            lambda _: self.target.delivery_status(operation, remote_id, group))

    def _mask(self, text: str) -> str:
        return mask(text, self.secrets)

"""The push runner: sends a plan's tasks to a target, once, and records every answer.

Tasks the ledger says the destination already has are skipped. Before a request goes out its
tasks are written to the ledger as `sending`, so a crash leaves them marked uncertain rather
than forgotten: the next run sends them again when the target is idempotent and holds them
back otherwise. Transient failures are retried with bounded exponential backoff; revoked
credentials stop the push at once. Nothing here prints: `progress` hears of every batch.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from sopdsl.planning.model import PlanTask
from sopdsl.push.ledger import Ledger, LedgerEntry, LedgerError
from sopdsl.push.report import (
    ACCEPTED, ALREADY_PUSHED, HELD_BACK, NOT_PUSHED, REJECTED, REJECTED_BEFORE, WOULD_SEND,
    PushReport,
)
from sopdsl.push.secrets import mask
from sopdsl.push.target import (
    Batch, CredentialsError, Delivery, PlanRun, RejectedError, Target, TransientError,
    destination_of,
)
from sopdsl.sent import RecordedSend

Progress = Callable[[Batch, str], None]  # each batch with its outcome, as it is decided
_LOOKUP_CHUNK = 500  # tasks looked up in the ledger at a time
T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """How long to keep trying a request the target could not take right now."""

    max_attempts: int = 6  # sends of one batch, the first included
    base_delay: float = 1.0  # seconds before the first retry; doubled for each one after
    max_delay: float = 60.0  # longest single wait
    max_wait: float = 300.0  # most seconds spent waiting on one batch
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = field(default=random.random)  # in [0, 1)

    def delay(self, retry: int, asked: float | None) -> float:
        """Seconds to wait before retry number `retry` (1-based); what the server asked, if it
        said, else exponential backoff with jitter (between half and all of the step)."""
        if asked is not None:
            return max(0.0, asked)
        step = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return step * (0.5 + self.jitter() / 2)

    def call(self, attempt: Callable[[int], T]) -> T:
        """`attempt(n)` for n = 1, 2, ... until it raises no `TransientError`; that error
        again once the attempts or the total wait are used up."""
        n, waited = 0, 0.0
        while True:
            n += 1
            try:
                return attempt(n)
            except TransientError as error:
                delay = self.delay(n, error.retry_after)
                if n >= self.max_attempts or waited + delay > self.max_wait:
                    raise
                self.sleep(delay)
                waited += delay


@dataclass(frozen=True)
class Choices:
    """What to do with tasks earlier pushes did not settle."""

    retry_rejected: bool = False  # send tasks the target refused before
    resend_uncertain: bool = False  # send tasks a crash left uncertain to a non-idempotent target


def push(run: PlanRun, tasks: Iterable[PlanTask], target: Target, ledger: Ledger, *,
         dry_run: bool = False, retry: Retry = Retry(), choices: Choices = Choices(),
         progress: Progress | None = None, secrets: Collection[str] = ()) -> PushReport:
    """Send the tasks `target` takes and the ledger does not have as settled; a report.

    A dry run asks the ledger what is settled but writes nothing and sends nothing: `progress`
    sees each batch that would be sent. `secrets` are masked in every reason recorded.
    A `LedgerError` before the first request is raised; after it, it stops the push.
    """
    started = time.monotonic()
    destination = destination_of(target)
    report = PushReport(target.name, destination, dry_run)
    sends: dict[str, list[RecordedSend]] = {}
    selected = _noting_sends(_unsettled(tasks, target, ledger, destination, choices, report),
                             sends)
    sender = _Sender(target, ledger, destination, retry, report, secrets, sends)
    try:
        for batch in target.batches(run, selected):
            if dry_run:
                outcome = WOULD_SEND
                report.add(outcome, batch.operation, len(batch.keys))
            elif report.stopped is not None:
                outcome = NOT_PUSHED
                report.add(outcome, batch.operation, len(batch.keys))
            else:
                outcome = sender.deliver(batch)
            if progress is not None:
                progress(batch, outcome)
    except LedgerError as error:
        if report.requests == 0:
            raise  # nothing went out: the ledger is an input that cannot be used
        # Requests went out: saying "nothing was sent" would hide that the system has work
        # the ledger may not know of.
        report.stopped = (f"the ledger failed after {report.requests} requests ({error}): "
                          "the last request may have reached the system without being "
                          "recorded; repair or restore the ledger first (with a new ledger, "
                          "targets that cannot look tasks up get them twice)")
    report.elapsed = time.monotonic() - started
    return report


def _unsettled(tasks: Iterable[PlanTask], target: Target, ledger: Ledger, destination: str,
               choices: Choices, report: PushReport) -> Iterator[PlanTask]:
    """The tasks to send: those the target takes that the ledger has not settled."""
    taken = _taken(tasks, target, report)
    while chunk := list(islice(taken, _LOOKUP_CHUNK)):
        known = ledger.entries(target.name, destination, (task.key for task in chunk))
        for task in chunk:
            entry = known.get(task.key)
            skip = None if entry is None else _skip(entry, target, choices)
            if skip is None:
                yield task
                continue
            report.add(skip, entry.operation, 1)
            if skip == HELD_BACK:
                report.held_back.append(task.key)


def _noting_sends(tasks: Iterable[PlanTask],
                  sends: dict[str, list[RecordedSend]]) -> Iterator[PlanTask]:
    """The tasks, each send's customers noted in `sends` by key until its batch is recorded."""
    for task in tasks:
        if task_sends := _sends_of(task):
            sends[task.key] = task_sends
        yield task


def _sends_of(task: PlanTask) -> list[RecordedSend]:
    """What a task sends to whom: one per customer of a send, or of a batch (a group post's:
    the group's members); none for other work."""
    if task.channel is None or task.kind not in ("send", "batch"):
        return []
    customers = (task.customers or []) if task.kind == "batch" else [task.customer]
    content = task.content.name if task.content is not None else None
    return [RecordedSend(customer, task.channel, task.journey, task.step, content,
                         task.due.start) for customer in customers if customer is not None]


def _taken(tasks: Iterable[PlanTask], target: Target, report: PushReport) -> Iterator[PlanTask]:
    for task in tasks:
        if target.takes(task):
            yield task
        else:
            report.other_tasks += 1


def _skip(entry: LedgerEntry, target: Target, choices: Choices) -> str | None:
    """Why a task the ledger knows is not sent again, or None to send it."""
    if entry.state == "accepted":
        return ALREADY_PUSHED
    if entry.state == "rejected":
        return None if choices.retry_rejected else REJECTED_BEFORE
    if entry.state == "sending":
        return None if target.idempotent or choices.resend_uncertain else HELD_BACK
    return None


class _Sender:
    """Sends batches one at a time, recording each attempt and answer in the ledger."""

    def __init__(self, target: Target, ledger: Ledger, destination: str, retry: Retry,
                 report: PushReport, secrets: Collection[str],
                 sends: dict[str, list[RecordedSend]]) -> None:
        self.target, self.ledger, self.destination = target, ledger, destination
        self.sends = sends  # by task key, for the tasks read and not yet recorded
        self.retry, self.report = retry, report
        self.secrets = [secret for secret in secrets if secret]
        self.attempts = 0  # of the batch being sent

    def deliver(self, batch: Batch) -> str:
        """Send one batch until it is answered or the retry bound is reached; its outcome."""
        keys = batch.keys
        try:
            delivery = self._send(batch, [(key, send) for key in keys
                                          for send in self.sends.pop(key, ())])
        except CredentialsError as error:
            reason = self._mask(str(error))
            self.ledger.failed(self.target.name, self.destination, keys, reason)
            self.report.stopped = f"the {self.target.name} target refused the credentials: {reason}"
            return self._count(batch, NOT_PUSHED)
        except RejectedError as error:
            reason = self._mask(str(error))
            self._rejected(batch, {key: reason for key in keys})
            return REJECTED
        except TransientError as error:
            reason = self._mask(str(error))
            self.ledger.failed(self.target.name, self.destination, keys, reason)
            tries = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
            self.report.stopped = (f"gave up on the {self.target.name} target after {tries} "
                                   f"at one request: {reason}")
            return self._count(batch, NOT_PUSHED)
        except Exception as error:  # an answer the target did not foresee, or a bug in it
            # Whether the system took the request is unknown: its tasks stay `sending`.
            reason = self._mask(f"{type(error).__name__}: {error}")
            self.report.stopped = (f"the {self.target.name} target failed unexpectedly at one "
                                   f"request ({reason}); its tasks stay uncertain in the "
                                   "ledger, as after a crash")
            return self._count(batch, NOT_PUSHED)
        return self._answered(batch, delivery)

    def _send(self, batch: Batch, sends: list[tuple[str, RecordedSend]]) -> Delivery:
        def attempt(n: int) -> Delivery:
            self.attempts = n
            self.ledger.sending(self.target.name, self.destination, batch.keys, batch.operation,
                                sends)
            self.report.requests += 1
            return self.target.send(batch)

        return self.retry.call(attempt)

    def _answered(self, batch: Batch, delivery: Delivery) -> str:
        refused = {key: self._mask(reason) for key, reason in delivery.rejected.items()
                   if key in batch.keys}
        taken = [key for key in batch.keys if key not in refused]
        self.ledger.accepted(self.target.name, self.destination, taken, delivery.remote_id)
        if delivery.remote_id is not None:
            self.report.remote_ids.append(delivery.remote_id)
        self.report.add(ACCEPTED, batch.operation, len(taken))
        if refused:
            self._rejected(batch, refused)
        return REJECTED if refused else ACCEPTED

    def _rejected(self, batch: Batch, reasons: dict[str, str]) -> None:
        self.ledger.rejected(self.target.name, self.destination, reasons)
        self.report.rejections.update(reasons)
        self.report.add(REJECTED, batch.operation, len(reasons))

    def _count(self, batch: Batch, outcome: str) -> str:
        self.report.add(outcome, batch.operation, len(batch.keys))
        return outcome

    def _mask(self, text: str) -> str:
        return mask(text, self.secrets)

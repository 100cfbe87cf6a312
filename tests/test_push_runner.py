"""The push runner against scripted fake targets: ledger filter, crashes, retries, stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from push_kit import RUN, Crash, FakeTarget, OnceOnlyTarget, make_task, make_tasks
from sopdsl.push.ledger import Ledger, LedgerError
from sopdsl.push.report import (
    ACCEPTED, ALREADY_PUSHED, HELD_BACK, NOT_PUSHED, REJECTED, REJECTED_BEFORE, WOULD_SEND,
)
from sopdsl.push.runner import Choices, Retry, push
from sopdsl.push.target import (
    Batch, CredentialsError, Delivery, RejectedError, TargetSettings, TransientError,
)


def no_sleep(waits: list[float] | None = None) -> Retry:
    return Retry(max_attempts=4, base_delay=1.0, max_wait=100.0,
                 sleep=(waits.append if waits is not None else lambda s: None),
                 jitter=lambda: 1.0)


def states(ledger: Ledger, target: FakeTarget) -> dict[str, str]:
    return {e.key: e.state for e in ledger.all_entries(target.name, target.destination)}


def test_everything_accepted_then_nothing_sent_again(ledger):
    """A second push of the same tasks sends nothing and counts them as already pushed."""
    tasks = make_tasks(5)
    target = FakeTarget()
    first = push(RUN, tasks, target, ledger, retry=no_sleep())
    assert first.counts[ACCEPTED] == 5 and first.complete
    assert first.remote_ids == ["r1", "r2", "r3"]
    again = FakeTarget()
    second = push(RUN, tasks, again, ledger, retry=no_sleep())
    assert again.sent == [] and second.counts == {ALREADY_PUSHED: 5}
    assert second.complete


def test_tasks_the_target_does_not_take_are_left_alone(ledger):
    """Tasks the target does not carry are neither sent nor recorded."""
    tasks = [make_task(1), make_task(2, "pending")]
    target = FakeTarget()
    report = push(RUN, tasks, target, ledger, retry=no_sleep())
    assert target.sent == [(make_task(1).key,)] and report.other_tasks == 1
    assert list(states(ledger, target)) == [make_task(1).key]


def test_a_second_destination_gets_everything(ledger):
    """The same plan pushed to another server is sent there in full."""
    tasks = make_tasks(3)
    push(RUN, tasks, FakeTarget(), ledger, retry=no_sleep())
    other = FakeTarget(TargetSettings("fake", {"url": "https://other.example"}))
    report = push(RUN, tasks, other, ledger, retry=no_sleep())
    assert report.counts[ACCEPTED] == 3 and len(other.sent) == 2


def test_crash_after_send_then_idempotent_target_resends_once(ledger):
    """A crash right after a request leaves its tasks `sending`; an idempotent target gets
    them again exactly once on the re-run."""
    tasks = make_tasks(4)
    crashing = FakeTarget(script=[None, Crash])
    with pytest.raises(Crash):
        push(RUN, tasks, crashing, ledger, retry=no_sleep())
    crashed = crashing.sent[1]
    assert all(states(ledger, crashing)[key] == "sending" for key in crashed)
    rerun = FakeTarget()
    report = push(RUN, tasks, rerun, ledger, retry=no_sleep())
    assert rerun.sent == [crashed]
    assert report.counts == {ALREADY_PUSHED: 2, ACCEPTED: 2}
    assert set(states(ledger, rerun).values()) == {"accepted"}


def test_crash_after_send_then_non_idempotent_target_holds_back(ledger):
    """A non-idempotent target does not get uncertain tasks again: they are held back and
    reported, until the operator asks to resend them."""
    tasks = make_tasks(4)
    with pytest.raises(Crash):
        push(RUN, tasks, OnceOnlyTarget(script=[None, Crash]), ledger, retry=no_sleep())
    rerun = OnceOnlyTarget()
    report = push(RUN, tasks, rerun, ledger, retry=no_sleep())
    assert rerun.sent == [] and report.counts[HELD_BACK] == 2
    assert report.held_back == [tasks[2].key, tasks[3].key] and not report.complete
    forced = OnceOnlyTarget()
    push(RUN, tasks, forced, ledger, retry=no_sleep(), choices=Choices(resend_uncertain=True))
    assert forced.sent == [(tasks[2].key, tasks[3].key)]


def test_transient_errors_then_success(ledger):
    """Transient failures are retried with growing waits (or what the server asked) and the
    attempts are counted in the ledger."""
    waits: list[float] = []
    target = FakeTarget(script=[TransientError("503"), TransientError("429", retry_after=7),
                                None])
    report = push(RUN, make_tasks(2), target, ledger, retry=no_sleep(waits))
    assert waits == [1.0, 7.0]
    assert report.counts == {ACCEPTED: 2} and report.requests == 3
    entries = list(ledger.all_entries(target.name, target.destination))
    assert [e.attempts for e in entries] == [3, 3]


def test_backoff_doubles_with_jitter_up_to_the_cap():
    """Backoff doubles each retry, stays between half and all of the step, and is capped."""
    retry = Retry(base_delay=2.0, max_delay=10.0, jitter=lambda: 0.0)
    assert [retry.delay(n, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert Retry(base_delay=2.0, jitter=lambda: 1.0).delay(2, None) == 4.0


def test_retry_bound_exhausted_leaves_tasks_not_pushed_and_a_rerun_sends_them(ledger):
    """After the last attempt the batch is `not pushed` (not rejected), the push stops, and a
    re-run sends everything still missing."""
    tasks = make_tasks(4)
    down = FakeTarget(script=[None] + [TransientError("connection refused")] * 4)
    report = push(RUN, tasks, down, ledger, retry=no_sleep())
    assert report.counts == {ACCEPTED: 2, NOT_PUSHED: 2}
    assert "connection refused" in report.stopped and not report.complete
    assert states(ledger, down)[tasks[2].key] == "failed"
    back = FakeTarget()
    again = push(RUN, tasks, back, ledger, retry=no_sleep())
    assert back.sent == [(tasks[2].key, tasks[3].key)] and again.complete


def test_total_wait_bound_stops_retrying_early(ledger):
    """A server asking for a wait beyond the total bound is not waited for."""
    waits: list[float] = []
    target = FakeTarget(script=[TransientError("429", retry_after=500)])
    report = push(RUN, make_tasks(1), target, ledger, retry=no_sleep(waits))
    assert waits == [] and report.counts == {NOT_PUSHED: 1}


def test_credentials_revoked_mid_push_stops_and_keeps_earlier_batches(ledger):
    """Revoked credentials stop the push at once: earlier batches stay accepted, the rest is
    not pushed and nothing more is sent."""
    tasks = make_tasks(6)
    target = FakeTarget(script=[None, CredentialsError("token revoked")])
    report = push(RUN, tasks, target, ledger, retry=no_sleep())
    assert len(target.sent) == 1 and report.requests == 2
    assert report.counts == {ACCEPTED: 2, NOT_PUSHED: 4}
    assert "token revoked" in report.stopped
    assert states(ledger, target) == {tasks[0].key: "accepted", tasks[1].key: "accepted",
                                      tasks[2].key: "failed", tasks[3].key: "failed"}


def test_an_unexpected_failure_stops_the_push_and_leaves_its_tasks_uncertain(ledger):
    """A target failing in a way it did not map (here a KeyError on an odd answer) stops the
    push without a traceback; the request's tasks stay `sending`, as after a crash."""
    tasks = make_tasks(6)
    target = FakeTarget(script=[None, KeyError("msgid")],
                        settings=TargetSettings("fake", {"url": "https://crm.example",
                                                         "token": "s3cr3t"}))
    report = push(RUN, tasks, target, ledger, retry=no_sleep(), secrets=["msgid"])
    assert report.counts == {ACCEPTED: 2, NOT_PUSHED: 4} and report.requests == 2
    assert "failed unexpectedly" in report.stopped and "KeyError: '***'" in report.stopped
    assert states(ledger, target) == {tasks[0].key: "accepted", tasks[1].key: "accepted",
                                      tasks[2].key: "sending", tasks[3].key: "sending"}


def test_partial_rejection_marks_only_the_refused_tasks(ledger):
    """A delivery that refuses some tasks marks those rejected and the rest accepted; a
    re-run skips both unless asked to retry the rejected ones."""
    tasks = make_tasks(2)
    target = FakeTarget(script=[{tasks[1].key: "invalid userid"}])
    report = push(RUN, tasks, target, ledger, retry=no_sleep())
    assert report.counts == {ACCEPTED: 1, REJECTED: 1}
    assert report.rejections == {tasks[1].key: "invalid userid"}
    assert report.by_operation["create"] == {ACCEPTED: 1, REJECTED: 1}
    again = push(RUN, tasks, FakeTarget(), ledger, retry=no_sleep())
    assert again.counts == {ALREADY_PUSHED: 1, REJECTED_BEFORE: 1} and not again.complete
    retried = FakeTarget()
    push(RUN, tasks, retried, ledger, retry=no_sleep(), choices=Choices(retry_rejected=True))
    assert retried.sent == [(tasks[1].key,)]


def test_rejected_request_marks_the_whole_batch_and_goes_on(ledger):
    """A refused request rejects its batch with the reason, and later batches are still sent."""
    tasks = make_tasks(4)
    target = FakeTarget(script=[RejectedError("title too long")])
    report = push(RUN, tasks, target, ledger, retry=no_sleep())
    assert report.counts == {REJECTED: 2, ACCEPTED: 2} and report.stopped is None
    assert report.rejections[tasks[0].key] == "title too long"


def test_secrets_are_masked_in_recorded_reasons(ledger):
    """A secret the server echoes in an error never reaches the ledger or the report."""
    target = FakeTarget(script=[RejectedError("bad token s3cr3t-XYZ")])
    report = push(RUN, make_tasks(1), target, ledger, retry=no_sleep(), secrets=["s3cr3t-XYZ"])
    entry, = ledger.all_entries(target.name, target.destination)
    assert "s3cr3t" not in entry.reason and "s3cr3t" not in str(report)


def test_dry_run_writes_nothing_and_sends_nothing(ledger):
    """A dry run shows the batches after the ledger filter, sends nothing, records nothing."""
    tasks = make_tasks(3)
    push(RUN, tasks[:1], FakeTarget(), ledger, retry=no_sleep())
    target = FakeTarget(script=[CredentialsError("must not be called")])
    seen = []
    report = push(RUN, tasks, target, ledger, dry_run=True, retry=no_sleep(),
                  progress=lambda batch, outcome: seen.append((batch.keys, outcome)))
    assert target.sent == [] and report.counts == {ALREADY_PUSHED: 1, WOULD_SEND: 2}
    assert seen == [((tasks[1].key, tasks[2].key), WOULD_SEND)]
    assert len(list(ledger.all_entries(target.name, target.destination))) == 1


def damage(folder: Path) -> None:
    """Overwrite every file of the ledger in `folder` (the database and its log) with junk."""
    for path in folder.glob("ledger.sqlite*"):
        with path.open("r+b") as out:
            out.write(b"\xff" * path.stat().st_size)


def test_a_ledger_that_breaks_mid_push_stops_it_and_says_requests_went_out(tmp_path):
    """A ledger found corrupt after requests went out stops the push with a report (exit 1
    in the CLI), never a LedgerError that would read as "nothing was sent"."""

    class Damaging(FakeTarget):
        def send(self, batch: Batch) -> Delivery:
            if len(self.sent) == 2:
                damage(tmp_path)
            return super().send(batch)

    ledger = Ledger.open(tmp_path / "ledger.sqlite")
    target = Damaging()
    report = push(RUN, make_tasks(400), target, ledger, retry=no_sleep())
    ledger.close()
    assert len(target.sent) == 3 and report.requests == 3
    assert report.counts == {ACCEPTED: 4} and not report.complete
    assert report.stopped.startswith("the ledger failed after 3 requests (the ledger file is "
                                     "corrupt")


def test_a_ledger_that_breaks_before_any_request_is_raised(tmp_path):
    """A ledger that cannot be read before the first request is a LedgerError: nothing went
    out, so the CLI reports it as an input error (exit 2)."""
    ledger = Ledger.open(tmp_path / "ledger.sqlite")
    push(RUN, make_tasks(2), FakeTarget(), ledger, retry=no_sleep())
    damage(tmp_path)
    target = FakeTarget()
    with pytest.raises(LedgerError, match="corrupt"):
        push(RUN, make_tasks(600), target, ledger, retry=no_sleep())
    ledger.close()
    assert target.sent == []

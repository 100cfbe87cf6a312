"""Status polling (`push --status`): grouping by remote id, errors, the ledger's record, and
how the WeCom target reads send results and moments tasks."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from push_kit import RUN, FakeTarget, make_task, make_tasks
from wecom_kit import send_task, target as wecom_target

from sopdsl.planning.model import PlanTask
from sopdsl.push.ledger import Ledger
from sopdsl.push.runner import Retry, push
from sopdsl.push.status import NO_SENDER, CannotPoll, poll
from sopdsl.push.target import (
    MOMENT_CREATED, MOMENT_FAILED, NOT_A_FRIEND, NOT_LISTED, OVER_QUOTA, SENT, WAITING,
    CredentialsError, RejectedError, TaskStatus, TransientError,
)

NO_WAIT = Retry(max_attempts=3, sleep=lambda seconds: None, jitter=lambda: 0.0)


class PollableFake(FakeTarget):
    """A fake target that answers status polls from a script per remote id."""

    def __init__(self, answers: Mapping[str, Any] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answers = dict(answers)  # remote id -> status, or a list of exceptions then one
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    def delivery_status(self, operation: str, remote_id: str,
                        tasks: Sequence[PlanTask]) -> dict[str, TaskStatus]:
        self.asked.append((remote_id, tuple(task.key for task in tasks)))
        answer = self.answers.get(remote_id, SENT)
        if isinstance(answer, list):
            answer = answer.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return {task.key: TaskStatus(answer, "guide_chen") for task in tasks}


def test_each_remote_id_is_asked_once_about_its_own_tasks(ledger):
    """Accepted tasks are grouped by the remote id the ledger has, one question per id."""
    tasks = make_tasks(5)
    push(RUN, tasks, FakeTarget(), ledger, retry=NO_WAIT)
    target = PollableFake({"r2": WAITING})
    report = poll(tasks, target, ledger, retry=NO_WAIT)
    keys = [task.key for task in tasks]
    assert target.asked == [("r1", tuple(keys[:2])), ("r2", tuple(keys[2:4])),
                            ("r3", (keys[4],))]
    assert report.counts == {SENT: 3, WAITING: 2} and report.complete
    assert report.tasks[WAITING] == keys[2:4]
    assert report.by_sender == {"guide_chen": {SENT: 3, WAITING: 2}}


def test_tasks_not_accepted_are_counted_not_asked(ledger):
    """Rejected and never-pushed tasks are counted as not pushed and never polled."""
    tasks = make_tasks(4)
    push(RUN, tasks[:2], FakeTarget(script=[RejectedError("bad")]), ledger, retry=NO_WAIT)
    target = PollableFake()
    report = poll(tasks, target, ledger, retry=NO_WAIT)
    assert target.asked == [] and report.not_pushed == 4 and report.polled == 0


def test_a_transient_error_is_retried_then_left_unpolled(ledger):
    """A remote id that keeps failing is reported unpolled after the retry bound while the
    others are polled; one that fails once is polled."""
    tasks = make_tasks(6)
    push(RUN, tasks, FakeTarget(), ledger, retry=NO_WAIT)
    down = [TransientError("WeCom answered HTTP 502")] * 3
    target = PollableFake({"r1": [TransientError("slow"), SENT], "r2": down})
    report = poll(tasks, target, ledger, retry=NO_WAIT)
    assert [remote_id for remote_id, _ in target.asked] == ["r1", "r1", "r2", "r2", "r2", "r3"]
    assert report.unpolled == {"r2": "WeCom answered HTTP 502"}
    assert report.unpolled_tasks == 2 and report.counts == {SENT: 4}
    assert not report.complete


def test_refused_credentials_stop_polling_with_the_secret_masked(ledger):
    """Refused credentials stop the poll: later remote ids are not asked, and the secret in
    the error never reaches the report."""
    tasks = make_tasks(6)
    push(RUN, tasks, FakeTarget(), ledger, retry=NO_WAIT)
    target = PollableFake({"r2": CredentialsError("bad secret s3cr3t")})
    report = poll(tasks, target, ledger, retry=NO_WAIT, secrets=["s3cr3t"])
    assert [remote_id for remote_id, _ in target.asked] == ["r1", "r2"]
    assert set(report.unpolled) == {"r2", "r3"} and report.unpolled_tasks == 4
    assert "s3cr3t" not in repr(report) and "***" in report.unpolled["r2"]


def test_a_target_without_status_support_cannot_be_polled(ledger):
    """Polling a target that has no `delivery_status` raises CannotPoll."""
    with pytest.raises(CannotPoll, match="fake target cannot report"):
        poll(make_tasks(1), FakeTarget(), ledger)


def test_second_poll_reports_changes_since_the_first(ledger):
    """Statuses are recorded, so the next poll counts each change from the one before."""
    tasks = make_tasks(4)
    push(RUN, tasks, FakeTarget(), ledger, retry=NO_WAIT)
    first = poll(tasks, PollableFake({"r1": WAITING, "r2": WAITING}), ledger, retry=NO_WAIT)
    assert not first.changes and first.last_polled is None
    second = poll(tasks, PollableFake({"r1": SENT, "r2": WAITING}), ledger, retry=NO_WAIT)
    assert second.changes == {(WAITING, SENT): 2} and second.last_polled is not None


def test_a_ledger_from_before_polling_gains_the_delivery_table(tmp_path):
    """A ledger written without the delivery table opens, keeps its rows and records polls."""
    path = tmp_path / "old.sqlite"
    tasks = make_tasks(2)
    old = Ledger.open(path)
    push(RUN, tasks, FakeTarget(), old, retry=NO_WAIT)
    old.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE delivery")
    reopened = Ledger.open(path)
    try:
        report = poll(tasks, PollableFake(), reopened, retry=NO_WAIT)
        assert report.counts == {SENT: 2}
        assert set(reopened.deliveries("fake", "https://crm.example",
                                       [t.key for t in tasks])) == {t.key for t in tasks}
    finally:
        reopened.close()


def test_wecom_maps_each_customer_row_to_its_task(monkeypatch):
    """Status 0-3 of the customer's row become waiting, sent, not a friend and over quota; a
    customer missing from the result is reported so; the row's sender fills a role queue."""
    wecom = wecom_target()
    tasks = [send_task(f"c{n}") for n in range(5)] + [send_task("c5", sender=None)]
    rows = [{"external_userid": f"c{n}", "userid": "guide_chen", "status": n} for n in range(4)]
    rows.append({"external_userid": "c5", "userid": "guide_lin", "status": 1})
    monkeypatch.setattr(wecom, "send_results", lambda msgid: rows)
    statuses = wecom.delivery_status("add_msg_template", "msg1", tasks)
    assert [statuses[t.key].status for t in tasks] == [WAITING, SENT, NOT_A_FRIEND, OVER_QUOTA,
                                                       NOT_LISTED, SENT]
    assert statuses[tasks[5].key].sender == "guide_lin"


def test_wecom_group_message_is_sent_once_any_chat_got_it(monkeypatch):
    """A group message's tasks are sent when one of the sender's chats got it, else waiting."""
    wecom = wecom_target()
    tasks = [send_task(f"c{n}", channel="group") for n in range(2)]
    chats = [{"chat_id": "wr1", "userid": "guide_chen", "status": 0}]
    monkeypatch.setattr(wecom, "send_results", lambda msgid: chats)
    assert {s.status for s in wecom.delivery_status("add_msg_template", "m", tasks).values()} \
        == {WAITING}
    chats.append({"chat_id": "wr2", "userid": "guide_chen", "status": 1})
    assert {s.status for s in wecom.delivery_status("add_msg_template", "m", tasks).values()} \
        == {SENT}


@pytest.mark.parametrize(("answer", "expected"), [
    ({"status": 2}, WAITING),
    ({"status": 3, "result": {"errcode": 0, "invalid_sender_list": {"user_list": []}}},
     MOMENT_CREATED),
    ({"status": 3, "result": {"errcode": 0,
                              "invalid_sender_list": {"user_list": ["guide_chen"]}}},
     MOMENT_FAILED),
    ({"status": 3, "result": {"errcode": 40058}}, MOMENT_FAILED),
])
def test_wecom_moments_job_state_becomes_the_tasks_status(monkeypatch, answer, expected):
    """A running job waits, a done job is created unless it failed or refused the sender."""
    wecom = wecom_target()
    task = send_task("c1", channel="moments")
    monkeypatch.setattr(wecom, "moment_result", lambda jobid: answer)
    assert wecom.delivery_status("add_moment_task", "job1", [task])[task.key] == \
        TaskStatus(expected, "guide_chen")


def test_work_without_a_sender_is_counted_under_no_sender(ledger):
    """Statuses without a known sender are counted under a named placeholder."""
    tasks = [make_task(1)]
    push(RUN, tasks, FakeTarget(), ledger, retry=NO_WAIT)

    class NoSender(PollableFake):
        def delivery_status(self, operation, remote_id, group):
            return {task.key: TaskStatus(WAITING, None) for task in group}

    report = poll(tasks, NoSender(), ledger, retry=NO_WAIT)
    assert report.by_sender == {NO_SENDER: {WAITING: 1}}

"""The push ledger's record of what was sent to whom: written with each request, read back
as the sends a target accepted."""

from __future__ import annotations

import sqlite3

from push_kit import RUN, FakeTarget, make_task
from sopdsl.planning.model import PlanContent, PlanTask
from sopdsl.push.ledger import Ledger
from sopdsl.push.runner import push
from sopdsl.push.target import NOT_A_FRIEND, SENT
from sopdsl.sent import RecordedSend

CONTENT = PlanContent(name="welcome", kind="text", title="你好", text="你好")


def send(number: int, **changes) -> PlanTask:
    """A private-chat send of `welcome` to customer `c<number>`."""
    return make_task(number, "send").model_copy(
        update={"channel": "private_chat", "content": CONTENT, **changes})


def recorded(number: int, customer: str | None = None) -> RecordedSend:
    """The send `send(number)` to `customer` (its own customer by default), as recorded."""
    return RecordedSend(customer or f"c{number:03d}", "private_chat", "onboarding",
                        f"onboarding/{number}", "welcome", "2026-12-02T10:00:00+08:00")


def test_a_push_leaves_each_send_per_customer_and_no_other_work(ledger):
    """A send is one record, a batch (a group post too) one per customer it reaches; a staff
    task and a send the target refused are none."""
    batch = send(3, kind="batch", customer=None, customers=["c007", "c008"], reach=2)
    post = send(4, kind="batch", customer=None, customers=["c009"], reach=1,
                group="wrOgQhDgAA", members=1)
    refused = send(5)
    tasks = [send(1), make_task(2), batch, post, refused]
    push(RUN, tasks, FakeTarget(script=[None, None, {refused.key: "no such customer"}]),
         ledger)
    assert list(ledger.recorded_sends()) == [
        recorded(1), recorded(3, "c007"), recorded(3, "c008"), recorded(4, "c009")]
    with sqlite3.connect(ledger.path) as db:
        rows = db.execute("SELECT key, customer FROM sent ORDER BY customer").fetchall()
    # The refused send is recorded as sent for it went out; it is read back as not delivered.
    assert rows == [(send(1).key, "c001"), (refused.key, "c005"), (batch.key, "c007"),
                    (batch.key, "c008"), (post.key, "c009")]


def test_a_send_polled_as_not_sent_is_left_out_and_one_sent_twice_counts_once(ledger):
    """A status poll saying the customer did not get it drops the send; the same send accepted
    at two destinations is one send."""
    tasks = [send(1), send(2)]
    target = FakeTarget(per_batch=1)
    push(RUN, tasks, target, ledger)
    push(RUN, tasks, FakeTarget(per_batch=1, settings=type(target.settings)(
        "fake", {"url": "https://other.example"})), ledger)
    ledger.polled("fake", target.destination, {send(1).key: (SENT, "guide_chen"),
                                               send(2).key: (NOT_A_FRIEND, "guide_chen")})
    assert list(ledger.recorded_sends()) == [recorded(1), recorded(2)]
    other = "https://other.example"
    ledger.polled("fake", other, {send(2).key: (NOT_A_FRIEND, "guide_chen")})
    assert list(ledger.recorded_sends()) == [recorded(1)]


def test_a_ledger_from_before_sends_were_recorded_still_opens(tmp_path):
    """A ledger without the `sent` table opens read-only with no sends, and gains the table
    (keeping its rows) when opened for writing."""
    path = tmp_path / "old.sqlite"
    Ledger.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO pushed VALUES ('fake', 'd', 'k', 'accepted', 'create', NULL, "
                   "NULL, 1, 'x', 'x')")
        db.execute("DROP TABLE sent")
    old = Ledger.open(path, read_only=True)
    assert list(old.recorded_sends()) == []
    assert [e.key for e in old.all_entries("fake", "d")] == ["k"]
    old.close()
    writable = Ledger.open(path)
    writable.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM sent").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM pushed").fetchone() == (1,)

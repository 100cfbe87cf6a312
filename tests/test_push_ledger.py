"""The push ledger: committed before sending, one row per destination, bad files refused."""

from __future__ import annotations

import sqlite3

import pytest

from push_kit import RUN, FakeTarget, make_tasks
from sopdsl.push.ledger import Ledger, LedgerError
from sopdsl.push.runner import push
from sopdsl.push.target import Batch, Delivery


def test_sending_is_committed_before_the_request_goes_out(tmp_path):
    """While a request is in flight, another connection already sees its tasks `sending`."""
    path = tmp_path / "ledger.sqlite"
    seen = []

    class Peeking(FakeTarget):
        def send(self, batch: Batch) -> Delivery:
            with sqlite3.connect(path) as other:
                seen.extend(other.execute("SELECT key, state FROM pushed").fetchall())
            return super().send(batch)

    ledger = Ledger.open(path)
    tasks = make_tasks(1)
    push(RUN, tasks, Peeking(), ledger)
    ledger.close()
    assert seen == [(tasks[0].key, "sending")]


def test_rows_record_the_answer(tmp_path):
    """Accepted rows keep the remote id and attempts; rejected rows the reason."""
    ledger = Ledger.open(tmp_path / "l.sqlite")
    ledger.sending("t", "https://a", ["k1", "k2"], "create")
    ledger.accepted("t", "https://a", ["k1"], "42")
    ledger.rejected("t", "https://a", {"k2": "bad party"})
    entries = ledger.entries("t", "https://a", ["k1", "k2", "k3"])
    assert (entries["k1"].state, entries["k1"].remote_id, entries["k1"].attempts) == (
        "accepted", "42", 1)
    assert (entries["k2"].state, entries["k2"].reason) == ("rejected", "bad party")
    assert ledger.entries("t", "https://b", ["k1"]) == {}
    ledger.close()


def test_the_file_is_in_wal_mode(tmp_path):
    """The ledger uses write-ahead logging so readers never block a push."""
    Ledger.open(tmp_path / "l.sqlite").close()
    with sqlite3.connect(tmp_path / "l.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_corrupt_file_is_refused(tmp_path):
    """A file that is not SQLite is a LedgerError, not a traceback."""
    path = tmp_path / "l.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="corrupt"):
        Ledger.open(path)


def test_another_database_is_refused_and_left_alone(tmp_path):
    """An SQLite file of something else is refused and gets no ledger tables."""
    path = tmp_path / "crm.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id TEXT)")
    with pytest.raises(LedgerError, match="not a sopdsl push ledger"):
        Ledger.open(path)
    with sqlite3.connect(path) as db:
        tables = db.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("customers",)]


def test_a_second_push_on_the_same_ledger_is_refused(tmp_path):
    """Two pushes never share a ledger at once: the second is told it is locked."""
    first = Ledger.open(tmp_path / "l.sqlite")
    with pytest.raises(LedgerError, match="locked"):
        Ledger.open(tmp_path / "l.sqlite")
    first.close()
    Ledger.open(tmp_path / "l.sqlite").close()


def test_read_only_ledger_of_a_missing_file_is_empty_and_creates_nothing(tmp_path):
    """A dry run's ledger for a path that does not exist is empty and leaves no file."""
    ledger = Ledger.open(tmp_path / "sub" / "l.sqlite", read_only=True)
    assert ledger.entries("t", "d", ["k"]) == {} and list(ledger.all_entries("t", "d")) == []
    ledger.close()
    assert list(tmp_path.iterdir()) == []


def test_read_only_ledger_refuses_writes(tmp_path):
    """A read-only ledger cannot be changed, even by mistake."""
    Ledger.open(tmp_path / "l.sqlite").close()
    ledger = Ledger.open(tmp_path / "l.sqlite", read_only=True)
    with pytest.raises(LedgerError):
        ledger.sending("t", "d", ["k"], "create")
    ledger.close()

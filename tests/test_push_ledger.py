"""The push ledger: committed before sending, one row per destination, locked by file, bad
files refused."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

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


def other_names(tmp_path):
    """The same ledger file under a symbolic link, a path through `..` and a hard link."""
    path = tmp_path / "ledgers" / "l.sqlite"
    Ledger.open(path).close()
    (tmp_path / "link.sqlite").symlink_to(path)
    (tmp_path / "sub").mkdir()
    os.link(path, tmp_path / "hard.sqlite")
    return path, [tmp_path / "link.sqlite", tmp_path / "sub" / ".." / "ledgers" / "l.sqlite",
                  tmp_path / "hard.sqlite"]


@pytest.mark.parametrize("which", ["symlink", "dotdot", "hard link"])
def test_the_lock_follows_the_file_not_its_name(tmp_path, which):
    """A push holding the ledger locks it under every name: a link, `..` or a hard link."""
    path, names = other_names(tmp_path)
    other = names[["symlink", "dotdot", "hard link"].index(which)]
    first = Ledger.open(path)
    with pytest.raises(LedgerError, match="locked"):
        Ledger.open(other)
    first.close()
    second = Ledger.open(other)
    with pytest.raises(LedgerError, match="locked"):
        Ledger.open(path)
    second.close()


def test_no_lock_file_is_left_next_to_the_ledger(tmp_path):
    """The lock is the ledger file's own: opening a ledger adds no file beside it."""
    Ledger.open(tmp_path / "l.sqlite").close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.sqlite"]


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\0"])
def test_an_empty_or_cut_short_file_is_refused_not_taken_for_a_new_ledger(tmp_path, content):
    """A 0-byte file, or one holding only the start of a header, is a LedgerError and is left
    as it was: never a new, empty ledger that would send everything again."""
    path = tmp_path / "l.sqlite"
    path.write_bytes(content)
    with pytest.raises(LedgerError, match="empty|corrupt"):
        Ledger.open(path)
    with pytest.raises(LedgerError, match="empty|corrupt"):
        Ledger.open(path, read_only=True)
    assert path.read_bytes() == content


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_a_truncated_ledger_is_refused(tmp_path, keep):
    """A ledger whose file lost its end (a full disk, a partial copy) is refused on opening,
    for writing and for a dry run, before anything could be sent."""
    path = tmp_path / "l.sqlite"
    ledger = Ledger.open(path)
    ledger.sending("t", "d", [f"{n:032x}" for n in range(5000)], "create")
    ledger.close()
    size = path.stat().st_size
    os.truncate(path, int(size * keep) // 4096 * 4096)
    for read_only in (False, True):
        with pytest.raises(LedgerError, match="corrupt"):
            Ledger.open(path, read_only=read_only)


def test_an_sqlite_file_without_tables_is_not_a_ledger(tmp_path):
    """An SQLite database with nothing in it is refused rather than filled with a ledger."""
    path = tmp_path / "l.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 7")
    with pytest.raises(LedgerError, match="not a sopdsl push ledger"):
        Ledger.open(path)


def test_a_ledger_that_is_not_a_regular_file_is_refused(tmp_path):
    """A named pipe given as the ledger is refused without blocking on it."""
    path = tmp_path / "l.sqlite"
    os.mkfifo(path)
    for read_only in (False, True):
        with pytest.raises(LedgerError, match="not a regular file"):
            Ledger.open(path, read_only=read_only)


def test_a_new_ledger_appears_whole(tmp_path):
    """A new ledger is made aside and linked into place: no temporary file stays behind, and
    the file at the ledger's name is a complete ledger from the start."""
    path = tmp_path / "l.sqlite"
    Ledger.open(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.sqlite"]
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"ledger_info", "pushed", "delivery"} <= tables


CRASH_AFTER_WRITING = """
import os, sys
from pathlib import Path
from sopdsl.push.ledger import Ledger
ledger = Ledger.open(Path(sys.argv[1]))
ledger.sending("t", "d", ["k1", "k2"], "create")
ledger.accepted("t", "d", ["k1"], "r1")
os._exit(0)  # as if killed: SQLite never closes, its write-ahead log stays
"""


def test_a_push_killed_under_one_name_is_finished_under_that_name(tmp_path):
    """What a killed push recorded is in the write-ahead log next to the name it used; through
    a hard link that log is invisible, so the other name is refused (naming the one to use)
    until the ledger is opened once under its own name."""
    path, names = other_names(tmp_path)
    hard = names[2]
    subprocess.run([sys.executable, "-c", CRASH_AFTER_WRITING, str(path)], check=True,
                   timeout=60)
    assert Path(f"{path}-wal").stat().st_size > 0
    for read_only in (False, True):
        with pytest.raises(LedgerError, match=re.escape(f"--ledger {path}")):
            Ledger.open(hard, read_only=read_only)
    Ledger.open(path).close()
    ledger = Ledger.open(hard)
    states = {e.key: e.state for e in ledger.all_entries("t", "d")}
    ledger.close()
    assert states == {"k1": "accepted", "k2": "sending"}

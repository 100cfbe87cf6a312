"""The push ledger: what each target system was sent and what it answered, in a SQLite file.

One row per (target, destination, task key). A row is written as `sending` and committed
before the request goes out, then becomes `accepted` or `rejected` when the system answers,
or `failed` when the request did not go through (sent again on the next run). A row still
`sending` when a push starts was left by a crash: the system may or may not have the task.
Status polling (`push --status`) keeps each accepted task's last known delivery status in a
second table, `delivery`, keyed like `pushed`. For each send a push records, a third table,
`sent`, keeps per key and customer what went out: customer id, channel, journey, step,
content name and planned time (never the message text), so calibration can count it. Ledgers
from before these tables gain them when next opened for writing; until then they have none.
The destination names the server (URL and database), never credentials, so one plan pushed
to two servers has two sets of rows. A push locks the ledger file itself, whatever name it
was given by; a new ledger appears whole, so an empty or cut-short file is never taken for one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sopdsl.errors import SopdslError
from sopdsl.push.target import SENT
from sopdsl.sent import RecordedSend

STATES = ("sending", "accepted", "rejected", "failed")
_CHUNK = 500  # keys per query, under SQLite's limit on bound parameters
_BUSY_TIMEOUT_MS = 5000
_FORMAT = "1"
_LOCKED = "the ledger is locked: another push is using it (wait for it to finish)"
_CORRUPT = "the ledger file is corrupt: damaged, cut short or not an SQLite database"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS ledger_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO ledger_info VALUES ('format', '{_FORMAT}');
CREATE TABLE IF NOT EXISTS pushed (
    target TEXT NOT NULL,
    destination TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN {STATES}),
    operation TEXT NOT NULL,
    remote_id TEXT,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (target, destination, key)
);
CREATE TABLE IF NOT EXISTS delivery (
    target TEXT NOT NULL,
    destination TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    sender TEXT,
    polled_at TEXT NOT NULL,
    PRIMARY KEY (target, destination, key)
);
CREATE TABLE IF NOT EXISTS sent (
    target TEXT NOT NULL,
    destination TEXT NOT NULL,
    key TEXT NOT NULL,
    customer TEXT NOT NULL,
    channel TEXT NOT NULL,
    journey TEXT NOT NULL,
    step TEXT NOT NULL,
    content TEXT,
    planned TEXT NOT NULL,
    PRIMARY KEY (target, destination, key, customer)
);
"""


class LedgerError(SopdslError):
    """The ledger file cannot be used: corrupt, locked by another push, or not a ledger."""


@dataclass(frozen=True)
class LedgerEntry:
    """What the ledger knows about one task at one destination."""

    key: str
    state: str
    operation: str
    remote_id: str | None
    reason: str | None
    attempts: int
    first_at: str
    last_at: str


class Ledger:
    """A push ledger file; every change is committed before the method returns."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None,
                 lock: int | None = None) -> None:
        self._db = connection
        self._lock = lock  # a descriptor holding the one-push-at-a-time lock
        self.path = path  # None for the empty, in-memory ledger of a dry run without a file

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> Ledger:
        """The ledger at `path`, created with its folder unless `read_only`.

        Links and `..` lead to the file itself, which a writable ledger locks: a second push
        through any name of the same file is refused while the first runs. A read-only ledger
        whose file does not exist is empty and writes nowhere.
        """
        real = Path(os.path.realpath(path))
        if read_only and not real.exists():
            return cls(_connect(":memory:", uri=False), None)
        lock = None
        try:
            if not read_only:
                real.parent.mkdir(parents=True, exist_ok=True)
                lock = _locked(real)
            _check_file(os.fstat(lock) if lock is not None else os.stat(real))
            database = f"{real.as_uri()}?mode=ro" if read_only else str(real)
            ledger = cls(_connect(database, uri=read_only), path, lock)
        except (sqlite3.Error, OSError, LedgerError) as error:
            if lock is not None:
                os.close(lock)
            raise LedgerError(_reason(error)) from None
        try:
            ledger._prepare(real, read_only)
        except (sqlite3.Error, LedgerError) as error:
            ledger.close()
            raise LedgerError(_reason(error)) from None
        return ledger

    def _prepare(self, real: Path, read_only: bool) -> None:
        """Check the file is a whole ledger of this format; add tables a newer sopdsl uses."""
        if self._db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
            raise LedgerError(_CORRUPT)
        tables = {row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"ledger_info", "pushed"} <= tables:
            raise LedgerError("the file is an SQLite database but not a sopdsl push ledger")
        row = self._db.execute("SELECT value FROM ledger_info WHERE name = 'format'").fetchone()
        if row is None or row[0] != _FORMAT:
            raise LedgerError(f"the ledger's format `{row and row[0]}` is not one this "
                              "sopdsl reads")
        self._check_name(real, read_only)
        if not read_only:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            with self._db:
                self._db.executescript(_SCHEMA)

    def _check_name(self, real: Path, read_only: bool) -> None:
        """Refuse a ledger last written through another name of the same file (a hard link)
        that left a write-ahead log behind; then record this name.

        SQLite keeps the log next to the name the file was opened by, so what a push killed
        there had recorded is only seen through that name.
        """
        row = self._db.execute("SELECT value FROM ledger_info WHERE name = 'opened_as'"
                               ).fetchone()
        if row is not None and row[0] != str(real) and _left_a_log(Path(row[0]), real):
            raise LedgerError(f"a push through another name of this ledger, {row[0]}, was "
                              "interrupted and its last records are kept next to that name: "
                              f"push once with --ledger {row[0]}")
        if not read_only and (row is None or row[0] != str(real)):
            with self._db:
                self._db.execute("INSERT OR REPLACE INTO ledger_info VALUES ('opened_as', ?)",
                                 (str(real),))
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the file, for any name

    def close(self) -> None:
        """Close the file and let other pushes use it."""
        self._db.close()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def entries(self, target: str, destination: str, keys: Iterable[str]) -> dict[str, LedgerEntry]:
        """The entries for those of `keys` the ledger has."""
        found: dict[str, LedgerEntry] = {}
        if not self._has_table():
            return found
        for chunk in _chunks(list(keys)):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT key, state, operation, remote_id, reason, attempts, first_at, last_at "
                f"FROM pushed WHERE target = ? AND destination = ? AND key IN ({marks})",
                (target, destination, *chunk))
            found.update((row[0], LedgerEntry(*row)) for row in rows)
        return found

    def all_entries(self, target: str, destination: str) -> Iterator[LedgerEntry]:
        """Every entry for one destination, in key order."""
        if not self._has_table():
            return iter(())
        return (LedgerEntry(*row) for row in self._query(
            "SELECT key, state, operation, remote_id, reason, attempts, first_at, last_at "
            "FROM pushed WHERE target = ? AND destination = ? ORDER BY key",
            (target, destination)))

    def deliveries(self, target: str, destination: str,
                   keys: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The last polled status and its time, for those of `keys` that were polled."""
        found: dict[str, tuple[str, str]] = {}
        if not self._has_table("delivery"):
            return found
        for chunk in _chunks(list(keys)):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT key, status, polled_at FROM delivery WHERE target = ? AND "
                f"destination = ? AND key IN ({marks})", (target, destination, *chunk))
            found.update((row[0], (row[1], row[2])) for row in rows)
        return found

    def polled(self, target: str, destination: str,
               statuses: Mapping[str, tuple[str, str | None]]) -> None:
        """Record the delivery status and sender just polled for each task key."""
        now = _now()
        self._write(
            "INSERT INTO delivery (target, destination, key, status, sender, polled_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (target, destination, key) DO UPDATE SET "
            "status = excluded.status, sender = excluded.sender, polled_at = excluded.polled_at",
            [(target, destination, key, status, sender, now)
             for key, (status, sender) in statuses.items()])

    def recorded_sends(self) -> Iterator[RecordedSend]:
        """Every send some target accepted and no status poll found unsent, each once, in
        customer order (empty for a ledger from before sends were recorded)."""
        if not self._has_table("sent"):
            return iter(())
        return (RecordedSend(*row) for row in self._query(
            "SELECT DISTINCT s.customer, s.channel, s.journey, s.step, s.content, s.planned "
            "FROM sent AS s JOIN pushed AS p USING (target, destination, key) "
            "LEFT JOIN delivery AS d USING (target, destination, key) "
            "WHERE p.state = 'accepted' AND (d.status IS NULL OR d.status = ?) "
            "ORDER BY s.customer, s.planned, s.channel, s.journey, s.step", (SENT,)))

    def sending(self, target: str, destination: str, keys: Iterable[str], operation: str,
                sends: Iterable[tuple[str, RecordedSend]] = ()) -> None:
        """Record that a request carrying `keys` is about to go out (one more attempt each),
        with what it sends to whom: (key, send) pairs."""
        now = _now()
        self._write(
            "INSERT INTO pushed (target, destination, key, state, operation, attempts, first_at,"
            " last_at) VALUES (?, ?, ?, 'sending', ?, 1, ?, ?) "
            "ON CONFLICT (target, destination, key) DO UPDATE SET state = 'sending', "
            "operation = excluded.operation, reason = NULL, attempts = attempts + 1, "
            "last_at = excluded.last_at",
            [(target, destination, key, operation, now, now) for key in keys],
            ("INSERT OR IGNORE INTO sent (target, destination, key, customer, channel, journey, "
             "step, content, planned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [(target, destination, key, *send) for key, send in sends]))

    def accepted(self, target: str, destination: str, keys: Iterable[str],
                 remote_id: str | None) -> None:
        """Record that the system took these tasks."""
        self._finish(target, destination, "accepted", ((key, None) for key in keys), remote_id)

    def rejected(self, target: str, destination: str, reasons: Mapping[str, str]) -> None:
        """Record that the system refused these tasks for good, with its reasons."""
        self._finish(target, destination, "rejected", reasons.items(), None)

    def failed(self, target: str, destination: str, keys: Iterable[str], reason: str) -> None:
        """Record that the request did not go through: the tasks are sent again next run."""
        self._finish(target, destination, "failed", ((key, reason) for key in keys), None)

    def _finish(self, target: str, destination: str, state: str,
                reasons: Iterable[tuple[str, str | None]], remote_id: str | None) -> None:
        now = _now()
        self._write(
            "UPDATE pushed SET state = ?, remote_id = ?, reason = ?, last_at = ? "
            "WHERE target = ? AND destination = ? AND key = ?",
            [(state, remote_id, reason, now, target, destination, key)
             for key, reason in reasons])

    def _write(self, statement: str, rows: list[tuple],
               *more: tuple[str, list[tuple]]) -> None:
        """Run each statement over its rows, all in one transaction."""
        try:
            with self._db:
                for each, each_rows in ((statement, rows), *more):
                    self._db.executemany(each, each_rows)
        except sqlite3.Error as error:
            raise LedgerError(_reason(error)) from None

    def _query(self, statement: str, parameters: tuple) -> list[tuple]:
        try:
            return self._db.execute(statement, parameters).fetchall()
        except sqlite3.Error as error:
            raise LedgerError(_reason(error)) from None

    def _has_table(self, name: str = "pushed") -> bool:
        return bool(self._query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))


def _connect(database: str, *, uri: bool) -> sqlite3.Connection:
    connection = sqlite3.connect(database, uri=uri, timeout=_BUSY_TIMEOUT_MS / 1000,
                                 isolation_level="DEFERRED")
    connection.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    return connection


def _locked(path: Path) -> int:
    """A descriptor of the ledger file, made if missing, holding the one-push-at-a-time lock.

    The lock is on the file itself, so every name of it (a link, a path through `..`, a hard
    link) sees it; it goes with the descriptor when the process ends, however it ends.
    """
    if not path.exists():
        _create(path)
    descriptor = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise LedgerError(_LOCKED) from None
    return descriptor


def _create(path: Path) -> None:
    """A new, empty ledger at `path`, put there in one step: no push ever sees half of one."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with contextlib.closing(_connect(temp, uri=False)) as database, database:
            database.executescript(_SCHEMA)
        with contextlib.suppress(FileExistsError):  # another push made it first: use theirs
            os.link(temp, path)
    finally:
        os.unlink(temp)


def _check_file(info: os.stat_result) -> None:
    """A LedgerError unless the ledger is a regular file with something in it."""
    if not stat.S_ISREG(info.st_mode):
        raise LedgerError("the ledger is not a regular file")
    if info.st_size == 0:
        raise LedgerError("the ledger file is empty (0 bytes): it was cut short or is not a "
                          "ledger")


def _left_a_log(name: Path, real: Path) -> bool:
    """True when `name` is still the ledger file and a write-ahead log lies next to it."""
    log = Path(f"{name}-wal")
    try:
        return log.stat().st_size > 0 and os.path.samefile(name, real)
    except OSError:
        return False


def _reason(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, LedgerError):
        return text
    if "locked" in text or "busy" in text:
        return _LOCKED
    if "not a database" in text or "malformed" in text:
        return _CORRUPT
    return f"cannot use the ledger: {text}"


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start:start + _CHUNK]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

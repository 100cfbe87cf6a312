"""`sopdsl calibrate --ledger`: the sends a push recorded count once beside the events file's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from sopdsl.cli import main
from sopdsl.push.ledger import Ledger
from sopdsl.sent import RecordedSend

EVENTS = """customer_id,time,event,channel,journey,step,content
c1,2026-11-01 10:00,delivered,private_chat,onboarding,onboarding/1,welcome
c1,2026-11-01 12:00,open,private_chat,,,
c1,2026-11-05 10:00,delivered,private_chat,,,tips
c2,2026-11-02 10:00,delivered,private_chat,onboarding,onboarding/1,welcome
"""


def sent(customer: str, step: int, content: str, planned: str) -> RecordedSend:
    return RecordedSend(customer, "private_chat", "onboarding", f"onboarding/{step}", content,
                        planned)


# Each with whether the events file already has it.
LEDGER = [
    (sent("c1", 1, "welcome", "2026-11-01T09:00:00+08:00"), True),  # same step, an hour apart
    (sent("c1", 2, "tips", "2026-11-05T09:30:00+08:00"), True),  # a row without step: content
    (sent("c1", 3, "welcome", "2026-11-10T10:00:00+08:00"), False),
    (sent("c2", 1, "welcome", "2026-11-02T09:00:00+08:00"), True),
    (sent("c1", 4, "tips", "2026-11-05T18:00:00+08:00"), False),  # its row is step 2's
    (sent("c2", 1, "welcome", "2026-11-02T20:00:00+08:00"), True),  # 09:00's, recorded again
    (sent("c2", 1, "welcome", "2026-11-04T10:00:00+08:00"), False),  # two days from the row
    (sent("c3", 1, "welcome", "2026-11-03T10:00:00+08:00"), False),
]
LATE = sent("c3", 2, "tips", "2026-12-05T10:00:00+08:00")  # after --until: not used
REFUSED = sent("c3", 4, "tips", "2026-11-06T10:00:00+08:00")  # the target refused it


def write_ledger(path: Path, sends: list[RecordedSend], refused: list[RecordedSend]) -> Path:
    ledger = Ledger.open(path)
    every = [(f"k{number}", send) for number, send in enumerate(sends + refused)]
    ledger.sending("webhook", "https://hooks.example", [key for key, _ in every], "event",
                   every)
    ledger.accepted("webhook", "https://hooks.example", [key for key, _ in every[:len(sends)]],
                    None)
    ledger.rejected("webhook", "https://hooks.example",
                    {key: "no" for key, _ in every[len(sends):]})
    ledger.close()
    return path


def sends_counted(tmp_path: Path, events: str, *ledger: object) -> int:
    """The `n` of the private-chat open rate in calibrate's JSON: the sends it counted (0
    when there is no such figure: no sends on that channel)."""
    (tmp_path / "c.csv").write_text("customer_id\nc1\nc2\nc3\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text(events, encoding="utf-8")
    result = CliRunner().invoke(main, [
        "calibrate", "--customers", str(tmp_path / "c.csv"), "--events", str(tmp_path / "e.csv"),
        "--until", "2026-12-01", "--format", "json", *map(str, ledger)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["figures"]
    return next((f["n"] for f in figures
                 if f["block"] == ["channel private_chat"] and f["key"] == "open"), 0)


def test_sends_in_both_the_ledger_and_the_events_count_once(tmp_path):
    """3 sends in the events file, 8 accepted in the ledger of which 4 are those (one of them
    twice): 7 in all; a refused send and one after --until are not counted."""
    path = write_ledger(tmp_path / "l.sqlite", [s for s, _ in LEDGER] + [LATE], [REFUSED])
    assert sends_counted(tmp_path, EVENTS) == 3
    assert sends_counted(tmp_path, EVENTS, "--ledger", path) == 3 + sum(
        not known for _, known in LEDGER) == 7


def test_sends_the_events_lack_raise_the_count_by_exactly_those(tmp_path):
    """Events of another channel only: every accepted, earlier ledger send is added (the one
    recorded twice once)."""
    events = "customer_id,time,event,channel\nc1,2026-11-01 10:00,delivered,sms\n"
    path = write_ledger(tmp_path / "l.sqlite", [s for s, _ in LEDGER] + [LATE], [REFUSED])
    assert sends_counted(tmp_path, events) == 0
    assert sends_counted(tmp_path, events, "--ledger", path) == len(LEDGER) - 1


def test_a_ledger_from_before_sends_were_recorded_adds_nothing(tmp_path):
    """A ledger without the `sent` table is read, and counts no send."""
    path = write_ledger(tmp_path / "l.sqlite", [s for s, _ in LEDGER], [])
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE sent")
    assert sends_counted(tmp_path, EVENTS, "--ledger", path) == 3


def test_a_corrupt_ledger_is_e625_exit_2(tmp_path):
    """A file that is not an SQLite database: E625 at the ledger, exit 2, no traceback."""
    bad = tmp_path / "l.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    (tmp_path / "c.csv").write_text("customer_id\nc1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["calibrate", "--customers", str(tmp_path / "c.csv"),
                                       "--until", "2026-12-01", "--ledger", str(bad)])
    assert result.exit_code == 2, result.output
    assert "E625" in result.stderr and "Traceback" not in result.output
    assert "corrupt" in result.stderr


def test_a_batch_and_its_member_send_recorded_by_two_pushes_count_once(tmp_path):
    """The same send recorded twice, hours apart (a batch and its member send), is one."""
    twice = [sent("c3", 1, "welcome", "2026-11-03T10:00:00+08:00"),
             sent("c3", 1, "welcome", "2026-11-03T15:00:00+08:00")]
    path = write_ledger(tmp_path / "l.sqlite", twice, [])
    assert sends_counted(tmp_path, EVENTS, "--ledger", path) == 3 + 1

"""`sopdsl push --to caldav` end to end: the CLI, the ledger and a real Radicale server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopback import free_port
from radicale_server import radicale_server, read_todos  # noqa: F401 (fixture)
from sopdsl.cli import main
from sopdsl.planning.model import Plan

PASSWORD = "Pw-for-caldav-91e3"


@pytest.fixture(scope="module")
def staff_keys(sample_plan_file) -> set[str]:
    plan = Plan.model_validate_json(sample_plan_file.read_text(encoding="utf-8"))
    return {task.key for task in plan.tasks if task.staff_work}


@pytest.fixture
def account(radicale_server, working_folder) -> dict[str, str]:
    """A fresh account, its settings as environment variables, and an empty working folder."""
    return {"SOPDSL_CALDAV_URL": radicale_server.url, "SOPDSL_CALDAV_PASSWORD": PASSWORD,
            "SOPDSL_CALDAV_USERNAME": radicale_server.new_account(PASSWORD),
            "XDG_CONFIG_HOME": str(working_folder), "SOPDSL_PUSH_CONFIG": ""}


def push(plan: Path, env: dict[str, str], *args: str):
    return CliRunner().invoke(main, ["push", str(plan), "--to", "caldav", *args], env=env)


def uids(env: dict[str, str]) -> list[str]:
    found = read_todos(env["SOPDSL_CALDAV_URL"], env["SOPDSL_CALDAV_USERNAME"], PASSWORD)
    return [str(item["UID"]) for items in found.values() for item in items]


def test_push_puts_every_staff_task_on_the_server_once(sample_plan_file, staff_keys, account):
    """A push exits 0 with the to-dos on the server; a re-run sends nothing and adds nothing."""
    first = push(sample_plan_file, account)
    assert first.exit_code == 0, first.output
    assert sorted(uids(account)) == sorted(staff_keys)
    assert "accepted" in first.stderr and PASSWORD not in first.output
    again = push(sample_plan_file, account)
    assert again.exit_code == 0 and "already pushed" in again.stderr
    assert sorted(uids(account)) == sorted(staff_keys)


def test_the_ledger_keeps_each_todos_path(sample_plan_file, staff_keys, account):
    """The ledger records every to-do as accepted with its path on the server, no password."""
    assert push(sample_plan_file, account).exit_code == 0
    with sqlite3.connect(Path(".sopdsl") / "ledger.sqlite") as db:
        rows = db.execute("SELECT key, state, remote_id, destination FROM pushed").fetchall()
    assert {row[0] for row in rows} == staff_keys and {row[1] for row in rows} == {"accepted"}
    assert all(row[2].endswith(f"/{row[0]}.ics") for row in rows)
    assert all(PASSWORD not in str(row) for row in rows)


def test_a_lost_ledger_duplicates_nothing(sample_plan_file, staff_keys, account):
    """With the ledger deleted, a re-push finds every to-do by UID: still one of each."""
    assert push(sample_plan_file, account).exit_code == 0
    for path in Path(".sopdsl").glob("ledger.sqlite*"):
        path.unlink()
    again = push(sample_plan_file, account)
    assert again.exit_code == 0, again.output
    assert sorted(uids(account)) == sorted(staff_keys)


def test_a_wrong_password_stops_with_exit_1_and_a_later_push_completes(sample_plan_file, staff_keys,
                                                                       account):
    """A refused password exits 1 sending nothing, never shown; the fixed push sends it all."""
    refused = push(sample_plan_file, {**account, "SOPDSL_CALDAV_PASSWORD": "not-the-Pw-77"})
    assert refused.exit_code == 1
    assert "not pushed" in refused.stderr and "not-the-Pw-77" not in refused.output
    assert uids(account) == []
    fixed = push(sample_plan_file, account)
    assert fixed.exit_code == 0 and sorted(uids(account)) == sorted(staff_keys)


def test_a_server_that_is_down_exits_1(sample_plan_file, account):
    """Nothing listening at the url: exit 1, every task `not pushed`, the next run sends them."""
    down = push(sample_plan_file, {**account, "SOPDSL_CALDAV_URL": f"http://127.0.0.1:{free_port()}/"},
                "--max-attempts", "1")
    assert down.exit_code == 1 and "could not be reached" in down.stderr


def test_dry_run_shows_each_todo_and_needs_no_password(sample_plan_file, staff_keys, account):
    """--dry-run prints one request per to-do (calendar, UID, iCalendar text), without the
    server or a password, and exits 0."""
    env = {**account, "SOPDSL_CALDAV_URL": f"http://127.0.0.1:{free_port()}/",
           "SOPDSL_CALDAV_PASSWORD": ""}
    result = push(sample_plan_file, env, "--dry-run")
    assert result.exit_code == 0, result.output
    requests = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["payload"]["uid"] for r in requests} == staff_keys
    assert all(r["operation"] == "put_todo" and r["tasks"] == [r["payload"]["uid"]]
               and "BEGIN:VTODO" in r["payload"]["ical"] for r in requests)
    assert not Path(".sopdsl").exists()

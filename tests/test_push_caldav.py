"""Tests for the caldav push target, against a real Radicale server started by the tests."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import caldav
import pytest
from click.testing import CliRunner

from programs import ONBOARDING, SAMPLE_DATA
from loopback import free_port
from radicale_server import radicale_server, read_todos  # noqa: F401 (fixture)
from sopdsl.cli import main
from sopdsl.planning.model import Plan, PlanTask
from sopdsl.push.caldav import OPERATION, CaldavTarget
from sopdsl.push.target import (Batch, CredentialsError, PlanRun, RejectedError, TargetSettings,
                                SettingsError, TransientError)
from sopdsl.push.targets import target_class


@pytest.fixture
def account(radicale_server) -> TargetSettings:
    """A fresh user on the server, so every test starts with no calendars."""
    return TargetSettings("caldav", {"url": radicale_server.url, "password": "s3cret",
                                     "timeout": "10",
                                     "username": radicale_server.new_account("s3cret")})


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Plan:
    """The onboarding plan of the sample data, written by `sopdsl plan ... --format json`."""
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = CliRunner().invoke(main, [
        "plan", str(ONBOARDING), "--customers", str(SAMPLE_DATA / "customers.csv"),
        "--events", str(SAMPLE_DATA / "events.csv"), "--staff", str(SAMPLE_DATA / "staff.csv"),
        "--start", "2026-12-02", "--days", "7",
        "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return Plan.model_validate_json(out.read_text(encoding="utf-8"))


def push(settings: TargetSettings, plan: Plan) -> list[str]:
    """Send every batch of the plan's staff work; the remote ids in order."""
    target = CaldavTarget(settings)
    run = PlanRun(plan.playbook, plan.window)
    try:
        return [target.send(batch).remote_id
                for batch in target.batches(run, filter(target.takes, plan.tasks))]
    finally:
        target.close()


def todos(settings: TargetSettings) -> dict[str, list]:
    """The account's to-dos on the server, per calendar display name."""
    return read_todos(settings.get("url"), settings.get("username"), settings.get("password"))


def staff(plan: Plan) -> list[PlanTask]:
    return [task for task in plan.tasks if task.staff_work]


def with_due_end(plan: Plan, key: str, end: str) -> Plan:
    tasks = [task.model_copy(update={"due": task.due.model_copy(update={"end": end})})
             if task.key == key else task for task in plan.tasks]
    return plan.model_copy(update={"tasks": tasks})


def test_push_writes_one_todo_per_staff_task_in_its_assignees_calendar(account, plan):
    """Each assignee gets a calendar holding exactly their staff tasks, UIDs the plan keys."""
    push(account, plan)
    found = todos(account)
    expected = Counter(task.assignee.staff_id for task in staff(plan))
    assert {name: len(items) for name, items in found.items()} == expected
    assert len(expected) > 1
    for name, items in found.items():
        keys = {t.key for t in staff(plan) if t.assignee.staff_id == name}
        assert {str(item["UID"]) for item in items} == keys


def test_calendars_are_made_for_todos(account, plan):
    """A calendar the target creates accepts to-dos only."""
    push(account, plan)
    with caldav.DAVClient(url=account.get("url"), username=account.get("username"),
                          password=account.get("password")) as client:
        calendars = client.principal().calendars()
        assert calendars and all(c.get_supported_components() == ["VTODO"] for c in calendars)


def test_todos_carry_title_due_with_its_zone_and_the_script(account, plan):
    """SUMMARY, DUE (in the playbook's zone) and DESCRIPTION read back as planned, Chinese kept."""
    push(account, plan)
    read = {str(item["UID"]): item for items in todos(account).values() for item in items}
    for task in staff(plan):
        item = read[task.key]
        assert str(item["SUMMARY"]) == task.title
        assert item["DUE"].params["TZID"] == "Asia/Shanghai"
        assert item.decoded("DUE") == dt.datetime.fromisoformat(task.due.end)
        assert str(item.get("DESCRIPTION", "")) == (task.text or "")
        assert str(item["STATUS"]) == "NEEDS-ACTION"
    assert any("宝宝" in str(item.get("DESCRIPTION", "")) for item in read.values())


def test_a_repush_adds_nothing(account, plan):
    """Pushing the same plan again writes the same to-dos in place: same count, same paths."""
    first = push(account, plan)
    second = push(account, plan)
    assert first == second and len(set(first)) == len(staff(plan))
    assert sum(len(items) for items in todos(account).values()) == len(staff(plan))


def test_a_changed_due_time_updates_the_todo(account, plan):
    """A new plan that moves a task's due time moves the to-do, without a second copy."""
    push(account, plan)
    task = staff(plan)[0]
    later = (dt.datetime.fromisoformat(task.due.end) + dt.timedelta(days=1)).isoformat()
    push(account, with_due_end(plan, task.key, later))
    read = [item for items in todos(account).values() for item in items
            if str(item["UID"]) == task.key]
    assert len(read) == 1 and read[0].decoded("DUE") == dt.datetime.fromisoformat(later)


def test_a_completed_todo_stays_completed(account, plan):
    """A to-do the staff member completed is neither reopened nor rewritten by a re-push."""
    push(account, plan)
    task = staff(plan)[0]
    with caldav.DAVClient(url=account.get("url"), username=account.get("username"),
                          password=account.get("password")) as client:
        calendar = client.principal().calendar(name=task.assignee.staff_id)
        calendar.get_todo_by_uid(task.key).complete()
    later = (dt.datetime.fromisoformat(task.due.end) + dt.timedelta(days=1)).isoformat()
    push(account, with_due_end(plan, task.key, later))
    item = next(item for item in todos(account)[task.assignee.staff_id]
                if str(item["UID"]) == task.key)
    assert str(item["STATUS"]) == "COMPLETED"
    assert item.decoded("DUE") == dt.datetime.fromisoformat(task.due.end)


def test_a_calendar_name_pattern_names_the_calendars_and_finds_them_again(account, plan):
    """With `calendar = 待办 {assignee}` the calendars carry that name and a re-push reuses them."""
    settings = TargetSettings("caldav", {**account.values, "calendar": "待办 {assignee}"})
    push(settings, plan)
    push(settings, plan)
    found = todos(settings)
    assert sorted(found) == sorted(f"待办 {t.assignee.staff_id}" for t in
                                   {t.assignee.staff_id: t for t in staff(plan)}.values())
    assert sum(len(items) for items in found.values()) == len(staff(plan))


def test_a_renamed_calendar_is_found_again(account, plan):
    """A calendar the staff member renamed is found by its URL: no second calendar appears."""
    push(account, plan)
    with caldav.DAVClient(url=account.get("url"), username=account.get("username"),
                          password=account.get("password")) as client:
        calendar = client.principal().calendar(name="guide_lin")
        calendar.set_properties([caldav.elements.dav.DisplayName("林的待办")])
    push(account, plan)
    found = todos(account)
    mine = [t for t in staff(plan) if t.assignee.staff_id == "guide_lin"]
    assert "guide_lin" not in found and len(found["林的待办"]) == len(mine) > 0
    assert sum(len(items) for items in found.values()) == len(staff(plan))


def assigned_to(plan: Plan, staff_ids: list[str]) -> Plan:
    """The plan with its staff tasks dealt round-robin to `staff_ids`."""
    tasks, dealt = [], 0
    for task in plan.tasks:
        if task.staff_work:
            staff_id = staff_ids[dealt % len(staff_ids)]
            task = task.model_copy(update={"assignee": task.assignee.model_copy(
                update={"staff_id": staff_id})})
            dealt += 1
        tasks.append(task)
    return plan.model_copy(update={"tasks": tasks})


def test_staff_ids_that_look_alike_get_a_calendar_each(account, plan):
    """Staff ids that differ only in characters a URL name cannot hold (`a/b`, `a_b`, `a b`,
    `a:b`), and one that looks like a role's queue, each get a calendar holding exactly
    their to-dos: none is written into another's calendar."""
    staff_ids = ["a/b", "a_b", "a b", "a:b", "role-guide"]
    dealt = assigned_to(plan, staff_ids)
    push(account, dealt)
    found = {name: sorted(str(item["UID"]) for item in items)
             for name, items in todos(account).items()}
    expected: dict[str, list[str]] = {}
    for task in staff(dealt):
        name = task.assignee.staff_id
        expected.setdefault("staff-" + name if name.startswith("role-") else name,
                            []).append(task.key)
    assert found == {name: sorted(keys) for name, keys in expected.items()}
    assert len(found) == len(staff_ids)


def test_two_pushes_making_the_same_calendar_both_succeed(account, plan):
    """Two pushes that both found no calendar for an assignee both write their to-dos: the
    one that makes the calendar second uses the one the first made."""
    run = PlanRun(plan.playbook, plan.window)
    tasks = staff(assigned_to(plan, ["guide_a", "guide_b", "new_guide", "new_guide"]))
    first, second = CaldavTarget(account), CaldavTarget(account)

    def send(target: CaldavTarget, task: PlanTask) -> str:
        return target.send(next(iter(target.batches(run, [task])))).remote_id

    try:
        send(first, tasks[0])  # each looks at the account before new_guide has a calendar
        send(second, tasks[1])
        made = [send(first, tasks[2]), send(second, tasks[3])]
    finally:
        first.close()
        second.close()
    assert made[0].rsplit("/", 2)[0] == made[1].rsplit("/", 2)[0]
    found = todos(account)
    assert sorted(str(item["UID"]) for item in found["new_guide"]) == sorted(
        [tasks[2].key, tasks[3].key])


def test_a_wrong_password_is_a_credentials_error(account, plan):
    """A password the server refuses stops the push with CredentialsError, never showing it."""
    settings = TargetSettings("caldav", {**account.values, "password": "wrong-pw"})
    with pytest.raises(CredentialsError) as caught:
        push(settings, plan)
    assert account.get("username") in str(caught.value)
    assert "wrong-pw" not in str(caught.value)


def test_a_server_that_is_down_is_transient(plan):
    """Nothing listening on the port is a TransientError (the runner retries later)."""
    settings = TargetSettings("caldav", {"url": f"http://127.0.0.1:{free_port()}/",
                                   "username": "u", "password": "p", "timeout": "5"})
    with pytest.raises(TransientError, match="could not be reached"):
        push(settings, plan)


def test_a_server_that_never_answers_times_out_as_transient(plan):
    """A server that accepts the connection and stays silent is a TransientError."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        settings = TargetSettings("caldav", {"url": f"http://u:pw-in-url@127.0.0.1:{port}/",
                                       "timeout": "0.3"})
        with pytest.raises(TransientError) as caught:
            push(settings, plan)
    message = str(caught.value)
    assert "did not answer within 0.3 s" in message and "pw-in-url" not in message


class _Answering(BaseHTTPRequestHandler):
    """Answers every request with the status and headers of its server."""

    def answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.server.status)
        for name, value in self.server.extra.items():
            self.send_header(name, value)
        body = self.server.body.encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_PROPFIND = do_REPORT = do_MKCALENDAR = do_OPTIONS = answer

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


@pytest.mark.parametrize("status,headers,body,error,retry_after", [
    (500, {}, "", TransientError, None),
    (503, {"Retry-After": "7"}, "", TransientError, 7),
    (429, {"Retry-After": "3"}, "", TransientError, 3),
    (403, {}, "", CredentialsError, None),
    (404, {}, "", CredentialsError, None),
    (200, {"Content-Type": "text/html"}, "<html><body>welcome</body></html>", CredentialsError,
     None),
])
def test_http_answers_map_to_push_errors(plan, status, headers, body, error, retry_after):
    """5xx and 429 may pass (with Retry-After); 403, or a url with no CalDAV account, stops."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answering)
    httpd.status, httpd.extra, httpd.body = status, headers, body
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        settings = TargetSettings("caldav", {"url": f"http://127.0.0.1:{httpd.server_port}/",
                                       "username": "u", "password": "p"})
        with pytest.raises(error) as caught:
            push(settings, plan)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert type(caught.value) is error
    assert getattr(caught.value, "retry_after", None) == retry_after


def test_a_todo_the_server_refuses_is_rejected(account):
    """A to-do the server refuses (here not iCalendar at all) is a RejectedError naming its UID."""
    target = CaldavTarget(account)
    batch = Batch(("k1",), OPERATION, {"calendar": "guide_x", "uid": "k1", "ical": "hello"})
    try:
        with pytest.raises(RejectedError, match="`k1`"):
            target.send(batch)
    finally:
        target.close()


def test_batches_are_one_todo_each_and_need_no_network(plan):
    """Batches (what --dry-run shows) are made offline: one VTODO per staff task, plan order."""
    target = CaldavTarget(TargetSettings("caldav", {"url": "http://127.0.0.1:9/"}))
    batches = list(target.batches(PlanRun(plan.playbook, plan.window),
                                  filter(target.takes, plan.tasks)))
    assert [b.keys for b in batches] == [(t.key,) for t in staff(plan)]
    for batch, task in zip(batches, staff(plan)):
        assert batch.payload["calendar"] == task.assignee.staff_id
        assert batch.payload["uid"] == task.key
        text = batch.payload["ical"]
        assert text.count("BEGIN:VTODO") == 1 and f"UID:{task.key}\r\n" in text
        assert "BEGIN:VTIMEZONE" in text
    json.dumps([b.payload for b in batches])


def test_takes_staff_work_only(plan):
    """Pending steps, updates and automatic sends are not to-dos; staff work is."""
    target = CaldavTarget(TargetSettings("caldav", {"url": "http://127.0.0.1:9/"}))
    kinds = {task.kind: target.takes(task) for task in plan.tasks}
    assert kinds.get("pending") is False and kinds.get("task") is True
    assert all(target.takes(task) == task.staff_work for task in plan.tasks)


@pytest.mark.parametrize("values,word", [
    ({}, "url"),
    ({"url": "dav.example.com"}, "http or https"),
    ({"url": "http://h/", "timeout": "soon"}, "timeout"),
    ({"url": "http://h/", "timeout": "0"}, "timeout"),
    ({"url": "http://h/", "calendar": "{staff}"}, "calendar"),
    ({"url": "http://h/", "calendar": "{assignee"}, "calendar"),
])
def test_bad_settings_are_settings_errors(values, word):
    """A missing url, a timeout that is no positive number or a bad pattern is a SettingsError."""
    with pytest.raises(SettingsError, match=word):
        CaldavTarget(TargetSettings("caldav", values))


def test_the_destination_is_the_server_and_account_without_the_password():
    """The ledger's destination names the server and the account, never a password."""
    target = CaldavTarget(TargetSettings("caldav", {"url": "https://x:pw@dav.example:8443/dav/?a=1",
                                              "username": "ops", "password": "pw"}))
    assert target.destination == "https://dav.example:8443/dav/ as ops"


def test_the_target_is_registered_with_its_password_secret():
    """`--to caldav` finds the target, which keeps the password out of output."""
    cls = target_class("caldav")
    assert cls is CaldavTarget and cls.name == "caldav"
    assert cls.secret_keys == {"password"} and cls.idempotent

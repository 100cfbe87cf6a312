"""The `tryton` push target against a real Tryton server started on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import json

import httpx
import pytest
from loopback import free_port
from plan_kit import plan_text
from tryton_server import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD, COMPANY, DATABASE, TrytonServer, tryton, tryton_database,
)
from webhook_receiver import HANG, running_receiver

from sopdsl.planning.model import Plan
from sopdsl.push.target import (
    CredentialsError, PlanRun, RejectedError, TargetSettings, SettingsError, TransientError,
)
from sopdsl.push.targets import target_class
from sopdsl.push.tryton import TrytonTarget
from sopdsl.push.tryton_records import run_key


@pytest.fixture(scope="module")
def plan() -> Plan:
    """The onboarding playbook planned over the sample customers."""
    return Plan.model_validate_json(plan_text("onboarding")[0])


def settings(url: str, **overrides: str) -> TargetSettings:
    values = {"url": url, "database": DATABASE, "user": "admin", "password": ADMIN_PASSWORD}
    return TargetSettings("tryton", {**values, **overrides})


def push(target: TrytonTarget, plan: Plan) -> list:
    run = PlanRun(plan.playbook, plan.window)
    tasks = [task for task in plan.tasks if target.takes(task)]
    return [target.send(batch) for batch in target.batches(run, tasks)]


class Reader:
    """Reads records back over plain JSON-RPC, independently of the target's client."""

    def __init__(self, url: str) -> None:
        self.endpoint = f"{url}/{DATABASE}/rpc/"
        user_id, token, _ = self.rpc("common.db.login", "admin", {"password": ADMIN_PASSWORD},
                                     "en")
        self.session = base64.b64encode(f"admin:{user_id}:{token}".encode()).decode()

    def rpc(self, method: str, *params, session: str | None = None):
        headers = {"Authorization": f"Session {session}"} if session else {}
        answer = httpx.post(self.endpoint, json={"id": 1, "method": method,
                                                 "params": list(params)}, headers=headers)
        return answer.json()["result"]

    def read(self, model: str, domain: list, fields: list[str]) -> list[dict]:
        return self.rpc(f"model.{model}.search_read", domain, 0, None, [("id", "ASC")],
                        fields, {}, session=self.session)

    def count(self, model: str, domain: list | None = None) -> int:
        return self.rpc(f"model.{model}.search_count", domain or [], {}, session=self.session)


def utc(moment: str) -> dict:
    when = dt.datetime.fromisoformat(moment).astimezone(dt.timezone.utc)
    return {"__class__": "datetime", "year": when.year, "month": when.month, "day": when.day,
            "hour": when.hour, "minute": when.minute, "second": 0, "microsecond": 0}


def test_the_target_is_registered_and_takes_staff_work_only(plan):
    """`--to tryton` names this target, which carries exactly the work a person must do for
    one customer: a mass send is one WeCom task for many (`--to wecom`), not a CRM task."""
    target = target_class("tryton")(settings("http://127.0.0.1:9"))
    taken = [task for task in plan.tasks if target.takes(task)]
    assert {task.kind for task in taken} == {"task", "handoff"}
    assert all(task.customer is not None and task.batch is None for task in taken)
    assert any(task.kind == "batch" for task in plan.tasks)
    assert len(taken) < len(plan.tasks)


def test_batches_are_pure_repeatable_and_free_of_the_password(plan):
    """Batches group tasks by `batch_size` offline; neither they nor the destination show secrets."""
    port = free_port()
    target = TrytonTarget(settings(f"http://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/",
                                   batch_size="3"))
    run = PlanRun(plan.playbook, plan.window)
    tasks = [task for task in plan.tasks if target.takes(task)]
    first, second = list(target.batches(run, tasks)), list(target.batches(run, tasks))
    assert first == second
    assert [len(batch.keys) for batch in first] == [3, len(tasks) - 3]
    assert {batch.payload["project"]["key"] for batch in first} == {run_key(run)}
    assert [work["key"] for batch in first for work in batch.payload["works"]] == \
        [task.key for task in tasks]
    assert ADMIN_PASSWORD not in json.dumps([batch.payload for batch in first],
                                            ensure_ascii=False)
    assert target.destination == f"http://127.0.0.1:{port}/{DATABASE}"


@pytest.mark.parametrize("values", [{"password": ""}, {"timeout": "soon"}, {"batch_size": "0"}])
def test_missing_or_malformed_settings_are_settings_errors(values):
    """A missing password or a malformed number stops before any request."""
    with pytest.raises(SettingsError):
        TrytonTarget(settings("http://127.0.0.1:9", **values))


def test_push_creates_the_project_and_tasks_as_planned(tryton, plan):
    """A push leaves one project for the run and one task per staff task, read back as planned."""
    target = TrytonTarget(settings(tryton.url, batch_size="4"))
    deliveries = push(target, plan)
    target.close()
    assert all(not delivery.rejected for delivery in deliveries)
    reader = Reader(tryton.url)
    projects = reader.read("project.work", [("type", "=", "project")], ["name", "comment"])
    assert len(projects) == 1 and projects[0]["name"].startswith("贝贝熊母婴 私域运营 · 2026-12-02")
    works = reader.read("project.work", [("type", "=", "task")],
                        ["name", "parent", "comment", "party.code", "party.name",
                         "constraint_finish_time", "allocations.employee.party.identifiers"])
    staff = {row["id"]: row["code"]
             for row in reader.read("party.identifier", [], ["code"])}
    planned = [task for task in plan.tasks if target.takes(task)]
    assert [work["name"] for work in works] == [task.title for task in planned]
    for work, task in zip(works, planned):
        assert work["parent"] == projects[0]["id"]
        assert work["party."]["code"] == task.customer
        assert work["party."]["name"] == task.customer_name
        assert work["comment"].endswith(f"\nsopdsl-key: {task.key}")
        assert task.source in work["comment"] and (task.text or task.title) in work["comment"]
        assert work["constraint_finish_time"] == utc(task.due.end)
        [allocation] = work["allocations."]
        assert staff[allocation["employee."]["party."]["identifiers"][0]] == \
            task.assignee.staff_id


def test_pushing_again_creates_nothing_new(tryton, plan):
    """Re-pushing, with the same target or a fresh one (no memory of the first push), adds nothing."""
    reader = Reader(tryton.url)
    first = TrytonTarget(settings(tryton.url))
    push(first, plan)
    before = (reader.count("project.work"), reader.count("party.party"))
    push(first, plan)
    first.close()
    fresh = TrytonTarget(settings(tryton.url, batch_size="2", company=COMPANY))
    push(fresh, plan)
    fresh.close()
    assert (reader.count("project.work"), reader.count("party.party")) == before


def test_a_task_tryton_refuses_is_rejected_and_the_rest_are_created(tryton, plan):
    """A task Tryton refuses and one for an unknown employee are rejected; the others go in."""
    tasks = [task for task in plan.tasks if task.staff_work]
    nameless = tasks[0].model_copy(update={"key": "f" * 32, "title": ""})
    stranger = tasks[1].model_copy(update={
        "key": "e" * 32, "assignee": tasks[1].assignee.model_copy(update={"staff_id": "nobody"})})
    fresh = tasks[2].model_copy(update={"key": "d" * 32, "title": "新任务 ✓"})
    target = TrytonTarget(settings(tryton.url))
    [batch] = target.batches(PlanRun(plan.playbook, plan.window), [nameless, stranger, fresh])
    delivery = target.send(batch)
    target.close()
    assert set(delivery.rejected) == {"f" * 32, "e" * 32}
    assert "nobody" in delivery.rejected["e" * 32]
    reader = Reader(tryton.url)
    assert reader.count("project.work", [("name", "=", "新任务 ✓")]) == 1


def test_a_wrong_password_is_a_credentials_error(tryton, plan):
    """Tryton refusing the login stops the push with a credentials error."""
    target = TrytonTarget(settings(tryton.url, password="not-the-password"))
    with pytest.raises(CredentialsError):
        push(target, plan)
    target.close()


def test_an_expired_session_is_renewed_once(tryton, plan):
    """After Tryton ends the session, the next request logs in again and goes through."""
    target = TrytonTarget(settings(tryton.url))
    push(target, plan)
    reader = Reader(tryton.url)
    reader.rpc("common.db.logout", session=target._client._authorization.split()[1])
    assert all(not delivery.rejected for delivery in push(target, plan))
    target.close()


def test_an_unknown_company_is_a_credentials_error(tryton, plan):
    """A `company` setting Tryton does not know stops the push before anything is created."""
    target = TrytonTarget(settings(tryton.url, company="没有这家公司"))
    with pytest.raises(CredentialsError, match="没有这家公司"):
        push(target, plan)
    target.close()


def test_a_stopped_server_is_a_transient_error(tryton_database, tmp_path, plan):
    """Once the server is down, sending is a transient error (retry later), not a rejection."""
    own = TrytonServer.from_prepared(tryton_database, tmp_path).start()
    target = TrytonTarget(settings(own.url, timeout="5"))
    try:
        push(target, plan)
    finally:
        own.stop()
    with pytest.raises(TransientError) as raised:
        push(target, plan)
    assert not isinstance(raised.value, RejectedError)
    target.close()


@pytest.mark.parametrize(("answer", "error", "retry_after"), [
    ((503, {"Retry-After": "7"}), TransientError, 7.0),
    ((429, {}), TransientError, None),
    (HANG, TransientError, None),
    ((200, {}, b"<html>proxy error</html>"), TransientError, None),
    ((403, {}), CredentialsError, None),
])
def test_http_failures_map_to_push_errors(plan, answer, error, retry_after):
    """5xx, 429, a hang and a non-JSON page are transient (with Retry-After); 403 stops."""
    with running_receiver() as server:
        server.script.append(answer)
        target = TrytonTarget(settings(server.url, timeout="1"))
        with pytest.raises(error) as raised:
            push(target, plan)
        target.close()
    assert getattr(raised.value, "retry_after", None) == retry_after


def test_an_unreachable_server_is_named_without_the_password_in_its_url(plan):
    """A URL carrying a password is shown without it when the server cannot be reached."""
    url = f"http://admin:Pw-in-url-5e2d@127.0.0.1:{free_port()}"
    target = TrytonTarget(settings(url, timeout="2"))
    with pytest.raises(TransientError) as raised:
        push(target, plan)
    target.close()
    assert "Pw-in-url-5e2d" not in str(raised.value) and "admin" not in str(raised.value)
    assert f"at http://127.0.0.1:{url.rsplit(':', 1)[1]}/{DATABASE}/rpc/" in str(raised.value)

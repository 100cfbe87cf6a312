"""The webhook target end to end: real HTTP to a local receiver that fails in every way."""

from __future__ import annotations

import hashlib
import hmac

import jsonschema
import pytest

from sopdsl.planning.model import plan_json_schema
from sopdsl.push.plan_reader import open_plan
from sopdsl.push.report import ACCEPTED, ALREADY_PUSHED, NOT_PUSHED, REJECTED
from sopdsl.push.runner import Retry, push
from sopdsl.push.target import Batch, CredentialsError, TargetSettings, TransientError
from sopdsl.push.webhook import PLANNED, WebhookTarget
from webhook_receiver import HANG, closed_port_url, receiver

CLOUDEVENT = {
    "type": "object",
    "required": ["specversion", "id", "source", "type", "subject", "time", "datacontenttype",
                 "data"],
    "additionalProperties": False,
    "properties": {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "source": {"const": "sopdsl://playbooks/onboarding"},
        "type": {"enum": ["com.sopdsl.task.planned", "com.sopdsl.task.pending"]},
        "subject": {"type": "string", "pattern": "^task/[0-9a-f]{32}$"},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "data": {"type": "object"},
    },
}


@pytest.fixture(scope="module")
def plan(sample_plan_file):
    opened = open_plan(sample_plan_file)
    assert opened.count == 12  # 10 customer tasks and 2 batches
    return opened


def webhook(url: str, **values: str) -> WebhookTarget:
    return WebhookTarget(TargetSettings("webhook", {"url": url, "timeout": "0.5", **values}))


def run(plan, target, ledger, waits=None, attempts=3):
    retry = Retry(max_attempts=attempts, sleep=(waits.append if waits is not None
                                                else lambda s: None))
    try:
        return push(plan.run, plan.tasks(), target, ledger, retry=retry)
    finally:
        target.close()


def test_every_task_arrives_once_as_a_valid_cloudevent(plan, receiver, ledger):
    """Each task arrives as a structured-mode CloudEvent whose id is the task key and whose
    data validates as a plan task."""
    report = run(plan, webhook(receiver.url), ledger)
    assert report.counts == {ACCEPTED: 12}
    task_schema = {"$defs": plan_json_schema()["$defs"], "$ref": "#/$defs/PlanTask"}
    keys = [task.key for task in plan.tasks()]
    assert [d["event"]["id"] for d in receiver.deliveries] == keys
    for delivery in receiver.deliveries:
        assert delivery["headers"]["Content-Type"].startswith("application/cloudevents+json")
        jsonschema.validate(delivery["event"], CLOUDEVENT,
                            format_checker=jsonschema.FormatChecker())
        jsonschema.validate(delivery["event"]["data"], task_schema)
    pending = [e for e in receiver.events.values() if e["data"]["kind"] == "pending"]
    assert {e["type"] for e in pending} == {"com.sopdsl.task.pending"} and len(pending) == 3


def test_rerun_sends_nothing_again(plan, receiver, ledger):
    """A second push of the same plan makes no request at all."""
    run(plan, webhook(receiver.url), ledger)
    report = run(plan, webhook(receiver.url), ledger)
    assert report.counts == {ALREADY_PUSHED: 12} and receiver.requests == 12


def test_server_errors_and_rate_limits_are_retried(plan, receiver, ledger):
    """A 503 and a 429 with Retry-After are retried (waiting what the server asked) and every
    event still arrives exactly once."""
    receiver.script = [503, (429, {"Retry-After": "2"})]
    waits: list[float] = []
    report = run(plan, webhook(receiver.url), ledger, waits)
    assert report.counts == {ACCEPTED: 12} and report.requests == 14
    assert waits[1] == 2.0
    assert len(receiver.deliveries) == 12


def test_a_hanging_server_times_out_and_nothing_is_lost(plan, receiver, ledger):
    """A request that never gets an answer times out, is retried, and the push completes."""
    receiver.script = [HANG]
    report = run(plan, webhook(receiver.url), ledger)
    assert report.counts == {ACCEPTED: 12} and report.complete
    assert sorted(receiver.events) == sorted(task.key for task in plan.tasks())


def test_a_down_server_leaves_everything_for_the_rerun(plan, receiver, ledger):
    """With the receiver down nothing is accepted; once it is up a re-run delivers it all."""
    down = run(plan, webhook(closed_port_url()), ledger, attempts=2)
    assert down.counts == {NOT_PUSHED: 12} and "cannot reach" in down.stopped
    up = run(plan, webhook(receiver.url), ledger)
    assert up.counts == {ACCEPTED: 12} and len(receiver.deliveries) == 12


def test_unauthorized_stops_at_once(plan, receiver, ledger):
    """A 401 stops the push after one request; a re-run with access sends every task once."""
    receiver.script = [200, 401]
    first = run(plan, webhook(receiver.url), ledger)
    assert first.counts == {ACCEPTED: 1, NOT_PUSHED: 11} and receiver.requests == 2
    assert "401" in first.stopped
    second = run(plan, webhook(receiver.url), ledger)
    assert second.counts == {ALREADY_PUSHED: 1, ACCEPTED: 11}
    assert len(receiver.deliveries) == 12


def test_a_refused_event_is_rejected_and_the_rest_go_on(plan, receiver, ledger):
    """A 422 rejects that one task with the server's answer; the others are accepted."""
    receiver.script = [422]
    report = run(plan, webhook(receiver.url), ledger)
    assert report.counts == {REJECTED: 1, ACCEPTED: 11}
    assert list(report.rejections.values()) == ['HTTP 422: {"error": 422}']


def test_signature_verifies_with_the_secret(plan, receiver, ledger):
    """With a secret each request is signed: HMAC-SHA256 of the exact body."""
    run(plan, webhook(receiver.url, secret="hook-secret-123"), ledger)
    for delivery in receiver.deliveries:
        expected = hmac.new(b"hook-secret-123", delivery["body"], hashlib.sha256).hexdigest()
        assert delivery["headers"]["X-Sopdsl-Signature"] == f"sha256={expected}"
        assert "hook-secret-123" not in delivery["body"].decode()


def test_kinds_setting_restricts_what_is_sent(plan, receiver, ledger):
    """With `kinds` only those kinds are sent; the others are left to other targets."""
    report = run(plan, webhook(receiver.url, kinds="task,handoff"), ledger)
    assert report.counts == {ACCEPTED: 4} and report.other_tasks == 8
    assert {e["data"]["kind"] for e in receiver.events.values()} == {"task", "handoff"}


def test_send_maps_statuses_to_errors(receiver):
    """5xx is transient with the Retry-After (seconds, or a date: the time left), 403 a
    credentials error."""
    target = webhook(receiver.url)
    receiver.script = [(500, {"Retry-After": "3"}),
                       (503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 403]
    batch = Batch(("0" * 32,), PLANNED, {"specversion": "1.0", "id": "0" * 32})
    with pytest.raises(TransientError) as transient:
        target.send(batch)
    assert transient.value.retry_after == 3.0
    with pytest.raises(TransientError) as dated:
        target.send(batch)
    assert dated.value.retry_after == 0.0
    with pytest.raises(CredentialsError):
        target.send(batch)
    target.close()
    assert receiver.deliveries == []

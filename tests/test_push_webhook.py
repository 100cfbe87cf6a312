"""The webhook target without a network: settings, events, batches and signatures."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

from push_kit import RUN, make_task
from sopdsl.planning.model import task_json
from sopdsl.push.target import RejectedError, SettingsError, TargetSettings
from sopdsl.push.webhook import PENDING, PLANNED, WebhookTarget, _answer, cloud_event, signature
from webhook_receiver import closed_port_url


def target(**values: str) -> WebhookTarget:
    return WebhookTarget(TargetSettings("webhook", {"url": "https://scrm.example/hook", **values}))


def test_one_event_per_task_without_touching_the_network():
    """Batching makes one event per task, keyed by the task, even with no server there."""
    hook = WebhookTarget(TargetSettings("webhook", {"url": closed_port_url()}))
    tasks = [make_task(1), make_task(2, "pending")]
    batches = list(hook.batches(RUN, tasks))
    assert [b.keys for b in batches] == [(tasks[0].key,), (tasks[1].key,)]
    assert [b.operation for b in batches] == [PLANNED, PENDING]
    assert batches[0].payload == cloud_event(tasks[0], "sopdsl://playbooks/demo")


def test_event_envelope():
    """The envelope carries the key as id and subject, the due start as time, the task as
    data."""
    task = make_task(7)
    event = cloud_event(task, "sopdsl://playbooks/demo")
    assert event["id"] == task.key and event["subject"] == f"task/{task.key}"
    assert event["time"] == "2026-12-02T10:00:00+08:00" and event["specversion"] == "1.0"
    assert event["data"] == task_json(task)


def test_source_setting_overrides_the_default():
    """The `source` setting replaces the playbook-derived source."""
    batch, = target(source="urn:brand:sop").batches(RUN, [make_task(1)])
    assert batch.payload["source"] == "urn:brand:sop"


def test_destination_drops_credentials_and_query():
    """The recorded destination keeps scheme, host, port and path only."""
    hook = WebhookTarget(TargetSettings("webhook", {"url": "https://u:pw@scrm.example:8443/h?t=1"}))
    assert hook.destination == "https://scrm.example:8443/h"


@pytest.mark.parametrize("values,message", [
    ({"url": "ftp://scrm.example"}, "http or https"),
    ({"url": "https://scrm.example", "timeout": "soon"}, "`timeout`"),
    ({"url": "https://scrm.example", "kinds": "task,meeting"}, "meeting"),
    ({}, "SOPDSL_WEBHOOK_URL"),
])
def test_bad_settings_are_settings_errors(values, message):
    """A missing url, a bad scheme, timeout or kind is a SettingsError naming it."""
    with pytest.raises(SettingsError, match=message):
        WebhookTarget(TargetSettings("webhook", values))


def test_kinds_setting_selects_tasks():
    """`kinds` limits the tasks the target takes."""
    hook = target(kinds="task, handoff")
    assert hook.takes(make_task(1, "task")) and not hook.takes(make_task(2, "send"))


def test_signature_is_hmac_sha256_of_the_body():
    """The signature is `sha256=` and the hex HMAC of the exact body."""
    body = '{"id":"x","data":"王芳"}'.encode()
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signature("k", body) == f"sha256={expected}"


def test_a_refusal_is_masked_before_it_is_cut_short():
    """A secret the receiver echoes where the shown part of its answer ends is masked whole
    first: no prefix of it is left by the cut."""
    secret = "hook-Secret-1f2e3d"
    hook = target(secret=secret)
    response = httpx.Response(422, text="x" * 190 + secret + " and more")
    with pytest.raises(RejectedError) as refused:
        _answer(response, hook._secrets)
    assert secret[:6] not in str(refused.value) and "x" * 190 + "***" in str(refused.value)


def test_a_url_that_does_not_parse_is_a_settings_error():
    """A url Python cannot split (a broken IPv6 host) is a SettingsError, not a traceback."""
    with pytest.raises(SettingsError, match="is not a URL"):
        WebhookTarget(TargetSettings("webhook", {"url": "http://[::1/hook"}))

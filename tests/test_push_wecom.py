"""The WeCom target through wechatpy against the WeCom contract server (a contract test against
the documented API, not a test against WeCom)."""

from __future__ import annotations

from collections import Counter

import pytest
from loopback import free_port
from wecom_contract import WecomContract
from wecom_kit import contract, post_task, run_of, sample_plan, send_task, target  # noqa: F401 - fixture

from sopdsl.push.target import CredentialsError, RejectedError, TargetSettings, TransientError
from sopdsl.push.targets import target_class
from sopdsl.push.wecom import WecomTarget


@pytest.fixture
def server(contract: WecomContract) -> WecomContract:
    contract.control("reset")
    contract.configure(today="2026-12-02")
    return contract


def pushed(server: WecomContract, batches, **settings) -> list:
    """Send every batch; the deliveries in order."""
    wecom = target(server.base_url, **settings)
    try:
        return [wecom.send(batch) for batch in batches]
    finally:
        wecom.close()


def statuses(server: WecomContract, deliveries) -> Counter:
    """How many recipients of these mass messages have each send status."""
    wecom = target(server.base_url)
    return Counter(row["status"] for delivery in deliveries if delivery.remote_id
                   for row in wecom.send_results(delivery.remote_id))


def test_wecom_is_registered_as_a_push_target():
    """`--to wecom` resolves to the WeCom target class."""
    assert target_class("wecom") is WecomTarget


@pytest.mark.parametrize("playbook", ["onboarding", "education_funnel", "moments_calendar"])
def test_sample_plan_bodies_reach_the_server_exactly(server, playbook):
    """Every request body the server records is the batch payload, in sending order."""
    plan = sample_plan(playbook)
    batches = list(target(server.base_url).batches(run_of(plan), plan.tasks))
    deliveries = pushed(server, batches)
    api_requests = [r for r in server.requests() if not r["path"].endswith("/gettoken")]
    assert [r["body"] for r in api_requests] == [b.payload for b in batches]
    assert all(d.remote_id for d, b in zip(deliveries, batches) if b.operation != "mark_tag")


def test_token_is_fetched_once_from_the_configured_base_url(server):
    """The token comes from the configured host with the corp id, then every call carries it."""
    pushed(server, target().batches(None, [send_task("c1"), send_task("c2", sender="g2")]))
    (token,) = server.requests("gettoken")
    assert token["query"]["corpid"] == "ww-contract"
    assert {r["query"]["access_token"] for r in server.requests("add_msg_template")} == {
        "TOKEN-1"}


def test_ten_thousand_recipients_per_request_on_the_server(server):
    """25,001 recipients arrive as three requests the server accepts, each result paged back
    whole."""
    tasks = [send_task(f"wo{n:05d}") for n in range(25_001)]
    deliveries = pushed(server, target().batches(None, tasks))
    sizes = [len(r["body"]["external_userid"]) for r in server.requests("add_msg_template")]
    assert sizes == [10_000, 10_000, 5_001]
    assert len({d.remote_id for d in deliveries}) == 3
    rows = target(server.base_url).send_results(deliveries[0].remote_id)
    assert [row["external_userid"] for row in rows] == [f"wo{n:05d}" for n in range(10_000)]


def test_frequency_limit_is_a_transient_error_with_a_wait(server):
    """Error 45009 becomes a TransientError asking to wait `rate_limit_wait` seconds."""
    server.configure(rate_limit=2)
    batches = list(target().batches(None, [send_task(f"c{n}", day=f"2026-12-0{n}")
                                           for n in range(1, 4)]))
    wecom = target(server.base_url, rate_limit_wait="7")
    wecom.send(batches[0])
    wecom.send(batches[1])
    with pytest.raises(TransientError, match="45009") as caught:
        wecom.send(batches[2])
    assert caught.value.retry_after == 7.0


def test_expired_token_is_refreshed_once_and_the_call_repeated(server):
    """A 42001 answer fetches a new token and the same request then goes through."""
    batches = list(target().batches(None, [send_task("c1"), send_task("c2", day="2026-12-03")]))
    wecom = target(server.base_url)
    wecom.send(batches[0])
    server.control("expire")
    assert wecom.send(batches[1]).remote_id
    tokens = [r["query"]["access_token"] for r in server.requests("add_msg_template")]
    assert tokens == ["TOKEN-1", "TOKEN-1", "TOKEN-2"]


def test_revoked_secret_is_a_credentials_error(server):
    """A secret reset after the token was issued stops the push with a CredentialsError."""
    batches = list(target().batches(None, [send_task("c1"), send_task("c2", day="2026-12-03")]))
    wecom = target(server.base_url)
    wecom.send(batches[0])
    server.configure(revoked=True)
    with pytest.raises(CredentialsError, match="40001"):
        wecom.send(batches[1])
    assert len(server.requests("gettoken")) == 2  # the token was refreshed once, then refused


def test_wrong_secret_is_a_credentials_error_and_never_shown(server):
    """A wrong secret is a CredentialsError whose message does not contain the secret."""
    (batch,) = target().batches(None, [send_task("c1")])
    with pytest.raises(CredentialsError) as caught:
        target(server.base_url, secret="wrong-secret-123").send(batch)
    assert "wrong-secret-123" not in str(caught.value)


def test_server_errors_are_transient(server):
    """A 502 from WeCom is a TransientError, and the same batch goes through once it is back."""
    (batch,) = target().batches(None, [send_task("c1")])
    wecom = target(server.base_url)
    server.configure(broken=True)
    with pytest.raises(TransientError, match="502"):
        wecom.send(batch)
    server.configure(broken=False)
    assert wecom.send(batch).remote_id


def test_timeout_is_transient(server):
    """A server slower than the `timeout` setting is a TransientError."""
    (batch,) = target().batches(None, [send_task("c1")])
    server.configure(delay=1.0)
    with pytest.raises(TransientError, match="did not answer in 0.2s"):
        target(server.base_url, timeout="0.2").send(batch)


def test_the_destination_is_the_api_and_corp_without_credentials():
    """The ledger's destination names the API base and the corp: the default one as it always
    was, and one with a password or token in it without them."""
    default = WecomTarget(TargetSettings("wecom", {"corp_id": "ww1", "secret": "s"}))
    assert default.destination == "https://qyapi.weixin.qq.com/cgi-bin/#ww1"
    proxied = target("http://ops:pw-9c1@proxy.example:8080/cgi-bin/?key=k-77")
    assert proxied.destination == "http://proxy.example:8080/cgi-bin/#" + proxied.corp_id


def test_server_down_is_transient():
    """Nothing listening at the base URL is a TransientError."""
    (batch,) = target().batches(None, [send_task("c1")])
    with pytest.raises(TransientError, match="cannot be reached"):
        target(f"http://127.0.0.1:{free_port()}/cgi-bin/").send(batch)


def test_fail_list_rejects_exactly_those_tasks(server):
    """Customers in WeCom's fail_list come back as rejected keys; the others are accepted."""
    server.configure(invalid_ids=["c2"])
    tasks = [send_task("c1"), send_task("c2"), send_task("c3")]
    (delivery,) = pushed(server, target().batches(None, tasks))
    assert set(delivery.rejected) == {tasks[1].key}


def test_server_limits_refuse_what_the_target_would_refuse(server):
    """Text over 4,000 bytes sent anyway is refused by the server with WeCom's error."""
    (batch,) = target().batches(None, [send_task("c1", text="好" * 1334)])
    wecom = target(server.base_url)
    with pytest.raises(RejectedError, match="45002"):
        wecom.api.post("externalcontact/add_msg_template", batch.payload)


@pytest.mark.parametrize("attachments", [
    [{"msgtype": "link", "link": {"title": "a", "url": "https://x/a", "media_id": "M"}}] * 2,
    [{"msgtype": "image", "image": {"media_id": "M"}}] * 10,
    [{"msgtype": "file", "file": {"media_id": "M"}}]])
def test_server_refuses_moments_beyond_images_or_one_video_or_link(server, attachments):
    """A moments post with two links, ten images or a file is refused by the server."""
    with pytest.raises(RejectedError, match="40058"):
        target(server.base_url).api.post("externalcontact/add_moment_task", {
            "text": {"content": "上新"}, "attachments": attachments})


def test_moments_with_uploaded_media_are_accepted(server):
    """A moments poster with a media id reaches the server as an image attachment."""
    plan = sample_plan("moments_calendar")
    media = {"media_ids": '{"handbook_poster": "MEDIA-H", "buyer_show": "MEDIA-B"}'}
    deliveries = pushed(server, target(**media).batches(run_of(plan), plan.tasks))
    images = [r["body"]["attachments"] for r in server.requests("add_moment_task")
              if "attachments" in r["body"]]
    assert len(images) == 4 and all(d.remote_id for d in deliveries)


def test_tags_are_set_through_the_owner(server):
    """An untag becomes mark_tag by the customer's owner with the corp tag id."""
    plan = sample_plan("onboarding")
    batches = [b for b in target().batches(run_of(plan), plan.tasks) if b.operation == "mark_tag"]
    pushed(server, batches)
    (request,) = server.requests("mark_tag")
    assert request["body"] == {"userid": "guide_lin", "external_userid": "c003",
                               "add_tag": [], "remove_tag": ["etNEW7"]}


def test_corp_tags_give_the_tag_ids_setting(server):
    """The corp tag list read through wechatpy maps tag names to the ids the server knows."""
    assert target(server.base_url).corp_tags()["新客7天"] == "etNEW7"


def test_moments_jobs_are_recorded_and_polled(server):
    """A moments task returns a jobid whose result is done with a moment id."""
    plan = sample_plan("moments_calendar")
    batches = list(target().batches(run_of(plan), plan.tasks))
    deliveries = pushed(server, batches)
    wecom = target(server.base_url)
    results = [wecom.moment_result(d.remote_id) for d in deliveries]
    assert all(r["status"] == 3 and r["result"]["moment_id"] for r in results)
    assert len({d.remote_id for d in deliveries}) == len(batches)


@pytest.mark.parametrize("playbook", ["onboarding", "vip_birthday", "repurchase", "winback"])
def test_planned_sends_stay_within_the_quota_day_by_day(server, playbook):
    """Sends the planner kept, pushed on their due days, get no over-quota status 3."""
    program = {"miniprogram_appid": "wx-mall", "miniprogram_pic_media_id": "MEDIA-1"}
    plan = sample_plan(playbook)
    batches = [batch for batch in target(**program).batches(run_of(plan), plan.tasks)
               if batch.operation == "add_msg_template"]
    deliveries = []
    for batch in batches:
        server.configure(today=_day_of(plan, batch))
        deliveries.extend(pushed(server, [batch], **program))
    assert statuses(server, deliveries) == Counter({1: sum(len(b.keys) for b in batches)})


def test_a_plan_over_the_daily_quota_gets_status_three(server):
    """Two mass messages to one customer on one day: the second is over the quota (status 3)."""
    tasks = [send_task("c1"), send_task("c2"), send_task("c1", text="第二条", sender="guide_lin")]
    deliveries = pushed(server, target().batches(None, tasks))
    assert statuses(server, deliveries) == Counter({1: 2, 3: 1})
    rows = target(server.base_url).send_results(deliveries[-1].remote_id)
    assert [(row["external_userid"], row["status"]) for row in rows] == [("c1", 3)]


def _day_of(plan, batch) -> str:
    first = next(task for task in plan.tasks if task.key == batch.keys[0])
    return first.due.start[:10]


def test_the_contract_server_caps_a_group_at_the_days_of_the_month(server):
    """February 2026 has 28 days: the 29th post to a group that month is over its quota
    (status 3), another group and March are not; 2,001 chat ids are refused."""
    server.configure(today="2026-02-10")
    wecom = target(server.base_url)
    (batch,) = target().batches(None, [post_task("chatA"), post_task("chatB")])
    msgids = [wecom.api.post("externalcontact/add_msg_template", batch.payload)["msgid"]
              for _ in range(29)]
    last = wecom.send_results(msgids[-1])
    assert {row["chat_id"]: row["status"] for row in last} == {"chatA": 3, "chatB": 3}
    assert {row["status"] for row in wecom.send_results(msgids[27])} == {1}
    server.configure(today="2026-03-01")
    march = wecom.api.post("externalcontact/add_msg_template", batch.payload)["msgid"]
    assert {row["status"] for row in wecom.send_results(march)} == {1}
    with pytest.raises(RejectedError, match="40058"):
        wecom.api.post("externalcontact/add_msg_template",
                       {**batch.payload, "chat_id_list": [f"c{n}" for n in range(2001)]})

"""The WeCom target's requests, built offline from plans: goldens, grouping, chunking, limits."""

from __future__ import annotations

import json

import pytest
from golden import GOLDEN_ROOT, assert_golden
from wecom_kit import post_task, run_of, sample_plan, send_task, target

from sopdsl.planning.model import PlanContent
from sopdsl.push.target import RejectedError, SettingsError
from sopdsl.builtins import GROUPS_PER_REQUEST
from sopdsl.push.wecom_payloads import MAX_RECIPIENTS, problem

WECOM_PLAYBOOKS = ("onboarding", "vip_birthday", "repurchase", "winback", "education_funnel",
                   "moments_calendar")


def batches_of(tasks, **settings):
    return list(target(**settings).batches(None, tasks))


@pytest.mark.parametrize("playbook", WECOM_PLAYBOOKS)
def test_sample_plan_payloads_match_goldens(playbook):
    """The requests for a bundled sample plan equal the reviewed golden payloads."""
    plan = sample_plan(playbook)
    batches = list(target().batches(run_of(plan), plan.tasks))
    text = json.dumps([{"operation": b.operation, "keys": list(b.keys), "payload": b.payload}
                       for b in batches], ensure_ascii=False, indent=2) + "\n"
    assert_golden(GOLDEN_ROOT / "push" / "wecom" / f"{playbook}.json", text)


@pytest.mark.parametrize("playbook", WECOM_PLAYBOOKS)
def test_the_push_makes_one_wecom_task_per_plan_batch(playbook):
    """Every batch the plan lists (one staff action for all its customers) is one request
    carrying exactly its customers' sends, and there is no other send request."""
    plan = sample_plan(playbook)
    batches = {task.key: task for task in plan.tasks if task.kind == "batch"}
    sends = {task.key: task for task in plan.tasks if task.kind == "send" and task.batch}
    requests = [b for b in target().batches(run_of(plan), plan.tasks) if b.operation != "mark_tag"]
    posts = [b for b in requests if "chat_id_list" in b.payload]
    assert len(requests) - len(posts) + sum(len(b.keys) for b in posts) == len(batches)
    for request in requests:
        if request in posts:  # the group posts themselves, one chat_id each
            assert [batches[key].group for key in request.keys] == request.payload["chat_id_list"]
            continue
        (batch,) = {sends[key].batch for key in request.keys}
        assert sorted(sends[key].customer for key in request.keys) == batches[batch].customers
        assert len(request.keys) == batches[batch].reach


def test_target_takes_staff_sends_and_tag_changes_only():
    """Only the sends of mass sends and moments posts, the group posts, and tag changes are
    taken; chats, customers' sends via group (their group's post goes), other batches (the
    staff's view of the same sends), tasks, alerts and pending steps are not."""
    taken = {(task.kind, task.channel, task.change.field if task.change else None)
             for playbook in WECOM_PLAYBOOKS for task in sample_plan(playbook).tasks
             if target().takes(task)}
    assert taken == {("send", "private_chat", None), ("batch", "group", None),
                     ("send", "moments", None), ("update", None, "untag")}


def test_sends_group_per_sender_and_identical_content():
    """Same sender and message share one request; another sender or text gets its own."""
    tasks = [send_task("c1"), send_task("c2"), send_task("c3", sender="guide_lin"),
             send_task("c4", text="另一条消息"), send_task("c5")]
    batches = batches_of(tasks)
    recipients = [(b.payload["sender"], b.payload["external_userid"]) for b in batches]
    assert recipients == [("guide_chen", ["c1", "c2", "c5"]), ("guide_lin", ["c3"]),
                          ("guide_chen", ["c4"])]
    assert batches[0].keys == (tasks[0].key, tasks[1].key, tasks[4].key)


def test_sends_on_different_days_are_different_requests():
    """The same message due on two days makes one request per day, earlier day first."""
    tasks = [send_task("c1", day="2026-12-03"), send_task("c2", day="2026-12-02"),
             send_task("c3", day="2026-12-03")]
    assert [b.payload["external_userid"] for b in batches_of(tasks)] == [["c2"], ["c1", "c3"]]


def test_recipients_are_chunked_at_ten_thousand():
    """25,001 recipients of one message go out as three requests of at most 10,000."""
    tasks = [send_task(f"wo{n:05d}") for n in range(25_001)]
    sizes = [len(b.payload["external_userid"]) for b in batches_of(tasks)]
    assert sizes == [MAX_RECIPIENTS, MAX_RECIPIENTS, 5_001]


def test_a_customer_twice_in_one_group_goes_into_a_later_request():
    """Two rounds of one message to the same customer on one day never share a request."""
    tasks = [send_task("c1"), send_task("c1", round_=2), send_task("c2")]
    assert [b.payload["external_userid"] for b in batches_of(tasks)] == [["c1", "c2"], ["c1"]]


def test_group_posts_go_to_their_groups_chat_ids():
    """The plan's posts by one owner of one message at one moment are one group task naming
    their groups; a customer's send via group is not a request of its own (its post is)."""
    tasks = [post_task("chatA"), post_task("chatB"), post_task("chatC", sender="guide_lin"),
             send_task("c1", channel="group")]
    batches = batches_of(tasks)
    assert [(b.payload["chat_type"], b.payload["sender"], b.payload["chat_id_list"])
            for b in batches] == [("group", "guide_chen", ["chatA", "chatB"]),
                                  ("group", "guide_lin", ["chatC"])]
    assert batches[0].keys == (tasks[0].key, tasks[1].key)
    assert "external_userid" not in batches[0].payload


def test_group_posts_are_chunked_at_two_thousand_groups():
    """4,001 groups of one post go out as three requests of at most 2,000 chat_ids."""
    sizes = [len(b.payload["chat_id_list"])
             for b in batches_of([post_task(f"chat{n:05d}") for n in range(4_001)])]
    assert sizes == [GROUPS_PER_REQUEST, GROUPS_PER_REQUEST, 1]


def test_moments_are_visible_to_the_senders_customers():
    """A moments send becomes an add_moment_task visible through its sender."""
    (batch,) = batches_of([send_task("c1", channel="moments"), send_task("c2", channel="moments")])
    assert batch.operation == "add_moment_task"
    assert batch.payload["visible_range"] == {"sender_list": {"user_list": ["guide_chen"]}}


@pytest.mark.parametrize("task", [post_task("chatA", sender=None),
                                  send_task("c1", channel="moments", sender=None)])
def test_group_and_moments_without_a_staff_member_are_refused(task):
    """A group post or moments send with no staff member has no sender and is refused."""
    (batch,) = batches_of([task])
    assert "needs a sender" in problem(batch, {})


def test_private_chat_without_a_staff_member_goes_without_sender():
    """A private-chat send in a role's queue is sent without `sender` and is not refused."""
    (batch,) = batches_of([send_task("c1", sender=None)])
    assert "sender" not in batch.payload and problem(batch, {}) is None


def test_poster_goes_as_an_image_and_article_as_a_link_card():
    """A poster's url is an image attachment; an article's a link card, its url out of the text."""
    poster = PlanContent(name="p", kind="poster", title="海报", text="海报\nhttps://x/p.jpg",
                         url="https://x/p.jpg")
    article = PlanContent(name="a", kind="article", title="文章", text="文章\n导读\nhttps://x/a",
                          url="https://x/a")
    first, second = batches_of([send_task("c1", content=poster), send_task("c1", content=article,
                                                                           day="2026-12-03")])
    assert first.payload["attachments"] == [{"msgtype": "image",
                                             "image": {"pic_url": "https://x/p.jpg"}}]
    assert first.payload["text"] == {"content": "海报"}
    assert second.payload["attachments"][0]["link"] == {"title": "文章", "url": "https://x/a"}
    assert second.payload["text"] == {"content": "文章\n导读"}


def test_uploaded_media_go_as_media_in_messages_and_moments():
    """With a media id a poster is an image by media_id, in a message and in a moments post;
    a video goes as a video."""
    poster = PlanContent(name="p", kind="poster", title="海报", text="海报\nhttps://x/p.jpg",
                         url="https://x/p.jpg")
    video = PlanContent(name="v", kind="video", title="视频", text="视频\nhttps://x/v.mp4",
                        url="https://x/v.mp4")
    media = {"media_ids": '{"p": "MEDIA-P", "v": "MEDIA-V"}'}
    message, moment, film = batches_of([
        send_task("c1", content=poster), send_task("c2", content=poster, channel="moments"),
        send_task("c3", content=video, day="2026-12-03")], **media)
    assert message.payload["attachments"] == [{"msgtype": "image",
                                               "image": {"media_id": "MEDIA-P"}}]
    assert moment.payload["attachments"] == message.payload["attachments"]
    assert moment.payload["text"] == {"content": "海报"}
    assert film.payload["attachments"] == [{"msgtype": "video", "video": {"media_id": "MEDIA-V"}}]


def test_moments_without_media_keep_the_url_in_the_text():
    """A moments post whose content has no media id is its whole text, url included."""
    poster = PlanContent(name="p", kind="poster", title="海报", text="海报\nhttps://x/p.jpg",
                         url="https://x/p.jpg")
    (batch,) = batches_of([send_task("c1", content=poster, channel="moments")])
    assert "attachments" not in batch.payload
    assert batch.payload["text"] == {"content": "海报\nhttps://x/p.jpg"}


def test_text_over_four_thousand_bytes_is_refused_not_cut():
    """A message over 4,000 bytes is refused with its size, before anything is sent."""
    (batch,) = batches_of([send_task("c1", text="好" * 1334)])
    assert batch.payload["text"]["content"] == "好" * 1334
    with pytest.raises(RejectedError, match="4002 bytes"):
        target().send(batch)


def test_miniprogram_without_its_appid_is_refused():
    """A mini program send needs the appid settings; with them the attachment is complete."""
    content = PlanContent(name="m", kind="miniprogram", title="商城", text="商城\npages/i",
                          url="pages/i")
    (bare,) = batches_of([send_task("c1", content=content)])
    assert "miniprogram_appid" in problem(bare, {})
    (set_up,) = batches_of([send_task("c1", content=content)], miniprogram_appid="wx1",
                           miniprogram_pic_media_id="M1")
    assert set_up.payload["attachments"][0]["miniprogram"] == {
        "title": "商城", "pic_media_id": "M1", "appid": "wx1", "page": "pages/i"}
    assert problem(set_up, {}) is None


def test_tag_without_a_corp_tag_id_is_refused():
    """An untag whose tag has no id in `tag_ids` is refused, naming the tag."""
    task = next(t for t in sample_plan("onboarding").tasks if t.kind == "update")
    (batch,) = batches_of([task], tag_ids="{}")
    with pytest.raises(RejectedError, match="新客7天"):
        target(tag_ids="{}").send(batch)


@pytest.mark.parametrize("settings", [{"tag_ids": "[1]"}, {"media_ids": "{"},
                                      {"timeout": "soon"},
                                      {"corp_id": ""}, {"rate_limit_wait": "0"}])
def test_bad_settings_are_settings_errors(settings):
    """Malformed or missing settings raise a SettingsError when the target is built."""
    with pytest.raises(SettingsError):
        target(**settings)


def test_moments_text_over_two_thousand_characters_is_refused():
    """A moments post takes at most 2,000 characters of text (WeCom document 96351), even
    when its bytes are within the mass-message limit."""
    (batch,) = batches_of([send_task("c1", channel="moments", text="a" * 2001)])
    assert "2001 characters" in problem(batch, {})
    (fits,) = batches_of([send_task("c1", channel="moments", text="a" * 2000)])
    assert problem(fits, {}) is None

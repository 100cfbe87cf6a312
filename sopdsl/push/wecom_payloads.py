"""WeCom request bodies built from plan tasks: pure, so a dry run shows exactly what is sent.

Mass sends and moments posts become mass-message tasks (`add_msg_template`) or moments tasks
(`add_moment_task`), one per batch the plan names (a step's sends by one sender released at one
moment, `sopdsl.runtime.batches`), so a plan and its push agree on every staff action; tag
changes become `mark_tag` calls. The limits WeCom documents are checked by `problem` before
anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sopdsl.builtins import CHANNEL_FACTS, GROUPS_PER_REQUEST
from sopdsl.planning.model import PlanContent, PlanTask
from sopdsl.push.target import Batch

MAX_RECIPIENTS = 10_000  # external_userid per add_msg_template (chat_id_list: GROUPS_PER_REQUEST)
MAX_ATTACHMENTS = 9
MAX_TEXT_BYTES = 4_000
MAX_MOMENT_CHARACTERS = 2_000  # a moments post's text (WeCom document 96351)
# The chat type of each mass-send channel; a post (moments) is `add_moment_task` instead.
SEND_CHANNELS = {"private_chat": "single", "group": "group"}
TAG_FIELDS = ("tag", "untag")
# Content kinds whose url is a web page shown as a link card; video and file without a media
# id go as a link to their url too.
LINK_KINDS = frozenset(("article", "link", "live", "video", "file"))
MEDIA_KINDS = {"poster": "image", "video": "video", "file": "file"}  # kind -> msgtype


@dataclass(frozen=True)
class Media:
    """What attachments need beyond the plan: media uploaded to WeCom and the mini program."""

    ids: Mapping[str, str]  # content name -> media_id (from `media/upload_attachment`)
    miniprogram_appid: str | None = None
    miniprogram_pic_media_id: str | None = None


def takes(task: PlanTask) -> bool:
    """True for the customer sends of mass sends and moments posts, the posts to customer
    groups, and tag changes (a `chat` is the staff member's own message: WeCom has no API to
    send it for them; a customer's send via group goes out as its group's post)."""
    if task.kind == "batch":
        return task.group is not None and task.assignee is not None
    if task.kind == "send":
        facts = CHANNEL_FACTS.get(task.channel or "")
        return task.assignee is not None and facts is not None and facts.batched \
            and not facts.group
    return task.kind == "update" and task.change is not None and task.change.field in TAG_FIELDS


def build_batches(tasks: Iterable[PlanTask], tag_ids: Mapping[str, str],
                  media: Media) -> list[Batch]:
    """The requests for these tasks: by due day, then in plan order of their first task."""
    # Only (key, customer) per task is kept, so large plans group in little memory.
    groups: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
    order: list[tuple[str, int, Batch | tuple[Any, ...]]] = []
    for task in tasks:
        if not takes(task):
            continue
        day = task.due.start[:10]
        if task.kind == "update":
            order.append((day, len(order), mark_tag_batch(task, tag_ids)))
            continue
        group = _group_key(task, media)
        if group not in groups:
            groups[group] = []
            order.append((day, len(order), group))
        groups[group].append((task.key, task.group or task.customer))
    batches: list[Batch] = []
    for _, _, item in sorted(order, key=lambda entry: entry[:2]):
        if isinstance(item, Batch):
            batches.append(item)
        else:
            batches.extend(_send_batches(item, groups[item]))
    return batches


def _group_key(task: PlanTask, media: Media) -> tuple[Any, ...]:
    """Sends with the same key go out as one WeCom task: the plan's batch and one message (a
    batch whose customers' texts differ, W418, goes as one task per text). A send of a plan
    made before batches were named goes alone."""
    assert task.assignee is not None and task.channel is not None
    body = _message(task, media, moments=CHANNEL_FACTS[task.channel].post)
    # Posts to groups by one owner of one message at one moment go as one task.
    batch = ("group", task.due.start) if task.group is not None else task.batch or task.key
    return (batch, task.channel, task.assignee.staff_id, json.dumps(body, ensure_ascii=False))


def _send_batches(group: tuple[Any, ...], tasks: list[tuple[str, str]]) -> list[Batch]:
    _, channel, sender, body = group
    message = json.loads(body)
    if CHANNEL_FACTS[channel].post:
        payload = {**message, "visible_range": {"sender_list": {"user_list": [sender]}}}
        return [Batch(tuple(key for key, _ in tasks), "add_moment_task", payload)]
    if SEND_CHANNELS[channel] == "group":
        # The plan's group posts: their groups' chat_ids, at most 2,000 per request.
        return [Batch(tuple(key for key, _ in chunk), "add_msg_template",
                      {"chat_type": "group", "sender": sender,
                       "chat_id_list": [chat for _, chat in chunk], **message})
                for chunk in recipient_chunks(tasks, GROUPS_PER_REQUEST)]
    return [Batch(tuple(key for key, _ in chunk), "add_msg_template",
                  {"chat_type": "single", "external_userid": [customer for _, customer in chunk],
                   **({"sender": sender} if sender else {}), **message})
            for chunk in recipient_chunks(tasks)]


def recipient_chunks(tasks: list[tuple[str, str]],
                     size: int = MAX_RECIPIENTS) -> list[list[tuple[str, str]]]:
    """(key, customer) pairs in chunks of at most `size`, no customer twice in a chunk (a
    second task for the same customer goes into a later chunk)."""
    layers: list[list[tuple[str, str]]] = []
    seen: dict[str, int] = {}
    for key, customer in tasks:
        layer = seen.get(customer, 0)
        seen[customer] = layer + 1
        if layer == len(layers):
            layers.append([])
        layers[layer].append((key, customer))
    return [layer[i:i + size] for layer in layers for i in range(0, len(layer), size)]


def _message(task: PlanTask, media: Media, moments: bool) -> dict[str, Any]:
    """The text and attachment of a mass message or a moments post."""
    attach = _moment_attachment if moments else _attachment
    attachment = attach(task.content, media) if task.content else None
    text = _text_without_url(task) if attachment else task.text or ""
    if attachment and text == attachment[attachment["msgtype"]].get("title"):
        text = ""  # the card shows the title already
    message: dict[str, Any] = {"text": {"content": text}} if text else {}
    if attachment:
        message["attachments"] = [attachment]
    return message


def _attachment(content: PlanContent, media: Media) -> dict[str, Any] | None:
    """A mass message's attachment: uploaded media first, else what the url allows."""
    media_id = media.ids.get(content.name)
    if content.kind in MEDIA_KINDS and media_id:
        kind = MEDIA_KINDS[content.kind]
        return {"msgtype": kind, kind: {"media_id": media_id}}
    if content.url is None:
        return None
    if content.kind == "poster":
        return {"msgtype": "image", "image": {"pic_url": content.url}}
    if content.kind == "miniprogram":
        return {"msgtype": "miniprogram", "miniprogram": {
            "title": content.title or content.name,
            "pic_media_id": media.miniprogram_pic_media_id,
            "appid": media.miniprogram_appid, "page": content.url}}
    if content.kind in LINK_KINDS:
        return {"msgtype": "link", "link": {"title": content.title or content.name,
                                            "url": content.url}}
    return None


def _moment_attachment(content: PlanContent, media: Media) -> dict[str, Any] | None:
    """A moments post's attachment: moments take only uploaded media, so without a media id
    the post is its text, url included."""
    media_id = media.ids.get(content.name)
    if not media_id:
        return None
    if content.kind in ("poster", "video"):
        kind = MEDIA_KINDS[content.kind]
        return {"msgtype": kind, kind: {"media_id": media_id}}
    if content.kind in LINK_KINDS and content.url:
        return {"msgtype": "link", "link": {"title": content.title or content.name,
                                            "url": content.url, "media_id": media_id}}
    return None


def _text_without_url(task: PlanTask) -> str:
    """The message without its last line when that line is the url the attachment carries."""
    text, url = task.text or "", task.content.url if task.content else None
    if url and text.endswith(url):
        return text[:-len(url)].rstrip("\n")
    return text


def mark_tag_batch(task: PlanTask, tag_ids: Mapping[str, str]) -> Batch:
    """One `mark_tag` call; a tag without a known id keeps its name (`problem` refuses it)."""
    assert task.change is not None
    tag = str(task.change.value)
    tags = [tag_ids.get(tag, tag)]
    add, remove = (tags, []) if task.change.field == "tag" else ([], tags)
    return Batch((task.key,), "mark_tag", {
        "userid": task.change.owner, "external_userid": task.customer,
        "add_tag": add, "remove_tag": remove})


def problem(batch: Batch, tag_ids: Mapping[str, str]) -> str | None:
    """Why WeCom would refuse this request for good (None when it is within the limits)."""
    payload = batch.payload
    if batch.operation == "mark_tag":
        if not payload["userid"]:
            return "the customer has no owner to set the tag through"
        known = set(tag_ids.values())
        unknown = [tag for tag in payload["add_tag"] + payload["remove_tag"] if tag not in known]
        return (f"no corp tag id for `{unknown[0]}`: add it to the `tag_ids` setting"
                if unknown else None)
    size = len(payload.get("text", {}).get("content", "").encode())
    if size > MAX_TEXT_BYTES:
        return f"the text is {size} bytes; WeCom takes at most {MAX_TEXT_BYTES}"
    if len(payload.get("attachments", [])) > MAX_ATTACHMENTS:
        return f"more than {MAX_ATTACHMENTS} attachments"
    if batch.operation == "add_msg_template":
        return _mass_problem(payload)
    length = len(payload.get("text", {}).get("content", ""))
    if length > MAX_MOMENT_CHARACTERS:
        return (f"the text is {length} characters; a moments post takes at most "
                f"{MAX_MOMENT_CHARACTERS}")
    if None in payload["visible_range"]["sender_list"]["user_list"]:
        return "a moments post needs a sender: the task has no staff member"
    return None


def _mass_problem(payload: Mapping[str, Any]) -> str | None:
    if payload["chat_type"] == "group" and not payload.get("sender"):
        return "a group message needs a sender: the task has no staff member"
    if len(payload.get("external_userid", [])) > MAX_RECIPIENTS:
        return f"more than {MAX_RECIPIENTS} recipients"
    if len(payload.get("chat_id_list", [])) > GROUPS_PER_REQUEST:
        return f"more than {GROUPS_PER_REQUEST} groups"
    for attachment in payload.get("attachments", []):
        program = attachment.get("miniprogram")
        if program and not (program["appid"] and program["pic_media_id"]):
            return ("a mini program needs the `miniprogram_appid` and "
                    "`miniprogram_pic_media_id` settings")
    return None

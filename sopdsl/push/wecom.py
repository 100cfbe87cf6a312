"""The `wecom` push target: staff-confirmed sends, moments and tags into WeCom.

Every outbound action in WeCom is a task a staff member confirms in the client, so a push
creates mass-message tasks (`add_msg_template`), moments tasks (`add_moment_task`) and tags
customers (`mark_tag`); the returned `msgid` or `jobid` is what status polling asks about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sopdsl import jsontext
from sopdsl.planning.model import PlanTask
from sopdsl.push import wecom_payloads as payloads
from sopdsl.push.target import (
    MOMENT_CREATED, MOMENT_FAILED, NOT_A_FRIEND, NOT_LISTED, OVER_QUOTA, SENT, WAITING, Batch,
    Delivery, PlanRun, RejectedError, SettingsError, TargetSettings, TaskStatus, address,
)

if TYPE_CHECKING:
    from sopdsl.push.wecom_client import WecomApi

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin/"
# `get_groupmsg_send_result` statuses: 0 not sent yet, 1 sent, 2 not a friend, 3 over the quota.
SEND_STATUSES = {0: WAITING, 1: SENT, 2: NOT_A_FRIEND, 3: OVER_QUOTA}
MOMENT_DONE = 3  # `get_moment_task_result` status: 1 started, 2 running, 3 done
ENDPOINTS = {"add_msg_template": "externalcontact/add_msg_template",
             "add_moment_task": "externalcontact/add_moment_task",
             "mark_tag": "externalcontact/mark_tag"}


class WecomTarget:
    """Pushes plan tasks into WeCom through wechatpy, at a configurable API base URL."""

    name: ClassVar[str] = "wecom"
    secret_keys: ClassVar[frozenset[str]] = frozenset(("secret",))
    # WeCom has no upsert: a task sent twice is two tasks, so only the ledger prevents doubles.
    idempotent: ClassVar[bool] = False

    def __init__(self, settings: TargetSettings) -> None:
        self.corp_id = settings.require("corp_id")
        self.secret = settings.require("secret")
        self.base_url = settings.get("base_url") or DEFAULT_BASE_URL
        # Which corp at which API the work goes to (the push ledger keeps rows per destination).
        self.destination = f"{address(self.base_url, self.name, 'base_url')}#{self.corp_id}"
        self.timeout = settings.seconds("timeout", "30")
        self.rate_limit_wait = settings.seconds("rate_limit_wait", "60")
        self.tag_ids = _names_to_ids(settings, "tag_ids", "tag name to corp tag id",
                                     '{"VIP": "etXXXX"}')
        self.media = payloads.Media(
            _names_to_ids(settings, "media_ids", "content name to media id",
                          '{"handbook_poster": "3a8asd892asd8asd"}'),
            settings.get("miniprogram_appid"), settings.get("miniprogram_pic_media_id"))
        self._api: WecomApi | None = None

    def takes(self, task: PlanTask) -> bool:
        """Staff-confirmed sends on private_chat, group and moments; tag and untag changes."""
        return payloads.takes(task)

    def batches(self, run: PlanRun, tasks: Iterable[PlanTask]) -> Iterable[Batch]:
        """One request per sender, due day and identical message (recipients chunked at
        10,000), one `mark_tag` per tag change."""
        return payloads.build_batches(tasks, self.tag_ids, self.media)

    def send(self, batch: Batch) -> Delivery:
        """Create the WeCom task; customers WeCom lists in `fail_list` come back rejected."""
        reason = payloads.problem(batch, self.tag_ids)
        if reason:
            raise RejectedError(reason)
        answer = self.api.post(ENDPOINTS[batch.operation], batch.payload)
        if batch.operation == "add_moment_task":
            return Delivery(answer.get("jobid"))
        if batch.operation == "mark_tag":
            return Delivery(None)
        return Delivery(answer.get("msgid"), _failed(batch, answer.get("fail_list") or []))

    def send_results(self, msgid: str) -> list[dict[str, Any]]:
        """The per-customer outcome of a mass message (`send_list`: status 0 not sent yet,
        1 sent, 2 not a friend, 3 over the customer's quota)."""
        results: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = self.api.post("externalcontact/get_groupmsg_send_result",
                                 {"msgid": msgid, "limit": 1000, "cursor": cursor})
            results.extend(page.get("send_list", []))
            cursor = page.get("next_cursor") or ""
            if not cursor:
                return results

    def moment_result(self, jobid: str) -> dict[str, Any]:
        """The state of a moments task: `status` 1 started, 2 running, 3 done, and its
        `result`."""
        return self.api.get("externalcontact/get_moment_task_result", {"jobid": jobid})

    def delivery_status(self, operation: str, remote_id: str,
                        tasks: Sequence[PlanTask]) -> Mapping[str, TaskStatus]:
        """Each task's status: its customer's row of the mass message's send result, the
        sender's rows for a group message, or the moments task's state."""
        if operation == "add_moment_task":
            return _moment_status(self.moment_result(remote_id), tasks)
        rows = self.send_results(remote_id)
        if any(task.channel == "group" for task in tasks):
            sent = any(row.get("status") == 1 for row in rows)
            return {task.key: TaskStatus(SENT if sent else WAITING, _staff(task))
                    for task in tasks}
        by_customer = {row.get("external_userid"): row for row in rows}
        statuses = {}
        for task in tasks:
            row = by_customer.get(task.customer)
            status = NOT_LISTED if row is None else SEND_STATUSES.get(row.get("status"), NOT_LISTED)
            sender = (row or {}).get("userid") or _staff(task)
            statuses[task.key] = TaskStatus(status, sender)
        return statuses

    def corp_tags(self) -> dict[str, str]:
        """Every corp tag's name and id (`get_corp_tag_list`), to write the `tag_ids` setting."""
        answer = self.api.post("externalcontact/get_corp_tag_list", {})
        return {tag["name"]: tag["id"] for group in answer.get("tag_group", [])
                for tag in group.get("tag", [])}

    @property
    def api(self) -> WecomApi:
        """The WeCom connection, made on first use (building the target stays offline)."""
        if self._api is None:
            from sopdsl.push.wecom_client import BaseUrlClient, WecomApi

            client = BaseUrlClient(self.corp_id, self.secret, self.base_url, self.timeout)
            self._api = WecomApi(client, self.rate_limit_wait)
        return self._api

    def close(self) -> None:
        """Release the HTTP connections."""
        if self._api is not None:
            self._api.close()
            self._api = None


def _failed(batch: Batch, fail_list: list[str]) -> dict[str, str]:
    """The tasks of the customers WeCom could not address (keys follow external_userid)."""
    failed = set(fail_list)
    recipients = batch.payload.get("external_userid", [])
    return {key: "WeCom could not address this customer (fail_list)"
            for key, customer in zip(batch.keys, recipients) if customer in failed}


def _moment_status(answer: dict[str, Any], tasks: Sequence[PlanTask]) -> dict[str, TaskStatus]:
    """A moments task's state as the status of each task it carries."""
    result = answer.get("result") or {}
    invalid = set((result.get("invalid_sender_list") or {}).get("user_list") or [])
    statuses = {}
    for task in tasks:
        sender = _staff(task)
        if answer.get("status") != MOMENT_DONE:
            status = WAITING
        elif result.get("errcode", 0) != 0 or sender in invalid:
            status = MOMENT_FAILED
        else:
            status = MOMENT_CREATED
        statuses[task.key] = TaskStatus(status, sender)
    return statuses


def _staff(task: PlanTask) -> str | None:
    return task.assignee.staff_id if task.assignee is not None else None


def _names_to_ids(settings: TargetSettings, key: str, meaning: str, example: str) -> dict[str, str]:
    """A setting that maps names to WeCom ids, written as a JSON object."""
    text = settings.get(key) or "{}"
    try:
        mapping = jsontext.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in mapping.items()):
        raise SettingsError(f"the wecom target's `{key}` must be a JSON object from {meaning}, "
                            f"e.g. {example}")
    return mapping

"""The `webhook` target: one CloudEvents 1.0 event per task, POSTed in structured mode.

For SCRMs with their own APIs: a small receiver turns each event into the system's own call.
The event `id` is the task's idempotency key, so receivers drop a repeated delivery by id;
that makes re-sending safe, and the target idempotent. With a `secret` setting each request
carries `X-Sopdsl-Signature: sha256=<hex HMAC-SHA256 of the body>`.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any, ClassVar, get_args
from urllib.parse import urlsplit

import httpx

from sopdsl.planning.model import PlanTask, TaskKind, task_json
from sopdsl.push.secrets import mask
from sopdsl.push.settings import secret_values
from sopdsl.push.target import (
    Batch, CredentialsError, Delivery, PlanRun, RejectedError, TargetSettings, SettingsError,
    TransientError, address,
)

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
SIGNATURE_HEADER = "X-Sopdsl-Signature"
PLANNED = "com.sopdsl.task.planned"
PENDING = "com.sopdsl.task.pending"
_TRANSIENT_STATUS = frozenset({408, 425, 429})
_SHOWN_BODY = 200  # characters of a refusal's body kept as its reason


class WebhookTarget:
    """POSTs each plan task as a CloudEvent to `url`."""

    name: ClassVar[str] = "webhook"
    secret_keys: ClassVar[frozenset[str]] = frozenset({"secret"})
    idempotent: ClassVar[bool] = True

    def __init__(self, settings: TargetSettings) -> None:
        self.url = settings.require("url")
        self.destination = address(self.url, self.name)
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"the webhook `url` must be an http or https address, not "
                                f"`{self.destination}`")
        self.secret = settings.get("secret")
        # masked in a refusal's body before it is cut short, which would leave part of one
        self._secrets = secret_values(settings, self.secret_keys)
        self.source = settings.get("source")
        self.kinds = _kinds(settings.get("kinds"))
        self.timeout = settings.seconds("timeout", "10")
        self._client: httpx.Client | None = None

    def takes(self, task: PlanTask) -> bool:
        """Every task, or those of the kinds the `kinds` setting lists."""
        return self.kinds is None or task.kind in self.kinds

    def batches(self, run: PlanRun, tasks: Iterable[PlanTask]) -> Iterable[Batch]:
        """One event per task."""
        source = self.source or f"sopdsl://playbooks/{PurePosixPath(run.playbook.file).stem}"
        for task in tasks:
            event = cloud_event(task, source)
            yield Batch((task.key,), event["type"], event)

    def send(self, batch: Batch) -> Delivery:
        """POST the event; 2xx is accepted."""
        body = json.dumps(batch.payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": CONTENT_TYPE}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        try:
            response = self._session().post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise TransientError(f"no answer from {self.destination} within "
                                 f"{self.timeout:g}s") from None
        except httpx.TransportError as error:
            raise TransientError(f"cannot reach {self.destination}: "
                                 f"{type(error).__name__}") from None
        return _answer(response, self._secrets)

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _session(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        return self._client


def cloud_event(task: PlanTask, source: str) -> dict[str, Any]:
    """The CloudEvents 1.0 envelope of one plan task (structured mode)."""
    return {
        "specversion": "1.0",
        "id": task.key,
        "source": source,
        "type": PENDING if task.kind == "pending" else PLANNED,
        "subject": f"task/{task.key}",
        "time": task.due.start,
        "datacontenttype": "application/json",
        "data": task_json(task),
    }


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _answer(response: httpx.Response, secrets: list[str]) -> Delivery:
    status = response.status_code
    if 200 <= status < 300:
        return Delivery(None)
    reason = f"HTTP {status}: {mask(response.text, secrets)[:_SHOWN_BODY].strip()}".rstrip(": ")
    if status in _TRANSIENT_STATUS or status >= 500:
        raise TransientError(reason, _retry_after(response.headers.get("Retry-After")))
    if status in (401, 403):
        raise CredentialsError(f"{reason} (check the webhook `secret`)")
    if 300 <= status < 400:
        raise RejectedError(f"{reason}: redirected to {response.headers.get('Location')}; "
                            "set `url` to the final address")
    raise RejectedError(reason)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _kinds(value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    kinds = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = kinds - set(get_args(TaskKind))
    if unknown:
        raise SettingsError(f"the webhook `kinds` setting names unknown kinds "
                            f"{', '.join(sorted(unknown))}; kinds are "
                            f"{', '.join(get_args(TaskKind))}")
    return kinds

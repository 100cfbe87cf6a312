"""The contract between the push runner and a target system.

A target says which plan tasks it takes, groups them into requests (`batches`, pure and
repeatable, which is also what `--dry-run` shows) and sends one request at a time (`send`).
The runner owns everything else: the ledger, retries with backoff, the progress and the exit
code. Targets raise the errors below; anything else is a bug.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit, urlunsplit

from sopdsl.planning.model import PlanPlaybook, PlanTask, PlanWindow
from sopdsl.errors import SopdslError


@dataclass(frozen=True)
class PlanRun:
    """What a plan says about itself: the playbook and the window the tasks belong to."""

    playbook: PlanPlaybook
    window: PlanWindow


@dataclass(frozen=True)
class Batch:
    """One request to a target: the tasks it carries and the payload as it will be sent."""

    keys: tuple[str, ...]  # idempotency keys of the plan tasks this request carries
    operation: str  # what the request does, e.g. `add_msg_template` or `project.work.create`
    payload: Any  # JSON-compatible: the body shown by --dry-run, free of credentials


@dataclass(frozen=True)
class Delivery:
    """What the target system answered to one batch."""

    remote_id: str | None  # the id the system gave the work: record id, UID, msgid, jobid
    rejected: Mapping[str, str] = field(default_factory=dict)  # key -> reason, for tasks the
    # system refused while accepting the rest (e.g. WeCom's `fail_list`)


# What became of a pushed send, as status polling reports it.
SENT = "sent"
WAITING = "waiting for staff"  # the task is in the sender's client, not confirmed yet
NOT_A_FRIEND = "not a friend"  # the customer is no longer the sender's contact
OVER_QUOTA = "over quota"  # the customer already got as many mass messages as allowed
MOMENT_CREATED = "moments created"  # in the sender's client; publishing it is not polled
MOMENT_FAILED = "moments failed"  # the system could not create the moments task for the sender
NOT_LISTED = "not in the result"  # the system's answer does not mention the task's customer
DELIVERY_STATUSES = (SENT, WAITING, NOT_A_FRIEND, OVER_QUOTA, MOMENT_CREATED, MOMENT_FAILED,
                     NOT_LISTED)


@dataclass(frozen=True)
class TaskStatus:
    """What the target system says became of one pushed task."""

    status: str  # one of DELIVERY_STATUSES
    sender: str | None  # the staff member who sends it, when the system or the task says


# The longest a target waits for one answer: past an hour a server is as good as down.
MAX_SECONDS = 3600.0


class SettingsError(SopdslError):
    """A setting the target needs is missing or malformed: a usage error (exit 2)."""


def env_name(target: str, key: str) -> str:
    """The environment variable that holds a target's setting, e.g. SOPDSL_TRYTON_PASSWORD."""
    return f"SOPDSL_{target.upper()}_{key.upper()}"


@dataclass(frozen=True)
class TargetSettings:
    """A target's settings (URLs, user names, secrets) from the environment or a config file."""

    target: str
    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The setting, or `default` when it is not set."""
        return self.values.get(key, default)

    def seconds(self, key: str, default: str) -> float:
        """A setting that is a number of seconds above 0, at most MAX_SECONDS; a
        `SettingsError` otherwise (nan and inf included)."""
        value = self.values.get(key) or default
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not 0 < seconds <= MAX_SECONDS:
            raise SettingsError(f"the {self.target} `{key}` must be a number of seconds above 0 "
                                f"and at most {MAX_SECONDS:g}, not `{value}`")
        return seconds

    def require(self, key: str) -> str:
        """The setting; a `SettingsError` naming where to set it when it is missing."""
        value = self.values.get(key)
        if not value:
            raise SettingsError(f"the {self.target} target needs `{key}`: set "
                                f"{env_name(self.target, key)} or `{key}` under "
                                f"[push.{self.target}] in the push configuration file")
        return value


def address(url: str, target: str, key: str = "url") -> str:
    """A server's URL without user, password, query or fragment, as shown and recorded."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise SettingsError(f"the {target} `{key}` is not a URL") from None
    host = f"[{host}]" if ":" in host else host
    try:
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        raise SettingsError(f"the {target} `{key}` has a bad port: `{host}`") from None
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class PushError(SopdslError):
    """A request that did not go through (the subclasses say whether sending again may help)."""


class TransientError(PushError):
    """The system is down, timed out, answered 5xx or asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the system asked us to wait, if it said


class RejectedError(PushError):
    """The system refused this request for good (invalid data, over a hard limit)."""


class CredentialsError(PushError):
    """The credentials are missing, wrong or revoked: nothing more can be sent to the target."""


class Target(Protocol):
    """A system plans are pushed to.

    Targets are built from their `TargetSettings` (`Target(settings)`); building one and calling
    `batches` never touches the network, so `--dry-run` works offline.
    """

    name: ClassVar[str]  # the `--to` value
    secret_keys: ClassVar[frozenset[str]]  # settings never shown in output, logs or the ledger
    # Which server the work goes to, e.g. its URL and database, never credentials: the ledger
    # keeps one set of rows per destination, so pushing to a second server sends everything.
    destination: str
    # True when sending a batch twice leaves one copy (upsert by key or UID); the runner then
    # re-sends batches whose outcome a crash left unknown, otherwise it holds them back.
    idempotent: ClassVar[bool]

    def takes(self, task: PlanTask) -> bool:
        """True for the tasks this target carries (others are left to other targets)."""

    def batches(self, run: PlanRun, tasks: Iterable[PlanTask]) -> Iterable[Batch]:
        """The requests for these tasks, in sending order; the same input gives the same
        batches."""

    def send(self, batch: Batch) -> Delivery:
        """Send one request; raise a `PushError` when it does not go through."""

    def close(self) -> None:
        """Release connections."""


class PollableTarget(Target, Protocol):
    """A target that can say what became of the work it accepted (`push --status`)."""

    def delivery_status(self, operation: str, remote_id: str,
                        tasks: Sequence[PlanTask]) -> Mapping[str, TaskStatus]:
        """The status of each of `tasks` (all accepted under `remote_id` by one `operation`
        request), by task key; raise a `PushError` when the system cannot be asked."""


def can_poll(target: Target) -> bool:
    """True when the target implements `delivery_status`."""
    return callable(getattr(target, "delivery_status", None))


def destination_of(target: Target) -> str:
    """The server a target sends to; its name when it serves one fixed system."""
    return getattr(target, "destination", None) or target.name

"""The `caldav` target: staff to-dos on a CalDAV server, one calendar per assignee.

Each piece of staff work is one VTODO whose UID is the task's idempotency key. It is written
where the server already keeps that UID, so a re-push updates a to-do and never adds a second
one, and a to-do the staff member has started, finished or cancelled is left as they left it.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit

from sopdsl.planning.ics import calendar, calendar_name, safe_name
from sopdsl.planning.model import PlanTask
from sopdsl.push.target import (Batch, CredentialsError, Delivery, PlanRun, PushError,
                                RejectedError, SettingsError, TargetSettings, TransientError,
                                address)

if TYPE_CHECKING:
    from caldav import Calendar, DAVClient, Principal

OPERATION = "put_todo"
CALENDAR_TYPE = 'text/calendar; charset="utf-8"'
# Statuses only a person sets: the to-do is theirs now and a re-push leaves it alone.
STAFF_STATUSES = frozenset(("IN-PROCESS", "COMPLETED", "CANCELLED"))
_WRITTEN = frozenset((200, 201, 204))
_CHANGED_MEANWHILE = 412  # If-Match / If-None-Match failed: someone wrote the to-do meanwhile


class CaldavTarget:
    """Staff to-dos in per-assignee calendars on a CalDAV server, upserted by UID."""

    name: ClassVar[str] = "caldav"
    secret_keys: ClassVar[frozenset[str]] = frozenset({"password"})
    idempotent: ClassVar[bool] = True

    def __init__(self, settings: TargetSettings) -> None:
        self.url = settings.require("url")
        self.server = address(self.url, self.name)
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise SettingsError(f"the caldav `url` must be an http or https address, not "
                                f"`{self.server}`")
        self.username = settings.get("username")
        self.password = settings.get("password")
        # the calendars live in the account's home: another account is another destination
        self.destination = f"{self.server} as {self.username}" if self.username else self.server
        self.timeout = settings.seconds("timeout", "30")
        self.pattern = _calendar_pattern(settings.get("calendar", "{assignee}") or "{assignee}")
        self._client: DAVClient | None = None
        self._principal: Principal | None = None
        self._by_url: dict[str, Calendar] = {}  # the account's calendars by URL name
        self._by_display: dict[str, Calendar] = {}  # and by display name
        self._chosen: dict[str, Calendar] = {}  # the calendar each name was given

    def takes(self, task: PlanTask) -> bool:
        """Work a person must do; pending steps wait for the customer and are not to-dos."""
        return task.staff_work

    def batches(self, run: PlanRun, tasks: Iterable[PlanTask]) -> Iterator[Batch]:
        """One request per to-do: its calendar, its UID and the iCalendar text that is PUT."""
        for task in tasks:
            name = self.pattern.format(assignee=calendar_name(task))
            text = calendar(name, [task], run.playbook, run.window)
            yield Batch((task.key,), OPERATION, {"calendar": name, "uid": task.key,
                                                 "ical": text})

    def send(self, batch: Batch) -> Delivery:
        """Write one to-do; its remote id is the to-do's path on the server."""
        from caldav.lib import error
        from caldav.lib.http_sync import requests

        try:
            return self._put(batch.payload["calendar"], batch.payload["uid"],
                             batch.payload["ical"])
        except error.AuthorizationError as exc:
            raise CredentialsError(f"the CalDAV server at {self.server} refused user "
                                   f"`{self.username or ''}` ({exc.status or 'unauthorized'})"
                                   ) from None
        except error.RateLimitError as exc:
            raise TransientError(f"the CalDAV server at {self.server} asked to slow down",
                                 exc.retry_after_seconds) from None
        except error.DAVError as exc:
            raise _refusal(exc.status, f"the CalDAV server at {self.server} answered "
                                       f"{exc.status or 'unexpectedly'} "
                                       f"({type(exc).__name__})") from None
        except requests.exceptions.Timeout:
            raise TransientError(f"the CalDAV server at {self.server} did not answer within "
                                 f"{self.timeout:g} s") from None
        except requests.exceptions.RequestException:
            # the library's message is left out: it carries the URL, which may hold a password
            raise TransientError(f"the CalDAV server at {self.server} could not be reached"
                                 ) from None

    def close(self) -> None:
        """Close the HTTP session."""
        if self._client is not None:
            self._client.close()
        self._client, self._principal = None, None
        self._by_url, self._by_display, self._chosen = {}, {}, {}

    def _put(self, calendar_name_: str, uid: str, text: str) -> Delivery:
        target = self._calendar(calendar_name_)
        existing = _todo_by_uid(target, uid)
        if existing is None:
            url, condition = target.url.join(safe_name(uid) + ".ics"), {"If-None-Match": "*"}
        elif _status(existing) in STAFF_STATUSES:
            return Delivery(remote_id=_path(existing.url))
        else:
            url = existing.url
            condition = {"If-Match": existing.etag} if existing.etag else {}
        headers = {"Content-Type": CALENDAR_TYPE, **condition}
        response = self._connect().put(str(url), text, headers)
        if response.status == _CHANGED_MEANWHILE:
            raise TransientError(f"the to-do `{uid}` changed on the server while it was "
                                 "written; sending again reads it anew")
        if response.status not in _WRITTEN:
            raise _refusal(response.status, f"the CalDAV server at {self.server} refused the "
                                            f"to-do `{uid}` ({response.status} "
                                            f"{response.reason})")
        return Delivery(remote_id=_path(url))

    def _calendar(self, name: str) -> Calendar:
        """The assignee's calendar: the one at the name's URL name, else one showing the name
        (made by hand, or before URL names were one to one), else a new one for to-dos."""
        if name not in self._chosen:
            if self._principal is None:
                self._principal = self._discover()
            found = self._by_url.get(safe_name(name))
            if found is None:
                found = self._by_display.get(name)
            self._chosen[name] = found if found is not None else self._make(self._principal, name)
        return self._chosen[name]

    def _make(self, principal: Principal, name: str) -> Calendar:
        """A new calendar for `name`, or the one another push made since this one looked."""
        from caldav.lib import error

        ident = safe_name(name)
        try:
            return principal.make_calendar(name=name, cal_id=ident,
                                           supported_calendar_component_set=["VTODO"])
        except error.MkcalendarError:
            self._by_url, self._by_display = _calendars(principal.calendars())
            if ident in self._by_url:
                return self._by_url[ident]
            raise

    def _discover(self) -> Principal:
        """The account and its calendars; an answer that is not CalDAV stops the push."""
        from caldav.lib import error

        client = self._connect()
        try:
            principal = client.principal()
            if "calendar-access" not in client.options(str(principal.url)).headers.get("DAV", ""):
                raise self._no_account("not a CalDAV server")
            self._by_url, self._by_display = _calendars(principal.calendars())
        except (error.AuthorizationError, error.RateLimitError):
            raise
        except error.DAVError as exc:
            if exc.status is None or exc.status >= 500:
                raise
            raise self._no_account(str(exc.status)) from None
        except (AttributeError, TypeError, ValueError, SyntaxError):
            # how the library fails on a page that is not CalDAV (HTML, an empty body)
            raise self._no_account("not CalDAV") from None
        return principal

    def _no_account(self, answer: str) -> CredentialsError:
        # every to-do would fail the same way: stop, so none is recorded as refused for good
        return CredentialsError(f"the server at {self.server} has no CalDAV account at the "
                                f"configured `url` ({answer}): check the `url` setting")

    def _connect(self) -> DAVClient:
        from caldav import DAVClient

        if self._client is None:
            self._client = DAVClient(url=self.url, username=self.username,
                                     password=self.password, timeout=self.timeout,
                                     enable_rfc6764=False)
        return self._client


def _calendars(calendars: list[Calendar]) -> tuple[dict[str, Calendar], dict[str, Calendar]]:
    """Calendars by the last part of their URL, and by display name."""
    by_url = {unquote(str(item.url).rstrip("/").rpartition("/")[2]): item for item in calendars}
    by_display: dict[str, Calendar] = {}
    for item in calendars:
        by_display.setdefault(item.get_display_name() or "", item)
    return by_url, by_display


def _todo_by_uid(target: Calendar, uid: str) -> Any:
    """The to-do the calendar keeps under `uid`, or None."""
    from caldav.lib import error

    try:
        return target.get_todo_by_uid(uid)
    except error.NotFoundError:
        return None


def _status(todo: Any) -> str:
    return str(todo.icalendar_component.get("STATUS", "NEEDS-ACTION")).upper()


def _path(url: Any) -> str:
    return urlsplit(str(url)).path


def _refusal(status: int | None, message: str) -> PushError:
    """A server error (5xx or no status) may pass; 401 and 403 stop; the rest is for good."""
    if status is None or status >= 500:
        return TransientError(message)
    if status in (401, 403):
        return CredentialsError(message)
    return RejectedError(message)


def _calendar_pattern(pattern: str) -> str:
    """The calendar name pattern, checked: `{assignee}` is the only field it may use."""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(pattern)
                  if field is not None}
    except ValueError:
        fields = {"?"}
    if fields - {"assignee"}:
        raise SettingsError(f"the caldav target's `calendar` pattern `{pattern}` may only use "
                            "`{assignee}` (braces written `{{` and `}}`)")
    return pattern

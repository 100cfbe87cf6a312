"""A WeCom contract server: the documented customer-contact API and its limits, on loopback.

It is a contract test against the documented API, not a test against WeCom. It implements
`gettoken`, `add_msg_template`, `get_groupmsg_send_result`, `add_moment_task`,
`get_moment_task_result`, `mark_tag` and `get_corp_tag_list`; it enforces the request limits,
the per-customer mass-message quota (an over-quota customer gets status 3 in the send result),
the customer group quota (a group receives at most as many mass sends a month as the month
has days, WeCom document 92135; an over-quota group gets status 3),
a frequency limit (45009), staff who have not confirmed yet (status 0) or who confirmed
later (`send_status`), and can play expired tokens (42001), a revoked secret or a broken
server (502). Every API
request is recorded. Tests drive it under `/_control/` (see `WecomContract`).

Run: `python tests/wecom_contract.py --port PORT`.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from loopback import free_port

CORP_ID = "ww-contract"
SECRET = "contract-secret"
TAGS = {"生命周期": {"新客7天": "etNEW7", "VIP": "etVIP", "已购": "etBOUGHT"}}
DEFAULTS: dict[str, Any] = {
    "rate_limit": 10_000,  # API calls per minute before 45009 (WeCom: 10,000 per corp per API)
    "quota": 1,  # mass messages per customer per day
    "today": None,  # the day messages are confirmed (YYYY-MM-DD); None: the real UTC date
    "revoked": False,  # the secret was reset: gettoken 40001, every token 40014
    "broken": False,  # every API call answers 502
    "delay": 0.0,  # seconds every API call waits before answering (timeouts)
    "invalid_ids": [],  # external_userids WeCom does not know: the fail_list
    "confirm": True,  # staff confirm each mass message at once; False: it waits (status 0)
}


class ApiError(Exception):
    """A WeCom error answer."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


class State:
    """What the server knows: its switches, the records, the tasks and the quota used."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Everything back to a fresh server."""
        self.config = dict(DEFAULTS)
        self.requests: list[dict[str, Any]] = []
        self.calls: deque[float] = deque()
        self.tokens = 0
        self.valid_from = 1  # tokens numbered below this have expired
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.moments: dict[str, dict[str, Any]] = {}
        self.received: Counter[tuple[str, str]] = Counter()  # (customer, day) -> messages
        self.group_received: Counter[tuple[str, str]] = Counter()  # (chat_id, month) -> posts

    def token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("corpid") != CORP_ID:
            raise ApiError(40013, "invalid corpid")
        if self.config["revoked"] or query.get("corpsecret") != SECRET:
            raise ApiError(40001, "invalid secret")
        self.tokens += 1
        return {"access_token": f"TOKEN-{self.tokens}", "expires_in": 7200}

    def check_call(self, query: dict[str, str]) -> None:
        """Token and frequency checks every API call passes first."""
        token = query.get("access_token", "")
        if self.config["revoked"] or not token.startswith("TOKEN-"):
            raise ApiError(40014, "invalid access_token")
        if int(token.removeprefix("TOKEN-")) < self.valid_from:
            raise ApiError(42001, "access_token expired")
        now = time.monotonic()
        while self.calls and now - self.calls[0] >= 60:
            self.calls.popleft()
        if len(self.calls) >= self.config["rate_limit"]:
            raise ApiError(45009, "api freq out of limit")
        self.calls.append(now)

    def day(self) -> str:
        return self.config["today"] or dt.datetime.now(dt.timezone.utc).date().isoformat()

    def add_msg_template(self, body: dict[str, Any]) -> dict[str, Any]:
        check_message(body, moments=False)
        if body.get("chat_type", "single") == "group":
            if not body.get("sender"):
                raise ApiError(40058, "sender is required for chat_type group")
            if len(body.get("chat_id_list", [])) > 2000:
                raise ApiError(40058, "chat_id_list takes at most 2000 chats")
            msgid = f"msg{len(self.messages) + 1:06d}"
            self.messages[msgid] = [self._posted(chat, body["sender"])
                                    for chat in body.get("chat_id_list", [])]
            return {"fail_list": [], "msgid": msgid}
        else:
            customers = body.get("external_userid", [])
            if len(customers) > 10_000:
                raise ApiError(40058, "external_userid takes at most 10000 customers")
            if not customers and not body.get("sender"):
                raise ApiError(40058, "no recipients: external_userid or sender is required")
        invalid = set(self.config["invalid_ids"])
        msgid = f"msg{len(self.messages) + 1:06d}"
        self.messages[msgid] = [self._delivered(customer, body.get("sender", ""))
                                for customer in customers if customer not in invalid]
        return {"fail_list": [customer for customer in customers if customer in invalid],
                "msgid": msgid}

    def _posted(self, chat: str, sender: str) -> dict[str, Any]:
        """The owner posts to the group at once; over the month's quota the group gets nothing."""
        day = dt.date.fromisoformat(self.day())
        key = (chat, self.day()[:7])
        over = self.group_received[key] >= calendar.monthrange(day.year, day.month)[1]
        self.group_received[key] += 0 if over else 1
        return {"chat_id": chat, "userid": sender, "status": 3 if over else 1,
                "send_time": int(time.time())}

    def _delivered(self, customer: str, sender: str) -> dict[str, Any]:
        """The staff member confirms at once; over the day's quota the customer gets nothing."""
        if not self.config["confirm"]:
            return {"external_userid": customer, "userid": sender, "status": 0, "send_time": 0}
        key = (customer, self.day())
        over = self.received[key] >= self.config["quota"]
        self.received[key] += 0 if over else 1
        return {"external_userid": customer, "userid": sender, "status": 3 if over else 1,
                "send_time": int(time.time())}

    def send_result(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("msgid") not in self.messages:
            raise ApiError(41063, "invalid msgid")
        rows = [row for row in self.messages[body["msgid"]]
                if not body.get("userid") or row["userid"] == body["userid"]]
        start, limit = int(body.get("cursor") or 0), int(body.get("limit") or 500)
        end = start + min(limit, 1000)
        return {"send_list": rows[start:end], "next_cursor": str(end) if end < len(rows) else ""}

    def set_statuses(self, statuses: dict[str, int]) -> None:
        """Set customers' rows in every mass message's send result (what staff did since)."""
        for rows in self.messages.values():
            for row in rows:
                if row["external_userid"] in statuses:
                    row["status"] = statuses[row["external_userid"]]
                    row["send_time"] = int(time.time()) if row["status"] == 1 else 0

    def add_moment_task(self, body: dict[str, Any]) -> dict[str, Any]:
        check_message(body, moments=True)
        users = body.get("visible_range", {}).get("sender_list", {}).get("user_list", [])
        if len(users) > 100_000:
            raise ApiError(40058, "user_list takes at most 100000 members")
        jobid = f"job{len(self.moments) + 1:06d}"
        self.moments[jobid] = {"status": 3, "type": "add_moment_task", "result": {
            "errcode": 0, "errmsg": "ok", "moment_id": f"moment{len(self.moments) + 1:06d}",
            "invalid_sender_list": {"user_list": []},
            "invalid_external_contact_list": {"tag_list": []}}}
        return {"jobid": jobid}

    def moment_result(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("jobid") not in self.moments:
            raise ApiError(40058, "invalid jobid")
        return self.moments[query["jobid"]]

    def mark_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("userid") or not body.get("external_userid"):
            raise ApiError(40058, "userid and external_userid are required")
        add, remove = body.get("add_tag") or [], body.get("remove_tag") or []
        if not add and not remove:
            raise ApiError(40058, "add_tag and remove_tag cannot both be empty")
        known = {tag for group in TAGS.values() for tag in group.values()}
        if any(tag not in known for tag in add + remove):
            raise ApiError(40068, "invalid tagid")
        if body["external_userid"] in self.config["invalid_ids"]:
            raise ApiError(84061, "not external contact")
        return {}

    def corp_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"tag_group": [
            {"group_id": f"et-group-{n}", "group_name": name, "create_time": 0, "order": n,
             "tag": [{"id": tag_id, "name": tag, "create_time": 0, "order": i}
                     for i, (tag, tag_id) in enumerate(tags.items())]}
            for n, (name, tags) in enumerate(TAGS.items())]}


def check_message(body: dict[str, Any], moments: bool) -> None:
    """The documented limits on a message's text and attachments."""
    text = body.get("text", {}).get("content", "")
    if len(text.encode()) > 4000:
        raise ApiError(45002, "content size out of limit: text takes at most 4000 bytes")
    attachments = body.get("attachments", [])
    if not text and not attachments:
        raise ApiError(44004, "empty content")
    if len(attachments) > 9:
        raise ApiError(40058, "at most 9 attachments")
    for attachment in attachments:
        kind = attachment.get("msgtype")
        if kind not in attachment:
            raise ApiError(40058, f"attachment msgtype `{kind}` does not match its content")
    if moments:
        kinds = Counter(attachment["msgtype"] for attachment in attachments)
        if set(kinds) - {"image"} and (len(attachments) > 1 or set(kinds) - {"video", "link"}):
            raise ApiError(40058, "moments take up to 9 images, or 1 video, or 1 link")


POSTS = {"externalcontact/add_msg_template": State.add_msg_template,
         "externalcontact/get_groupmsg_send_result": State.send_result,
         "externalcontact/add_moment_task": State.add_moment_task,
         "externalcontact/mark_tag": State.mark_tag,
         "externalcontact/get_corp_tag_list": State.corp_tags}
GETS = {"externalcontact/get_moment_task_result": State.moment_result}


class Handler(BaseHTTPRequestHandler):
    """Routes `/cgi-bin/<api>` to the state and `/_control/<what>` to the test controls."""

    state: State

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self._reply(200, {"errcode": 47001, "errmsg": "data format error"})
            return
        with self.state.lock:
            if url.path.startswith("/_control/"):
                self._reply(200, self._control(url.path[len("/_control/"):], body))
                return
            self.state.requests.append({"method": method, "path": url.path, "query": query,
                                        "body": body})
            status, answer = self._api(method, url.path.removeprefix("/cgi-bin/"), query, body)
            delay = self.state.config["delay"]
        time.sleep(delay)
        self._reply(status, answer)

    def _api(self, method: str, api: str, query: dict[str, str],
             body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self.state
        if state.config["broken"]:
            return 502, {"error": "bad gateway"}
        routes = GETS if method == "GET" else POSTS
        if api != "gettoken" and api not in routes:
            return 404, {"errcode": 404, "errmsg": f"no api {api}"}
        try:
            if api == "gettoken":
                return 200, {"errcode": 0, "errmsg": "ok", **state.token(query)}
            state.check_call(query)
            argument = query if method == "GET" else body
            return 200, {"errcode": 0, "errmsg": "ok", **routes[api](state, argument)}
        except ApiError as error:
            return 200, {"errcode": error.errcode, "errmsg": error.errmsg}

    def _control(self, what: str, body: dict[str, Any]) -> Any:
        if what == "reset":
            self.state.reset()
        elif what == "config":
            self.state.config.update(body)
        elif what == "expire":
            self.state.valid_from = self.state.tokens + 1
        elif what == "send_status":
            self.state.set_statuses(body)
        elif what == "requests":
            return self.state.requests
        return {"ok": True}

    def _reply(self, status: int, answer: Any) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - overridden name
        """Quiet: tests read the recorded requests instead."""


class WecomContract:
    """The contract server as a subprocess on a free loopback port, and its controls."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root}/cgi-bin/"
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready(timeout=20.0)

    def control(self, what: str, body: dict[str, Any] | None = None) -> Any:
        """Call a control: `reset`, `config` (switches, see DEFAULTS), `expire` (every token
        issued so far), `send_status` (customer -> send result status) or `requests`."""
        request = urllib.request.Request(f"{self.root}/_control/{what}", method="POST",
                                         data=json.dumps(body or {}).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def configure(self, **switches: Any) -> None:
        """Change switches (rate_limit, quota, today, revoked, broken, delay, invalid_ids,
        confirm)."""
        self.control("config", switches)

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        """The recorded API requests, optionally those to one API (e.g. `mark_tag`)."""
        recorded = self.control("requests")
        return [r for r in recorded if path is None or r["path"].endswith("/" + path)]

    def stop(self) -> None:
        """Stop the server process."""
        self.process.kill()
        self.process.wait(timeout=10)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the WeCom contract server exited at start")
            try:
                self.control("requests")
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the WeCom contract server did not start in time")




def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    Handler.state = State()
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()

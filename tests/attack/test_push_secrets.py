"""Secrets against every push target: a server echoing each request back in its errors, URLs
carrying passwords and tokens, and random secrets full of the characters encoders change.
None of them may reach standard output, standard error or the ledger, in any encoding."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from echo_server import EchoServer, echo_server
from secret_kit import ascii_secrets, encoded, special_secrets
from sopdsl.cli import main
from sopdsl.push.secrets import MASK
from wecom_kit import TAG_IDS

# How each target's server refuses, echoing the request: a status, a JSON-RPC error, a WeCom
# error code (not a credentials one, so the refusal is recorded in the ledger).
REPLIES = {
    "webhook": lambda text: (422, "text/plain", text),
    "tryton": lambda text: (200, "application/json",
                            json.dumps({"error": ["UserError", [text]]})),
    "wecom": lambda text: (200, "application/json",
                           json.dumps({"errcode": 40058, "errmsg": text})),
    "caldav": lambda text: (500, "text/plain", text),
}


USES_TOKEN = ("webhook", "caldav")  # targets whose URL may carry query parameters


def settings_for(target: str, server: EchoServer, secret: str, password: str,
                 token: str) -> dict[str, str]:
    """The target's settings: `secret` in its secret setting, `password` in the userinfo of
    its URL and `token` in a query parameter where the target's URL may have one."""
    host = server.url.removeprefix("http://")
    userinfo = f"ops:{quote(password, safe='')}@{host}"
    values = {
        "webhook": {"url": f"http://{userinfo}/events?token={quote(token, safe='')}",
                    "secret": secret},
        "tryton": {"url": f"http://{userinfo}", "database": "crm", "user": "admin",
                   "password": secret},
        "wecom": {"corp_id": "ww-echo", "secret": secret, "tag_ids": TAG_IDS,
                  "base_url": f"http://{userinfo}/cgi-bin/"},
        "caldav": {"url": f"http://{userinfo}/dav/?access_token={quote(token, safe='')}",
                   "username": "ops", "password": secret},
    }[target]
    return {f"SOPDSL_{target.upper()}_{key.upper()}": value for key, value in values.items()}


@pytest.fixture(scope="module", params=sorted(REPLIES))
def target(request) -> Iterator[tuple[str, EchoServer]]:
    """Each target with its echoing server."""
    with echo_server(REPLIES[request.param]) as server:
        yield request.param, server


# The fixed text of the requests the targets make (iCalendar objects for CalDAV, with the
# time zone's VTIMEZONE): a "secret" inside it cannot be told apart from it.
PROTOCOL_TEXT = "\r\n".join((
    "BEGIN:VCALENDAR", "VERSION:2.0", "CALSCALE:GREGORIAN", "BEGIN:VTIMEZONE", "BEGIN:STANDARD",
    "BEGIN:DAYLIGHT", "END:STANDARD", "END:DAYLIGHT", "END:VTIMEZONE", "BEGIN:VTODO",
    "STATUS:NEEDS-ACTION", "END:VTODO", "END:VCALENDAR", "DTSTART;TZID=", "DUE;TZID=",
    "TZOFFSETFROM:", "TZOFFSETTO:", "TZNAME:", "X-SOPDSL-CUSTOMER:", "X-SOPDSL-JOURNEY:",
    "X-SOPDSL-REACH:", "X-SOPDSL-SOURCE:", "X-SOPDSL-STEP:", "X-WR-CALNAME:", ""))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=special_secrets, password=ascii_secrets, token=special_secrets)
def test_no_secret_reaches_output_or_the_ledger(target, sample_plan_file, secret, password,
                                               token):
    """A push whose every request is refused with an echo of it, and a dry run: the secret
    setting, the URL's password and its token appear in no encoding in what is printed or
    recorded, and what the server echoed is shown masked."""
    name, server = target
    kept = (secret, password, token) if name in USES_TOKEN else (secret, password)
    # A secret that is a piece of the protocol's own text (`END:VC` of iCalendar's
    # `END:VCALENDAR`) cannot be told apart from it in what is recorded.
    assume(not any(value in PROTOCOL_TEXT for value in kept))
    server.planted = [form for value in kept for form in encoded(value)]
    with tempfile.TemporaryDirectory() as folder:
        env = {"XDG_CONFIG_HOME": folder, "SOPDSL_PUSH_CONFIG": "",
               **settings_for(name, server, secret, password, token)}
        ledger = Path(folder) / "ledger.sqlite"
        command = ["push", str(sample_plan_file), "--to", name, "--ledger", str(ledger),
                   "--max-attempts", "1"]
        pushed = CliRunner().invoke(main, command, env=env)
        dry = CliRunner().invoke(main, [*command, "--dry-run"], env=env)
        recorded = b"".join(path.read_bytes() for path in Path(folder).glob("ledger.sqlite*"))
    assert pushed.exit_code == 1 and dry.exit_code == 0, pushed.output + dry.output
    if name != "caldav":  # the CalDAV target never repeats what the server said
        assert MASK in pushed.stderr
    shown = pushed.stdout + pushed.stderr + dry.stdout + dry.stderr
    for value in kept:
        for form in encoded(value):
            assert form not in shown and form.encode() not in recorded, (value, form)

"""End-to-end tests for `sopdsl push`: exit codes, the dry run, secrets, bad inputs."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from golden import GOLDEN_ROOT, assert_golden
from sopdsl.cli import main
from webhook_receiver import closed_port_url, receiver

SECRET = "S3CRET-hook-7f1d2c"


def push(plan: Path, *args: str, url: str | None = None, **env: str):
    environ = {"XDG_CONFIG_HOME": os.getcwd(), "SOPDSL_PUSH_CONFIG": ""}
    if url is not None:
        environ["SOPDSL_WEBHOOK_URL"] = url
    environ.update(env)
    return CliRunner().invoke(main, ["push", str(plan), "--to", "webhook", *args], env=environ)


def ledger_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("ledger.sqlite*")))


def test_dry_run_prints_the_events_and_writes_nothing(sample_plan_file, working_folder):
    """--dry-run prints one JSON line per request (golden), needs no secret, creates no
    ledger and exits 0."""
    result = push(sample_plan_file, "--dry-run", url="https://scrm.example/hooks/sop")
    assert result.exit_code == 0, result.output
    assert_golden(GOLDEN_ROOT / "push" / "webhook_dry_run.jsonl", result.stdout)
    assert "would send" in result.stderr and not (working_folder / ".sopdsl").exists()


def test_push_then_rerun_exit_0_and_nothing_twice(sample_plan_file, working_folder, receiver):
    """A full push exits 0 with the ledger in .sopdsl/; the re-run sends nothing and exits 0."""
    first = push(sample_plan_file, url=receiver.url)
    assert first.exit_code == 0, first.output
    assert "accepted" in first.stderr and (working_folder / ".sopdsl" / "ledger.sqlite").is_file()
    second = push(sample_plan_file, url=receiver.url)
    assert second.exit_code == 0 and "already pushed" in second.stderr
    assert receiver.requests == 12 and len(receiver.events) == 12


def test_dry_run_after_a_push_shows_only_what_is_missing(sample_plan_file, working_folder,
                                                        receiver):
    """After a push that stopped half way the dry run lists only the tasks still to send."""
    receiver.script = [200, 200, 401]
    stopped = push(sample_plan_file, url=receiver.url)
    assert stopped.exit_code == 1
    assert "refused the credentials" in stopped.stderr and "re-run" in stopped.stderr
    dry = push(sample_plan_file, "--dry-run", url=receiver.url)
    assert len(dry.stdout.splitlines()) == 10


def test_server_down_exits_1_and_the_rerun_completes(sample_plan_file, working_folder, receiver):
    """An unreachable server is exit 1 with nothing lost; the re-run sends all, once."""
    down = push(sample_plan_file, "--max-attempts", "1", url=closed_port_url())
    assert down.exit_code == 1 and "cannot reach" in down.stderr
    up = push(sample_plan_file, url=receiver.url)
    assert up.exit_code == 0 and len(receiver.deliveries) == 12


def test_rejections_exit_1_and_are_not_sent_again(sample_plan_file, working_folder, receiver):
    """A refused event is exit 1 with its reason shown; the re-run does not send it again
    and still exits 1, until --retry-rejected sends it."""
    receiver.script = [(422, {}, b"unknown customer")]
    first = push(sample_plan_file, url=receiver.url)
    assert first.exit_code == 1 and "unknown customer" in first.stderr
    again = push(sample_plan_file, url=receiver.url)
    assert again.exit_code == 1 and receiver.requests == 12
    retried = push(sample_plan_file, "--retry-rejected", url=receiver.url)
    assert retried.exit_code == 0 and receiver.requests == 13


def test_the_secret_appears_nowhere(sample_plan_file, working_folder, receiver):
    """A secret from the environment signs requests but is never printed or recorded, not
    even when the server echoes it back."""
    receiver.script = [(422, {}, f"bad signature, expected key {SECRET}".encode()), 200, 401]
    results = [push(sample_plan_file, url=receiver.url, SOPDSL_WEBHOOK_SECRET=SECRET),
               push(sample_plan_file, "--dry-run", url=receiver.url, SOPDSL_WEBHOOK_SECRET=SECRET)]
    assert receiver.deliveries[0]["headers"]["X-Sopdsl-Signature"].startswith("sha256=")
    for result in results:
        assert SECRET not in result.stdout and SECRET not in result.stderr
    assert "***" in results[0].stderr
    assert SECRET.encode() not in ledger_bytes(working_folder / ".sopdsl")


def test_secret_in_a_config_file_is_used_and_hidden(sample_plan_file, working_folder, receiver):
    """--config names a TOML file whose [push.webhook] table holds url and secret."""
    config = working_folder / "push.toml"
    config.write_text(f'[push.webhook]\nurl = "{receiver.url}"\nsecret = "{SECRET}"\n',
                      encoding="utf-8")
    result = push(sample_plan_file, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output and len(receiver.deliveries) == 12


@pytest.mark.parametrize("args,message", [
    (["--to", "webhok"], "did you mean `webhook`?"),
    (["--to", "salesforce"], "the targets are"),
])
def test_unknown_target_is_a_usage_error(sample_plan_file, working_folder, args, message):
    """An unknown --to exits 2 with a did-you-mean or the list of targets."""
    result = CliRunner().invoke(main, ["push", str(sample_plan_file), *args])
    assert result.exit_code == 2 and message in result.stderr


def test_secrets_cannot_be_given_on_the_command_line(sample_plan_file, working_folder):
    """There is no option for a secret: trying one is a usage error."""
    result = push(sample_plan_file, "--secret", SECRET, url="https://scrm.example")
    assert result.exit_code == 2 and "No such option" in result.stderr


def test_missing_setting_exits_2(sample_plan_file, working_folder):
    """Without a url the push stops before anything happens, naming where to set it."""
    result = push(sample_plan_file)
    assert result.exit_code == 2 and "SOPDSL_WEBHOOK_URL" in result.stderr


def test_bad_plan_exits_2_with_its_position(working_folder):
    """A plan that is not JSON is an E621 at file:line:col, exit 2, no traceback."""
    bad = working_folder / "plan.json"
    bad.write_text('{"schema": "sopdsl.plan",\n  "version": 1,\n  oops', encoding="utf-8")
    result = push(bad, url="https://scrm.example")
    assert result.exit_code == 2 and "plan.json:3:3: E621" in result.stderr
    assert "Traceback" not in result.output


def test_corrupt_ledger_exits_2(sample_plan_file, working_folder):
    """A corrupt ledger file is an E625, exit 2, and is left as it was."""
    ledger = working_folder / "ledger.sqlite"
    ledger.write_bytes(b"garbage" * 1000)
    result = push(sample_plan_file, "--ledger", str(ledger), url="https://scrm.example")
    assert result.exit_code == 2 and "E625" in result.stderr
    assert ledger.read_bytes() == b"garbage" * 1000


def test_bad_config_exits_2(sample_plan_file, working_folder):
    """A push configuration that is not TOML is an E626 at its line, exit 2."""
    config = working_folder / "push.toml"
    config.write_text("[push.webhook\n", encoding="utf-8")
    result = push(sample_plan_file, "--config", str(config))
    assert result.exit_code == 2 and "push.toml:1:" in result.stderr and "E626" in result.stderr


def test_ledger_rows_name_the_destination_without_credentials(sample_plan_file, working_folder,
                                                             receiver):
    """The ledger records the server without user, password or query string."""
    url = receiver.url.replace("http://", f"http://user:{SECRET}@") + f"?token={SECRET}"
    result = push(sample_plan_file, url=url)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(working_folder / ".sopdsl" / "ledger.sqlite") as db:
        destinations = db.execute("SELECT DISTINCT destination FROM pushed").fetchall()
    assert destinations == [(receiver.url,)]
    assert SECRET not in result.output
    assert json.loads(receiver.deliveries[0]["body"])["source"] == "sopdsl://playbooks/onboarding"


def test_an_empty_ledger_file_exits_2_and_sends_nothing(sample_plan_file, working_folder, receiver):
    """A 0-byte ledger (cut short by a full disk, or made by `touch`) is an E625, exit 2: it
    is never taken for a new ledger that would send every task again."""
    ledger = working_folder / "ledger.sqlite"
    ledger.touch()
    result = push(sample_plan_file, "--ledger", str(ledger), url=receiver.url)
    assert result.exit_code == 2 and "E625" in result.stderr and "empty" in result.stderr
    assert receiver.requests == 0 and ledger.read_bytes() == b""


def test_a_ledger_broken_mid_push_exits_1_saying_requests_went_out(sample_plan_file, working_folder,
                                                                   receiver):
    """A ledger damaged while the push runs stops it with exit 1 (some tasks were sent) and a
    message saying so, not exit 2 ("nothing was sent")."""
    def damage() -> None:
        for path in (working_folder / ".sopdsl").glob("ledger.sqlite*"):
            path.write_bytes(b"\xff" * path.stat().st_size)

    receiver.script = [200, 200, 200, damage]
    result = push(sample_plan_file, url=receiver.url)
    assert result.exit_code == 1, result.output
    assert "the ledger failed after 4 requests" in result.stderr
    assert "E625" not in result.stderr and receiver.requests == 4


def test_what_a_server_says_is_shown_as_it_is(sample_plan_file, working_folder, receiver):
    """A refusal whose body looks like console markup is printed verbatim, not interpreted
    (and never a traceback for a closing tag that opens nothing)."""
    receiver.script = [(422, {}, b"[/bold] no such [red]customer[/red]")]
    result = push(sample_plan_file, url=receiver.url)
    assert result.exit_code == 1, result.output
    assert "HTTP 422: [/bold] no such [red]customer[/red]" in result.stderr

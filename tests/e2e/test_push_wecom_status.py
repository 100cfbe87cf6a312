"""`sopdsl push --to wecom --status` end to end: push, let staff act on the WeCom contract
server, poll through wechatpy (a contract test against the documented API, not WeCom)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner
from wecom_contract import SECRET
from wecom_kit import TAG_IDS, contract, sample_plan, send_task  # noqa: F401 - fixture

from sopdsl.cli import main

CUSTOMERS = {"guide_chen": ["c1", "c2", "c3"], "guide_lin": ["c4", "c5"]}


@pytest.fixture
def server(contract):
    contract.control("reset")
    contract.configure(today="2026-12-02", confirm=False)
    return contract


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    """Five private-chat sends by two staff members, one mass message each."""
    tasks = [send_task(customer, sender=sender)
             for sender, customers in CUSTOMERS.items() for customer in customers]
    plan = sample_plan("onboarding").model_copy(update={"tasks": tasks})
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(plan.model_dump_json(by_alias=True, indent=2), encoding="utf-8")
    return path


def push(server, plan_file, tmp_path, *options, target="wecom"):
    """Run `sopdsl push PLAN --to TARGET` with the WeCom settings in the environment."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "SOPDSL_PUSH_CONFIG": "",
           "SOPDSL_WECOM_CORP_ID": "ww-contract", "SOPDSL_WECOM_SECRET": SECRET,
           "SOPDSL_WECOM_BASE_URL": server.base_url, "SOPDSL_WECOM_TAG_IDS": TAG_IDS,
           "SOPDSL_WECOM_RATE_LIMIT_WAIT": "0.05"}
    return CliRunner().invoke(main, ["push", str(plan_file), "--to", target, "--ledger",
                                     str(tmp_path / "ledger.sqlite"), *options], env=env)


def status_json(server, plan_file, tmp_path):
    result = push(server, plan_file, tmp_path, "--status", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_counts_each_status_per_sender(server, plan_file, tmp_path):
    """After staff send to one customer and WeCom marks one over quota and one not a friend,
    the poll counts each status per sender and nothing is sent."""
    assert push(server, plan_file, tmp_path).exit_code == 0
    server.control("send_status", {"c1": 1, "c2": 3, "c4": 2})
    created = len(server.requests("add_msg_template"))
    report = status_json(server, plan_file, tmp_path)
    assert report["by_sender"] == {
        "guide_chen": {"sent": 1, "over quota": 1, "waiting for staff": 1},
        "guide_lin": {"not a friend": 1, "waiting for staff": 1}}
    assert report["counts"] == {"sent": 1, "over quota": 1, "waiting for staff": 2,
                                "not a friend": 1}
    assert report["remote_ids_polled"] == 2 and report["complete"]
    assert len(server.requests("add_msg_template")) == created


def test_status_table_shows_senders_and_the_summary(server, plan_file, tmp_path):
    """The text report has a row per sender and a summary line with every count."""
    assert push(server, plan_file, tmp_path).exit_code == 0
    server.control("send_status", {"c1": 1, "c5": 1})
    result = push(server, plan_file, tmp_path, "--status")
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
            for line in result.stdout.splitlines() if line.count("│") > 2}
    assert rows["guide_chen"] == ["1", "2"] and rows["guide_lin"] == ["1", "1"]
    assert "5 tasks in 2 wecom tasks polled: 2 sent, 3 waiting for staff" in result.stdout


def test_second_poll_says_what_changed_and_the_ledger_keeps_it(server, plan_file, tmp_path):
    """A second poll reports the tasks whose status changed since the first, and the ledger
    holds each task's latest status."""
    assert push(server, plan_file, tmp_path).exit_code == 0
    first = status_json(server, plan_file, tmp_path)
    assert first["changes"] == [] and first["last_polled"] is None
    server.control("send_status", {"c2": 1, "c3": 1})
    second = status_json(server, plan_file, tmp_path)
    assert second["changes"] == [{"from": "waiting for staff", "to": "sent", "tasks": 2}]
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        stored = sorted(row[0] for row in db.execute("SELECT status FROM delivery"))
    assert stored == ["sent", "sent", "waiting for staff", "waiting for staff",
                      "waiting for staff"]


def test_revoked_secret_while_polling_exits_1_without_the_secret(server, plan_file, tmp_path):
    """A secret revoked after the push makes the poll exit 1, naming the error, never the
    secret."""
    assert push(server, plan_file, tmp_path).exit_code == 0
    server.configure(revoked=True)
    result = push(server, plan_file, tmp_path, "--status")
    assert result.exit_code == 1, result.output
    assert "40001" in result.output and "5 tasks not polled" in result.output
    assert SECRET not in result.output


def test_status_without_a_ledger_is_a_usage_error(server, plan_file, tmp_path):
    """Polling with no ledger file exits 2, names E625 and creates no ledger."""
    result = push(server, plan_file, tmp_path, "--status")
    assert result.exit_code == 2
    assert "E625" in result.output and "push the plan first" in result.output
    assert not (tmp_path / "ledger.sqlite").exists()


@pytest.mark.parametrize(("options", "target", "message"), [
    (("--status", "--dry-run"), "wecom", "cannot be used with --dry-run"),
    (("--status",), "webhook", "the webhook target cannot report"),
    (("--format", "json"), "wecom", "--format applies to --status only"),
])
def test_status_usage_errors_exit_2(server, plan_file, tmp_path, options, target, message):
    """Options that send, targets that cannot be asked and a stray --format exit 2."""
    result = push(server, plan_file, tmp_path, *options, target=target)
    assert result.exit_code == 2
    assert message in result.output
    assert server.requests() == []

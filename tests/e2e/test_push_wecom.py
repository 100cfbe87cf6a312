"""`sopdsl push --to wecom` end to end: the CLI through wechatpy against the WeCom contract
server (a contract test against the documented API, not a test against WeCom)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from wecom_contract import SECRET
from wecom_kit import TAG_IDS, contract, sample_plan, target  # noqa: F401 - fixture

from sopdsl.cli import main


@pytest.fixture
def server(contract):
    contract.control("reset")
    contract.configure(today="2026-12-02")
    return contract


def push(server, sample_plan_file, tmp_path, *options, **settings):
    """Run `sopdsl push PLAN --to wecom` with the settings in the environment."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "SOPDSL_PUSH_CONFIG": "",
           "SOPDSL_WECOM_CORP_ID": "ww-contract", "SOPDSL_WECOM_SECRET": SECRET,
           "SOPDSL_WECOM_BASE_URL": server.base_url, "SOPDSL_WECOM_TAG_IDS": TAG_IDS,
           "SOPDSL_WECOM_RATE_LIMIT_WAIT": "0.05",
           **{f"SOPDSL_WECOM_{key.upper()}": value for key, value in settings.items()}}
    return CliRunner().invoke(main, ["push", str(sample_plan_file), "--to", "wecom", "--ledger",
                                     str(tmp_path / "ledger.sqlite"), *options], env=env)


def api_bodies(server):
    return [r["body"] for r in server.requests() if not r["path"].endswith("/gettoken")]


@pytest.fixture(scope="module")
def payloads():
    """The onboarding plan's request bodies, in sending order (3: two messages, one tag)."""
    return [batch.payload for batch in target().batches(None, sample_plan("onboarding").tasks)]


def test_push_sends_the_dry_run_requests_once(server, sample_plan_file, tmp_path, payloads):
    """The dry run shows the bodies offline, the push sends exactly them, a re-push nothing."""
    dry = push(server, sample_plan_file, tmp_path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    shown = [json.loads(line)["payload"] for line in dry.stdout.splitlines()
             if line.startswith("{")]
    assert shown == payloads and server.requests() == []
    first = push(server, sample_plan_file, tmp_path)
    assert first.exit_code == 0, first.output
    assert api_bodies(server) == payloads
    again = push(server, sample_plan_file, tmp_path)
    assert again.exit_code == 0, again.output
    assert api_bodies(server) == payloads


def test_frequency_limit_backs_off_bounded_then_the_rerun_completes(server, sample_plan_file,
                                                                    tmp_path, payloads):
    """45009 is retried a bounded number of times and the push ends with exit 1; once the
    limit lifts a re-run sends the rest, and nothing accepted is sent again."""
    server.configure(rate_limit=1)
    limited = push(server, sample_plan_file, tmp_path, "--max-attempts", "3")
    assert limited.exit_code == 1, limited.output
    assert "45009" in limited.output
    first, second, tag = payloads
    assert api_bodies(server) == [first, second, second, second]
    server.configure(rate_limit=10_000)
    rerun = push(server, sample_plan_file, tmp_path)
    assert rerun.exit_code == 0, rerun.output
    assert api_bodies(server) == [first, second, second, second, second, tag]


def test_revoked_secret_stops_the_push_without_showing_it(server, sample_plan_file, tmp_path):
    """A revoked secret stops the push with exit 1, naming the error and never the secret."""
    server.configure(revoked=True)
    result = push(server, sample_plan_file, tmp_path)
    assert result.exit_code == 1
    assert "40001" in result.output and SECRET not in result.output
    assert api_bodies(server) == []

"""JSON, URLs and numbers from files and settings: what cannot be used is a message, never a
traceback (deep nesting, 5,000-digit integers, malformed IPv6 hosts, nan and inf)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl import jsontext
from sopdsl.cli import main
from sopdsl.push.caldav import CaldavTarget
from sopdsl.push.target import MAX_SECONDS, SettingsError, TargetSettings, address
from sopdsl.push.tryton import TrytonTarget
from sopdsl.push.webhook import WebhookTarget
from sopdsl.push.wecom import WecomTarget

ROOT = Path(__file__).resolve().parents[2]
ONBOARDING = str(ROOT / "playbooks" / "onboarding.sop")
DEEP = "[" * 100_000 + "]" * 100_000
LONG_INTEGER = "9" * 5000
BAD_URLS = ["http://[::1/", "http://[zz]:80/", "http://user:s3cret@[::1/path",
            "https://[fe80::1%25eth0:443/", "http://host:99999/"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(json_values)
def test_json_text_reads_what_json_reads(value: object) -> None:
    """Valid JSON reads to the same value."""
    assert jsontext.loads(json.dumps(value)) == value


@pytest.mark.parametrize(("text", "reason"), [
    (DEEP, "nested too deeply"), ('{"a": ' + LONG_INTEGER + "}", "too many digits"),
    ("{", "Expecting"),
])
def test_json_text_that_cannot_be_read_is_a_decode_error(text: str, reason: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=reason):
        jsontext.loads(text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.floats() | st.text(max_size=12).map(str))
def test_seconds_are_above_zero_and_at_most_an_hour(value: float | str) -> None:
    """Accepted exactly when the text is a number in (0, MAX_SECONDS]: nan, inf, 1e308,
    zero and negatives are a SettingsError; an empty setting takes the default."""
    text = str(value)
    try:
        number = float(text or "10")
    except ValueError:
        number = math.nan
    settings_ = TargetSettings("webhook", {"timeout": text})
    if 0 < number <= MAX_SECONDS:
        assert settings_.seconds("timeout", "10") == number
    else:
        with pytest.raises(SettingsError, match="must be a number of seconds"):
            settings_.seconds("timeout", "10")


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_address_is_a_settings_error_that_shows_no_secret(url: str) -> None:
    with pytest.raises(SettingsError) as raised:
        address(url, "webhook")
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize("url", BAD_URLS[:3])
@pytest.mark.parametrize(("make", "key", "values"), [
    (WebhookTarget, "url", {}),
    (CaldavTarget, "url", {}),
    (TrytonTarget, "url", {"database": "d", "user": "u", "password": "p"}),
    (WecomTarget, "base_url", {"corp_id": "c", "secret": "s3cret"}),
])
def test_every_target_refuses_a_malformed_address(make, key: str, values: dict,
                                                  url: str) -> None:
    """At construction, before any request (WeCom retried six requests for a minute)."""
    with pytest.raises(SettingsError, match=f"`{key}`"):
        make(TargetSettings(make.name, {key: url, **values}))


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "1e308", "-1", "0", "3601"])
@pytest.mark.parametrize(("make", "values"), [
    (WebhookTarget, {"url": "https://hooks.example/sop"}),
    (CaldavTarget, {"url": "https://dav.example/"}),
    (TrytonTarget, {"url": "http://erp.example", "database": "d", "user": "u", "password": "p"}),
    (WecomTarget, {"corp_id": "c", "secret": "s"}),
])
def test_every_target_refuses_a_timeout_that_makes_no_sense(make, values: dict,
                                                            timeout: str) -> None:
    with pytest.raises(SettingsError, match="`timeout`"):
        make(TargetSettings(make.name, {**values, "timeout": timeout}))


@pytest.mark.parametrize("wait", ["nan", "inf", "-inf", "1e308", "-1", "86401"])
def test_push_max_wait_that_makes_no_sense_is_a_usage_error(sample_plan_file, tmp_path,
                                                            wait: str) -> None:
    result = CliRunner().invoke(main, ["push", str(sample_plan_file), "--to", "webhook",
                                       "--dry-run", "--max-wait", wait],
                                env={"XDG_CONFIG_HOME": str(tmp_path), "SOPDSL_PUSH_CONFIG": "",
                                     "SOPDSL_WEBHOOK_URL": "https://hooks.example/sop"})
    assert result.exit_code == 2 and "Invalid value for '--max-wait'" in result.output


@pytest.mark.parametrize("size", ["nan", "inf", "1e400", "-5", "0"])
def test_a_tryton_batch_size_that_makes_no_sense_is_refused(size: str) -> None:
    with pytest.raises(SettingsError, match="`batch_size`"):
        TrytonTarget(TargetSettings("tryton", {"url": "http://erp.example", "database": "d",
                                               "user": "u", "password": "p",
                                               "batch_size": size}))


@pytest.mark.parametrize("tag_ids", [DEEP, '{"VIP": ' + LONG_INTEGER + "}"])
def test_wecom_tag_ids_that_cannot_be_read_are_a_usage_error(sample_plan_file, tmp_path,
                                                             tag_ids: str) -> None:
    """SOPDSL_WECOM_TAG_IDS deeply nested or with a 5,000-digit number: exit 2, a message."""
    result = CliRunner().invoke(main, ["push", str(sample_plan_file), "--to", "wecom",
                                       "--dry-run"],
                                env={"XDG_CONFIG_HOME": str(tmp_path), "SOPDSL_PUSH_CONFIG": "",
                                     "SOPDSL_WECOM_CORP_ID": "c",
                                     "SOPDSL_WECOM_SECRET": "S3CRET-wecom-77",
                                     "SOPDSL_WECOM_TAG_IDS": tag_ids})
    assert result.exit_code == 2, result.output
    assert "`tag_ids` must be a JSON object" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("body", "reason"), [
    (DEEP, "nested too deeply"), ('{"a": ' + LONG_INTEGER + "}", "a number with too many digits"),
])
def test_a_plan_file_that_cannot_be_read_is_e621(tmp_path: Path, body: str, reason: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(main, ["push", str(plan), "--to", "webhook", "--dry-run"],
                                env={"XDG_CONFIG_HOME": str(tmp_path), "SOPDSL_PUSH_CONFIG": "",
                                     "SOPDSL_WEBHOOK_URL": "https://hooks.example/sop"})
    assert result.exit_code == 2, result.output
    assert f"E621 error: the plan is not JSON: {reason}" in result.output


def test_json_lines_rows_that_cannot_be_read_are_bad_rows(tmp_path: Path) -> None:
    """A deeply nested row and a row with a 5,000-digit number are E606 on their lines; the
    other customers are planned (exit 1)."""
    customers = tmp_path / "customers.jsonl"
    customers.write_text("\n".join([
        '{"customer_id": "c001", "owner": "guide_chen"}', DEEP,
        '{"customer_id": "c002", "score": ' + LONG_INTEGER + "}",
        '{"customer_id": "c003", "owner": "guide_chen"}']) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", ONBOARDING, "--customers", str(customers),
                                       "--start", "2026-12-02", "--days", "1",
                                       "-o", str(tmp_path / "plan.json")])
    assert result.exit_code == 1, result.output
    assert "customers.jsonl:2:1: E606 error: not a JSON object: nested too deeply" in result.stderr
    assert "customers.jsonl:3:1: E606 error: not a JSON object: a number with too many digits" \
        in result.stderr
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))[
        "summary"]["customers"] == 2

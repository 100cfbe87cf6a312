"""End-to-end tests for `sopdsl calibrate`: the scenario it writes, JSON, and bad data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from calibration_kit import UNTIL, Truth, draw_log
from programs import ONBOARDING, SAMPLE_DATA
from sopdsl.cli import main


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_sample_data_gives_a_scenario_with_a_comment_on_every_figure():
    """The bundled sample: a scenario block, each setting line commented, exit 0."""
    result = run("calibrate", "--customers", SAMPLE_DATA / "customers.csv", "--events",
                 SAMPLE_DATA / "events.csv", "--playbook", ONBOARDING, "--until", "2026-12-02")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == "scenario fitted {" and lines[-1] == "}"
    settings = [line for line in lines[2:] if not line.strip().endswith(("{", "}"))]
    assert settings and all("  # n = " in line or "  # default: " in line or
                            "  # log-likelihood" in line for line in settings)
    assert "    daily 0.1%  # default: too little data (n = 6 buyers; needs 30)" in lines


def test_json_lists_every_figure_with_its_interval(tmp_path):
    """--format json -o: the figures of the fitted channel with sample sizes and intervals."""
    customers, events = draw_log(Truth(), 200, 3, tmp_path)
    out = tmp_path / "fitted.json"
    result = run("calibrate", "--customers", customers, "--events", events, "--until",
                 UNTIL.isoformat(), "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    opened = next(f for f in document["figures"]
                  if f["block"] == ["channel private_chat"] and f["key"] == "open")
    assert opened["fitted"] and opened["low"] < opened["value"] < opened["high"]
    assert opened["n"] == 200 * Truth().sends
    assert opened["text"].startswith("beta(")
    assert "W614" in result.stderr  # responses after --until are counted, not used


def test_bad_rows_are_diagnostics_at_their_lines(tmp_path):
    """Unknown channel, a response before its send, an amount that is not a number: each at
    file:line with its code, exit 1, no traceback, and the scenario still written."""
    (tmp_path / "c.csv").write_text("customer_id\nc1\nc2\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text(
        "customer_id,time,event,channel,amount\n"
        "c1,2026-11-01 10:00,delivered,wechat,\n"
        "c1,2026-11-01 09:00,open,sms,\n"
        "c1,2026-11-02 10:00,purchase,,12元\n"
        "c2,2026-11-03 10:00,delivered,sms,\n"
        "c2,2026-11-03 11:00,open,sms,\n", encoding="utf-8")
    result = run("calibrate", "--customers", tmp_path / "c.csv", "--events", tmp_path / "e.csv",
                 "--until", "2026-12-01")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "e.csv:2:1: E604 error" in result.stderr and "`wechat` is not a channel" in result.stderr
    assert "e.csv:3:1: E615 error" in result.stderr
    assert "e.csv:4:1: E604 error" in result.stderr and "`amount` must be a number" in result.stderr
    assert result.stdout.startswith("# fitted by sopdsl calibrate to 2 customers")


def test_unsorted_events_stop_without_a_scenario(tmp_path):
    """Rows out of customer order: E607 at the line, exit 1, nothing written."""
    (tmp_path / "c.csv").write_text("customer_id\nc1\nc2\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("customer_id,time,event\nc2,2026-11-01 10:00,purchase\n"
                                    "c1,2026-11-01 10:00,purchase\n", encoding="utf-8")
    out = tmp_path / "fitted.sop"
    result = run("calibrate", "--customers", tmp_path / "c.csv", "--events", tmp_path / "e.csv",
                 "--until", "2026-12-01", "-o", out)
    assert result.exit_code == 1
    assert "e.csv:3:1: E607 error" in result.stderr
    assert not out.exists()


def test_unreadable_file_and_bad_until_exit_2(tmp_path):
    """A missing customers file (E601) and an --until that is not a date: exit 2."""
    missing = run("calibrate", "--customers", tmp_path / "none.csv", "--until", "2026-12-01")
    assert missing.exit_code == 2 and "E601" in missing.stderr
    bad = run("calibrate", "--customers", tmp_path / "none.csv", "--until", "soon")
    assert bad.exit_code == 2 and "`soon` is not a date" in bad.output

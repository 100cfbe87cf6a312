"""`sopdsl backtest` end to end on the bundled sample data."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from programs import ROOT
from sopdsl.cli import main

SAMPLE = ROOT / "playbooks" / "data"
ARGS = ("backtest", str(ROOT / "playbooks" / "onboarding.sop"),
        "--customers", str(SAMPLE / "customers.csv"), "--events", str(SAMPLE / "events.csv"),
        "--staff", str(SAMPLE / "staff.csv"), "--at", "2026-11-20", "--days", "10",
        "--replications", "4", "--workers", "1")


def test_backtest_json_and_files(tmp_path: Path) -> None:
    """JSON on standard output with every row, the coverage, tracking per day and segments;
    --out writes the four files."""
    result = CliRunner().invoke(main, [*ARGS, "--format", "json", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["at"] == "2026-11-20" and report["days"] == 10
    names = {row["name"] for row in report["rows"]}
    assert {"purchases", "purchasers", "gmv", "arrivals", "onboarding entered",
            "onboarding first_order reached", "onboarding new_coupon_test.big entered"} <= names
    # Nobody enters in the sample's window: a goal rate has nothing to be measured on.
    assert "onboarding first_order rate" not in names
    assert len(report["tracking"]) == 10
    judged = [row for row in report["rows"] if row["covered"] is not None]
    assert report["coverage"]["figures"] == len(judged)
    assert report["coverage"]["covered"] == sum(row["covered"] for row in judged)
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "backtest.json", "segments.csv", "tracking.csv", "tracking.png"]
    assert (tmp_path / "o" / "tracking.csv").read_text().startswith(
        "day,date,actual,forecast,low,high\n1,2026-11-20,")


def test_backtest_text_and_usage_errors() -> None:
    """The text report has its tables; no --events is a usage error (exit 2)."""
    result = CliRunner().invoke(main, ARGS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Back-test from 2026-11-20 for 10 days")
    assert "Coverage:" in result.stdout and "repeat purchases before" in result.stdout
    no_events = CliRunner().invoke(main, [a for i, a in enumerate(ARGS)
                                          if i not in (4, 5)])
    assert no_events.exit_code == 2 and "needs --events" in no_events.stderr

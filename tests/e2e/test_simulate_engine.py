"""`sopdsl simulate` end to end with the real SimPy engine, on small populations."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from sopdsl.cli import main
from programs import ROOT

FUNNEL = str(ROOT / "tests" / "data" / "sim" / "small_funnel.sop")
# Its scenario is small (100 friends, 15 a day, 30 days), so a replication takes a moment.
SMALL = ("--replications", "2", "--seed", "11", "--format", "json")


def simulate(*args: str) -> dict:
    result = CliRunner().invoke(main, ["simulate", FUNNEL, *SMALL, *args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_report_has_every_section_filled_by_the_engine():
    """Entries, goals, steps, arms, funnel, KPIs and staff all come back from a real run."""
    report = simulate()
    onboarding = report["journeys"]["onboarding"]
    assert onboarding["entered"]["mean"] > 0
    assert set(onboarding["goals"]) == {"first_order"}
    assert onboarding["steps"]["onboarding/1"]["delivered"]["mean"] > 0  # the welcome message
    assert set(onboarding["arms"]["coupon_test"]) == {"control", "coupon"}
    assert list(report["funnel"])[:2] == ["visitor", "prospect"]
    assert report["staff"]["guide"]["tasks"]["mean"] > 0
    assert report["staff"]["sales"]["tasks"]["mean"] > 0
    low, high = report["kpis"]["purchase_rate"]["ci95"]
    assert low <= report["kpis"]["purchase_rate"]["mean"] <= high


def test_same_seed_same_report_whatever_the_worker_count():
    """Two worker processes give byte-identical figures to one process, seed for seed."""
    assert simulate("--workers", "2") == simulate("--workers", "1")


def test_another_seed_gives_other_figures():
    """The seed drives the replications: a different one changes the figures."""
    first, other = simulate(), simulate("--seed", "12")
    assert first["kpis"] != other["kpis"]


def test_a_run_past_the_holiday_calendar_is_warned_of_at_its_start(tmp_path):
    """`workdays china` on dates the published calendar does not cover: W333 at the
    scenario's `start` naming the covered years and what is assumed, and the forecast runs."""
    text = (ROOT / "tests" / "data" / "holidays.sop").read_text(encoding="utf-8")
    playbook = tmp_path / "late.sop"
    playbook.write_text(text.replace("start 2025-09-22", "start 2040-09-22"), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(playbook), "--replications", "1",
                                       "--customers", "20"])
    assert result.exit_code == 0, result.output
    assert re.search(r"late\.sop:\d+:9: W333 warning: the scenario runs from 2040-09-22 to "
                     r"2040-10-21, but `workdays china` knows the statutory holidays of 2004-20",
                     result.stderr)
    assert "Monday to Friday" in result.stderr and "Journey" in result.stdout
    assert "Traceback" not in result.stderr + result.stdout


SAMPLE = ROOT / "playbooks" / "data"
REAL = ("--customers", str(SAMPLE / "customers.csv"), "--events", str(SAMPLE / "events.csv"),
        "--staff", str(SAMPLE / "staff.csv"), "--start", "2026-12-02")


def test_simulate_starts_from_real_customers_with_their_staff():
    """The bundled sample's twelve customers are the stock (arrivals from the scenario), and the
    report says so."""
    result = CliRunner().invoke(main, ["simulate", str(ROOT / "playbooks" / "onboarding.sop"),
                                       *REAL, "--replications", "2", "--seed", "3",
                                       "--no-baseline", "--workers", "1", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["meta"]["real_base"]["customers"] == 12
    assert report["totals"]["customers"]["mean"] - report["totals"]["arrivals"]["mean"] == 12
    assert any("12 real customers as they were at 2026-12-02 00:00" in note
               for note in report["meta"]["notes"])


def test_real_customers_need_a_start_and_a_number_is_still_a_number():
    """A customers file without --start, or --events without one, is a usage error (exit 2)."""
    playbook = str(ROOT / "playbooks" / "onboarding.sop")
    no_start = CliRunner().invoke(main, ["simulate", playbook, *REAL[:4]])
    assert no_start.exit_code == 2 and "needs --start" in no_start.stderr
    stray = CliRunner().invoke(main, ["simulate", playbook, "--events", REAL[3]])
    assert stray.exit_code == 2 and "go with a --customers file" in stray.stderr
    compare = CliRunner().invoke(main, ["compare", playbook, "a", "b", *REAL[:2]])
    assert compare.exit_code == 2


def test_bad_real_customer_data_is_diagnosed_with_its_exit_code(tmp_path):
    """An event after --start is E610 at its line and the forecast runs without it (exit 1);
    a customers file that cannot be read is E601 and no forecast (exit 2)."""
    playbook = str(ROOT / "playbooks" / "winback.sop")
    (tmp_path / "c.csv").write_text("customer_id\nc1\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("customer_id,time,event\nc1,2026-12-05 10:00,click\n",
                                    encoding="utf-8")
    run = ["simulate", playbook, "--start", "2026-12-02", "--replications", "1",
           "--no-baseline", "--workers", "1", "--format", "json"]
    late = CliRunner().invoke(main, [*run, "--customers", str(tmp_path / "c.csv"),
                                     "--events", str(tmp_path / "e.csv")])
    assert late.exit_code == 1 and "e.csv:2:1: E610" in late.stderr
    # The message and hint speak of the forecast being run, not of a plan.
    assert "forecast's start" in late.stderr and "sopdsl backtest" in late.stderr
    assert "plan" not in late.stderr
    assert json.loads(late.stdout)["meta"]["real_base"]["customers"] == 1
    missing = CliRunner().invoke(main, [*run, "--customers", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "E601" in missing.stderr and missing.stdout == ""

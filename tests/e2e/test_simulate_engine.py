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

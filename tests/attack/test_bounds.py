"""Sizes and dates past sopdsl's bounds are refused before any work, with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import montecarlo
from sopdsl.api import load
from sopdsl.cli import main
from sopdsl.scenario import bounds

ROOT = Path(__file__).resolve().parents[2]
ONBOARDING = str(ROOT / "playbooks" / "onboarding.sop")
DATA = ROOT / "playbooks" / "data"


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulating at all fails the test: the bounds come first."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a simulation started")

    monkeypatch.setattr(montecarlo, "simulate", refuse)
    monkeypatch.setattr(montecarlo, "forecast_exactly", refuse)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(("option", "value"), [
    ("--replications", "1000000000"), ("--replications", "10001"), ("--customers", "5000001"),
    ("--workers", "257"), ("--seed", str(2**53)), ("--seed", "9" * 5000), ("--seed", "-1"),
    ("--replications", "nan"), ("--workers", "inf"), ("--customers", "1e308"),
])
@pytest.mark.parametrize("command", ["simulate", "compare"])
def test_an_option_past_its_bound_is_a_usage_error(no_work: None, command: str, option: str,
                                                    value: str) -> None:
    """Exit 2 naming the option, before anything is simulated."""
    args = [ONBOARDING] * (2 if command == "compare" else 1)
    result = run(command, *args, option, value)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert "Traceback" not in result.output


def test_options_that_make_the_scenario_too_large_are_an_input_error(
        tmp_path: Path, no_work: None) -> None:
    """Each option is within its bound, but with the scenario's arrivals or horizon the total
    passes one: exit 2 with the bound, before anything is simulated."""
    result = run("simulate", ONBOARDING, "--customers", "5000000")  # 120 arrivals a day
    assert result.exit_code == 2, result.output
    assert "customers, more than the 5,000,000" in result.stderr
    path = tmp_path / "long.sop"
    path.write_text("scenario s { horizon 101d }\n", encoding="utf-8")
    result = run("simulate", str(path), "--replications", "10000")
    assert result.exit_code == 2, result.output
    assert "1,010,000 simulated days, more than the 1,000,000" in result.stderr


def test_scheduler_addresses_that_cannot_be_read_are_usage_errors(no_work: None) -> None:
    """A malformed IPv6 host or port is refused at once (the cluster client hung a minute)."""
    for url in ("tcp://[::1/", "tcp://[zz]:80/", "tcp://host:99999", "tcp://host:0"):
        result = run("simulate", ONBOARDING, "--scheduler", url)
        assert result.exit_code == 2 and "--scheduler takes an address" in result.output


def scenario_text(replications: int, days: int, stock: int, arrivals: int, staff: int) -> str:
    return (f'role guide\nscenario s {{\n  replications {replications}  horizon {days}d\n'
            f'  population {stock} {{ arrivals {arrivals}/day  owner guide }}\n'
            f'  staff guide {staff}\n}}\n')


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(replications=st.integers(1, 3 * bounds.MAX_REPLICATIONS),
       days=st.integers(1, 2 * bounds.MAX_HORIZON_DAYS),
       stock=st.integers(0, 2 * bounds.MAX_CUSTOMERS),
       arrivals=st.integers(0, 20_000),
       staff=st.integers(0, 2 * bounds.MAX_STAFF))
def test_a_scenario_is_refused_exactly_when_it_passes_a_bound(
        tmp_path: Path, replications: int, days: int, stock: int, arrivals: int,
        staff: int) -> None:
    """E320 for each bound passed, computed here from the documented figures."""
    path = tmp_path / "sizes.sop"
    path.write_text(scenario_text(replications, days, stock, arrivals, staff), encoding="utf-8")
    expected = sum((
        replications > bounds.MAX_REPLICATIONS,
        days > bounds.MAX_HORIZON_DAYS,
        replications <= bounds.MAX_REPLICATIONS and days <= bounds.MAX_HORIZON_DAYS
        and replications * days > bounds.MAX_SIMULATED_DAYS,
        stock > bounds.MAX_CUSTOMERS,
        stock <= bounds.MAX_CUSTOMERS and stock + arrivals * days > bounds.MAX_CUSTOMERS,
        staff > bounds.MAX_STAFF,
    ))
    codes = [d.code for d in load(path).diagnostics]
    assert codes == ["E320"] * expected


def test_the_first_bound_sized_scenario_still_simulates(tmp_path: Path) -> None:
    """At the bounds themselves the scenario is accepted."""
    path = tmp_path / "edge.sop"
    path.write_text(scenario_text(bounds.MAX_REPLICATIONS, 100, 0, 50_000, bounds.MAX_STAFF),
                    encoding="utf-8")
    assert load(path).diagnostics == []


@pytest.mark.parametrize("start", ["0001-01-01", "1969-12-31", "9801-01-01", "9999-12-31"])
def test_a_scenario_start_out_of_range_is_reported_by_check_and_refused_by_simulate(
        tmp_path: Path, no_work: None, start: str) -> None:
    """`check` and `simulate` agree: E321 on the date (simulate crashed on a year 9999 start)."""
    path = tmp_path / "start.sop"
    path.write_text(f"scenario s {{ start {start}  horizon 30d }}\n", encoding="utf-8")
    checked = run("check", str(path))
    assert checked.exit_code == 1 and "E321" in checked.output
    simulated = run("simulate", str(path))
    assert simulated.exit_code == 1 and "E321" in simulated.output
    assert "Traceback" not in checked.output + simulated.output


@pytest.mark.parametrize("start", ["1970-01-01", "9800-12-31"])
def test_the_first_and_last_start_simulate(tmp_path: Path, start: str) -> None:
    """Both ends of the range simulate, with a century of durations after the last start."""
    path = tmp_path / "start.sop"
    path.write_text(
        'role guide\ncontent c: text "hi"\njourney j {\n  when friend_added\n'
        '  goal g: purchase within 36500d\n  task guide "x" due 36500d\n'
        '  send c via private_chat by guide\n}\n'
        f"scenario s {{ start {start}  horizon 3660d  replications 1\n"
        "  population 5 { arrivals 0.01/day  owner guide\n"
        "    history purchase: poisson(2) within 36500d } }\n", encoding="utf-8")
    result = run("simulate", str(path), "--format", "json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("start", ["0001-01-01", "1969-12-31T23:00", "9999-12-31", "9801-01-01"])
def test_a_plan_start_out_of_range_is_a_usage_error(start: str) -> None:
    """`plan --start` takes the same dates as a scenario's start."""
    result = run("plan", ONBOARDING, "--customers", str(DATA / "customers.csv"),
                 "--start", start, "--days", "1")
    assert result.exit_code == 2 and "is outside the dates sopdsl works with" in result.output


@pytest.mark.parametrize("time", ["0001-01-01 00:00", "1969-12-31 23:59", "9999-12-31 23:59",
                                  "9999-12-31T23:59:00-12:00", "0001-01-01T00:00:00+14:00"])
def test_event_times_out_of_range_are_bad_rows(tmp_path: Path, time: str) -> None:
    """The row is an E604 on its line and left out; the plan is still made (exit 1)."""
    events = tmp_path / "events.csv"
    events.write_text(f"customer_id,time,event\nc001,2026-11-30 10:00,purchase\n"
                      f"c001,{time},purchase\n", encoding="utf-8")
    result = run("plan", ONBOARDING, "--customers", str(DATA / "customers.csv"),
                 "--events", str(events), "--start", "2026-12-02", "--days", "1",
                 "-o", str(tmp_path / "plan.json"))
    assert result.exit_code == 1, result.output
    assert f"{events.name}:3:1: E604" in result.stderr.replace(str(tmp_path) + "/", "")
    assert "is outside the dates sopdsl works with" in result.stderr
    assert (tmp_path / "plan.json").is_file()

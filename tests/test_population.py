"""Tests for the synthetic population: shares, truncation, arrivals, owners and history."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from simulator.population import generate
from sopdsl.lunar import LunarDay, solar_day
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of

DECLS = """role guide "导购"
attribute level: enum("silver", "gold")
journey j { when friend_added  tag "x" }
"""


def scenario_of(body: str) -> tuple[object, Scenario]:
    program = program_of(DECLS + f"scenario s {{ start 2026-12-01 {body} }}\n")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    return program, scenario


def within_binomial(count: float, n: int, p: float) -> bool:
    """`count` lies within 4 standard deviations of Binomial(n, p)."""
    return abs(count - n * p) <= 4 * math.sqrt(n * p * (1 - p)) + 1e-9


def test_shares_of_attributes_tags_and_stages_follow_the_scenario() -> None:
    """Listed values, tags and stages come out in their configured shares."""
    program, scenario = scenario_of("""population 20000 {
        arrivals 0/day
        attribute gender: "female" 62%, "male" 38%
        attribute level: "silver" 70%, "gold" 30%
        tag "VIP" 8%
        stage visitor 70%, prospect 30%
    }""")
    stock = generate(program, scenario, ["guide-1"], np.random.default_rng(3)).stock
    n = stock.size
    genders = [stock.attributes["gender"].get(i) for i in range(n)]
    assert within_binomial(genders.count("female"), n, 0.62)
    levels = [stock.attributes["level"].get(i) for i in range(n)]
    assert set(levels) == {"silver", "gold"} and within_binomial(levels.count("gold"), n, 0.3)
    assert within_binomial(int(stock.tags["VIP"].sum()), n, 0.08)
    stages = [stock.stages.get(i) for i in range(n)]
    assert within_binomial(stages.count("prospect"), n, 0.3)
    assert stock.tags_of(int(np.argmax(stock.tags["VIP"]))) == ["VIP"]


def test_truncated_attributes_stay_in_range_with_the_truncated_mean() -> None:
    """`normal(32, 8) in 30..40` draws only 30..40, averaging the truncated mean (34.63)."""
    program, scenario = scenario_of("population 20000 { attribute age: normal(32, 8) in 30..40 }")
    ages = generate(program, scenario, [], np.random.default_rng(5)).stock.attributes["age"].values
    assert ages.min() >= 30 and ages.max() <= 40
    truncated = scenario.population.attributes["age"].distribution
    assert truncated.mean == pytest.approx(34.63, abs=0.005)
    assert abs(ages.mean() - truncated.mean) < 4 * ages.std() / math.sqrt(ages.size)


def test_arrivals_are_poisson_over_the_horizon() -> None:
    """Arrival counts over 200 seeds average rate x days with a variance equal to the mean."""
    program, scenario = scenario_of("horizon 10d  population 0 { arrivals 30/day }")
    counts = np.array([generate(program, scenario, [], np.random.default_rng(seed)).arrivals.size
                       for seed in range(200)])
    expected = 30 * 10
    assert abs(counts.mean() - expected) < 4 * math.sqrt(expected / 200)
    assert 0.6 < counts.var(ddof=1) / expected < 1.5  # a fixed count would have none
    one = generate(program, scenario, [], np.random.default_rng(1))
    times = one.arrival_times
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < 10 * 24 * 60


def test_owners_are_assigned_round_robin_through_stock_and_arrivals() -> None:
    """Stock customers take the owner role's members in turn; arrivals continue the turn."""
    program, scenario = scenario_of("population 5 { arrivals 100/day  owner guide }")
    members = ["guide-1", "guide-2", "guide-3"]
    population = generate(program, scenario, members, np.random.default_rng(2))
    assert population.stock.owners == ["guide-1", "guide-2", "guide-3", "guide-1", "guide-2"]
    assert population.arrivals.owners[:4] == ["guide-3", "guide-1", "guide-2", "guide-3"]
    assert generate(program, scenario, [], np.random.default_rng(2)).stock.owners == [None] * 5


def test_history_counts_times_and_amounts() -> None:
    """Past purchases: poisson counts per customer, times within the window, amounts drawn."""
    program, scenario = scenario_of("""population 10000 {
        history purchase: poisson(1.5) within 30d
    }
    purchase { value fixed(99) }""")
    history = generate(program, scenario, [], np.random.default_rng(4)).history
    counts = history.counts["purchase"]
    assert abs(counts.mean() - 1.5) < 4 * math.sqrt(1.5 / counts.size)
    events = history.events_of(int(np.argmax(counts)))
    assert len(events) == counts.max()
    assert all(-30 * 24 * 60 <= e.time < 0 and e.amount == 99 for e in events)
    assert {e.name for e in events} == {"purchase"}


def test_calendar_dates_spread_over_the_year() -> None:
    """`birthday: uniform` gives dates in every month, in the year before the start."""
    program, scenario = scenario_of("population 3000 { attribute birthday: uniform }")
    stock = generate(program, scenario, [], np.random.default_rng(6)).stock
    dates = [stock.attributes["birthday"].get(i) for i in range(stock.size)]
    assert all(isinstance(d, dt.date) and d.year == 2025 for d in dates)
    months = np.bincount([d.month for d in dates], minlength=13)[1:]
    assert within_binomial(months[0], len(dates), 31 / 365)
    assert months.min() > 0


def test_arrivals_start_in_the_first_stage_without_history() -> None:
    """New friends are visitors with the scenario's attributes and no past events."""
    program, scenario = scenario_of("""population 10 {
        arrivals 50/day  stage prospect 100%  attribute level: "gold" 100%
    }""")
    population = generate(program, scenario, [], np.random.default_rng(8))
    arrivals = population.arrivals
    assert arrivals.size > 0
    assert {arrivals.stages.get(i) for i in range(arrivals.size)} == {"visitor"}
    assert {population.stock.stages.get(i) for i in range(10)} == {"prospect"}
    assert arrivals.attributes_of(0)["level"] == "gold"
    assert population.size == 10 + arrivals.size


def test_dates_uniform_over_a_range_include_both_ends() -> None:
    """`uniform(2026-12-01, 2026-12-10)`: every one of the 10 days, each with a tenth."""
    program = program_of(DECLS.replace('role guide "导购"', 'role guide "导购"\nattribute '
                                       "signup_date: date") + "scenario s { start 2026-12-01 "
                         "population 4000 { attribute signup_date: uniform(2026-12-01, "
                         "2026-12-10) } }\n")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    stock = generate(program, scenario, [], np.random.default_rng(3)).stock
    days = [(stock.attributes["signup_date"].get(i) - dt.date(2026, 12, 1)).days
            for i in range(stock.size)]
    counts = np.bincount(days)
    assert len(counts) == 10 and all(within_binomial(c, stock.size, 0.1) for c in counts)


def test_a_distribution_of_ages_gives_dates_before_the_start() -> None:
    """`exponential(90d)` ages in whole days: P(age >= 31 days) = exp(-31/90)."""
    program = program_of(DECLS.replace('role guide "导购"', 'role guide "导购"\nattribute '
                                       "signup_date: date") + "scenario s { start 2026-12-01 "
                         "population 5000 { attribute signup_date: exponential(90d) } }\n")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    stock = generate(program, scenario, [], np.random.default_rng(4)).stock
    dates = [stock.attributes["signup_date"].get(i) for i in range(stock.size)]
    assert max(dates) <= dt.date(2026, 12, 1)
    old = sum(d <= dt.date(2026, 10, 31) for d in dates)
    assert within_binomial(old, stock.size, math.exp(-31 / 90))


def test_lunar_dates_uniform_over_the_lunar_days_of_a_year() -> None:
    """`lunar_birthday: uniform` with the start in 2026: the 384 days of lunar 2025 (闰六月
    included), from 2025-01-29 (春节) to 2026-02-16 (除夕), each equally likely."""
    program = program_of(DECLS + "attribute lunar_birthday: lunar_date\nscenario s { start "
                         "2026-12-01 population 6000 { attribute lunar_birthday: uniform } }\n")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    stock = generate(program, scenario, [], np.random.default_rng(7)).stock
    dates = [stock.attributes["lunar_birthday"].get(i) for i in range(stock.size)]
    assert all(isinstance(d, LunarDay) and d.year == 2025 for d in dates)
    assert {solar_day(d, 2025) for d in dates} <= {
        dt.date(2025, 1, 29) + dt.timedelta(days=k) for k in range(384)}
    leap = sum(d.leap for d in dates)  # 闰六月 has 29 days of the 384
    assert leap and all(d.month == 6 for d in dates if d.leap)
    assert within_binomial(leap, len(dates), 29 / 384)
    first_month = sum(d.month == 1 for d in dates)
    assert within_binomial(first_month, len(dates), 30 / 384)  # 正月 2025: 30 days

"""Tests for compiled expressions: counts, windows, days since, sums, rfm, stages, segments."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from runtime_kit import program_of
from sopdsl.builtins import MINUTES_PER_DAY as DAY
from sopdsl.lunar import parse_lunar
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.evaluate import ExprCompiler, rfm_scores

NOW = 400 * DAY

SEGMENTS = """
attribute level: enum("silver", "gold")
attribute vehicle_age: number
segment buyer = count(purchase, 7d) >= 2
segment any_buyer = count(purchase) == 3
segment clicked_welcome = count(click(welcome)) == 1
segment clicked = count(click) == 2
segment quiet = days_since(reply) > 1000
segment recent = days_since(purchase) == 2
segment spender = sum(purchase.amount, 30d) == 350
segment loyal = rfm.r == 5 and rfm.f == 2 and rfm.m == 2
segment ahead = stage >= profiled
segment exact = stage == prospect
segment listed = stage in [intent, won]
segment shanghai = city == "上海"
segment not_shanghai = city != "上海"
segment older = age > 30
segment precedence = not tag "a" and tag "b" or tag "c"
segment vip = tag "VIP" and buyer
segment gold = level in ["gold"]
segment thirties = age in 30..39
segment per_month = sum(purchase.amount, 365d) / 12 >= 29
segment divide_by_zero = vehicle_age / 0 >= 0
segment ever_clicked = ever(click)
content welcome: text "hi"
"""


@pytest.fixture(scope="module")
def compiler() -> ExprCompiler:
    return ExprCompiler(program_of(SEGMENTS))


def customer(*events: Event, **fields) -> Customer:
    c = Customer("c1", 0.0, **fields)
    for e in events:
        c.history.record(e)
    return c


def holds(compiler: ExprCompiler, segment: str, c: Customer, now: float = NOW) -> bool:
    return compiler.segment(segment)(c, now)


def test_count_window_excludes_its_start(compiler):
    """Purchases 10d, exactly 7d and 1d ago: two in the last 7 days, three in all."""
    c = customer(*(Event("purchase", NOW - d * DAY, amount=1) for d in (10, 7, 1)))
    assert holds(compiler, "any_buyer", c)
    assert not holds(compiler, "buyer", c)
    c.history.record(Event("purchase", NOW - 2 * DAY, amount=1))
    assert holds(compiler, "buyer", c)


def test_count_ignores_events_after_now(compiler):
    """Events recorded for later times are not counted yet."""
    c = customer(*(Event("purchase", NOW + d, amount=1) for d in (1, 2, 3)))
    assert not holds(compiler, "any_buyer", c)
    assert holds(compiler, "any_buyer", c, NOW + 3)


def test_count_with_content_and_without(compiler):
    """`click(welcome)` counts clicks on that content; `click` counts every click."""
    c = customer(Event("click", NOW - 5, "welcome"), Event("click", NOW - 4, "other"))
    assert holds(compiler, "clicked_welcome", c)
    assert holds(compiler, "clicked", c)
    assert holds(compiler, "ever_clicked", c)


def test_days_since_is_infinite_when_never(compiler):
    """A customer who never replied has infinitely many days since a reply."""
    assert holds(compiler, "quiet", customer())
    assert not holds(compiler, "quiet", customer(Event("reply", 0.0)))


def test_days_since_counts_whole_days(compiler):
    """2.9 days since the last purchase is 2 whole days; 3 days is 3."""
    assert holds(compiler, "recent", customer(Event("purchase", NOW - 2.9 * DAY, amount=1)))
    assert not holds(compiler, "recent", customer(Event("purchase", NOW - 3 * DAY, amount=1)))


def test_sum_of_purchase_amounts_in_window(compiler):
    """Only purchases inside the 30 day window add up."""
    c = customer(Event("purchase", NOW - 40 * DAY, amount=1000),
                 Event("purchase", NOW - 20 * DAY, amount=200),
                 Event("purchase", NOW - DAY, amount=150))
    assert holds(compiler, "spender", c)


@pytest.mark.parametrize(("amounts", "days", "scores"), [
    ([], math.inf, (1, 1, 1)),
    ([100], 30, (5, 1, 1)),
    ([100, 100], 31, (4, 2, 2)),
    ([100] * 3, 90, (3, 3, 2)),
    ([300] * 5, 180, (2, 4, 4)),
    ([500] * 8, 181, (1, 5, 5)),
    ([199.99], 10, (5, 1, 1)),
])
def test_rfm_fixed_bands(amounts, days, scores):
    """Band edges: r at 30/60/90/180 days, f at 1/2/4/7 purchases, m at 200/500/1000/3000."""
    assert rfm_scores(amounts, days) == scores


def test_rfm_in_an_expression(compiler):
    """Two purchases of 150 in the year, the last 10 days ago: r 5, f 2, m 2."""
    c = customer(Event("purchase", NOW - 400 * DAY, amount=5000),
                 Event("purchase", NOW - 100 * DAY, amount=150),
                 Event("purchase", NOW - 10 * DAY, amount=150))
    assert holds(compiler, "loyal", c)


def test_stage_comparisons_use_the_lifecycle_order(compiler):
    """`stage >= profiled` holds for intent, not for prospect; `==` and `in` use names."""
    assert holds(compiler, "ahead", customer(stage="intent"))
    assert not holds(compiler, "ahead", customer(stage="prospect"))
    assert holds(compiler, "exact", customer(stage="prospect"))
    assert holds(compiler, "listed", customer(stage="won"))
    assert not holds(compiler, "listed", customer(stage="pending"))


def test_missing_attribute_compares_false_except_not_equal(compiler):
    """A customer without a city is not in Shanghai and is `!=` Shanghai; no age is not > 30."""
    c = customer()
    assert not holds(compiler, "shanghai", c)
    assert holds(compiler, "not_shanghai", c)
    assert not holds(compiler, "older", c)
    assert holds(compiler, "older", customer(attributes={"age": 31}))


def test_not_binds_tighter_than_and_tighter_than_or(compiler):
    """`not tag a and tag b or tag c` reads ((not a) and b) or c."""
    assert holds(compiler, "precedence", customer(tags=["b"]))
    assert not holds(compiler, "precedence", customer(tags=["a", "b"]))
    assert holds(compiler, "precedence", customer(tags=["a", "c"]))


def test_segments_by_reference(compiler):
    """`vip` uses the `buyer` segment."""
    purchases = [Event("purchase", NOW - d * DAY, amount=1) for d in (1, 2)]
    assert holds(compiler, "vip", customer(*purchases, tags=["VIP"]))
    assert not holds(compiler, "vip", customer(purchases[0], tags=["VIP"]))


def test_in_list_and_inclusive_range(compiler):
    """Enum values in a list; `30..39` includes both ends."""
    assert holds(compiler, "gold", customer(attributes={"level": "gold"}))
    assert holds(compiler, "thirties", customer(attributes={"age": 39}))
    assert not holds(compiler, "thirties", customer(attributes={"age": 40}))


def test_arithmetic_and_division_by_zero(compiler):
    """348 a year is 29 a month; dividing by zero is unknown, so the comparison is false."""
    assert holds(compiler, "per_month", customer(Event("purchase", NOW - DAY, amount=348)))
    assert not holds(compiler, "per_month", customer(Event("purchase", NOW - DAY, amount=347)))
    assert not holds(compiler, "divide_by_zero", customer(attributes={"vehicle_age": 3}))


DAYS = """
attribute lunar_birthday: lunar_date
segment holiday = today is holiday
segment workday = today is workday
segment mid_autumn_eve = today + 1d is 中秋
segment lunar_birthday_today = today is lunar_birthday
segment birthday_today = today is birthday
"""


@pytest.mark.parametrize("workdays, day, holiday, workday", [
    ("china", "2025-10-04", True, False),  # a Saturday inside the National Day break
    ("china", "2025-10-08", True, False),  # a Wednesday of the break
    ("china", "2025-10-11", False, True),  # a Saturday worked (调休)
    ("china", "2025-10-18", False, False),  # an ordinary weekend: off, but no holiday
    ("china", "2025-10-09", False, True),
    ("mon_fri", "2025-10-08", True, True),  # a holiday is a fact of the date, not of staff
    ("every_day", "2025-10-18", False, True),
])
def test_holidays_and_workdays(workdays, day, holiday, workday):
    playbook = f'playbook "t" {{\n  timezone "Asia/Shanghai"\n  workdays {workdays}\n}}\n'
    found = ExprCompiler(program_of(DAYS, playbook=playbook), _clock(day))
    assert holds(found, "holiday", customer(), 600) is holiday
    assert holds(found, "workday", customer(), 600) is workday


def test_festivals_and_yearly_dates_in_expressions():
    """The eve of 中秋 2025 (10-06); 八月十五 and a 10-06 birthday are today that day."""
    eve = ExprCompiler(program_of(DAYS), _clock("2025-10-05"))
    day = ExprCompiler(program_of(DAYS), _clock("2025-10-06"))
    born = customer(attributes={"lunar_birthday": parse_lunar("八月十五"),
                                "birthday": dt.date(1990, 10, 6)})
    assert holds(eve, "mid_autumn_eve", born, 600) and not holds(day, "mid_autumn_eve", born, 600)
    assert holds(day, "lunar_birthday_today", born, 600)
    assert holds(day, "birthday_today", born, 600)
    assert not holds(eve, "lunar_birthday_today", born, 600)
    assert not holds(day, "lunar_birthday_today", customer(), 600)  # none known: false


def _clock(day: str) -> Clock:
    return Clock(dt.datetime.fromisoformat(day), "Asia/Shanghai")

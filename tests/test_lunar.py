"""The lunar calendar against published dates: festivals, a leap month, short months."""

from __future__ import annotations

import datetime as dt

import pytest

from sopdsl.lunar import (
    FESTIVAL_NAMES, FESTIVALS, LunarDay, LunarError, festival_day, leap_month, month_days,
    parse_lunar, solar_day, to_lunar,
)

D = dt.date.fromisoformat

# Published dates (the State Council's holiday notices and the Purple Mountain Observatory's
# calendar), by lunar year.
PUBLISHED = {
    "mid_autumn": {2024: "2024-09-17", 2025: "2025-10-06", 2026: "2026-09-25"},
    "spring_festival": {2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17"},
    "dragon_boat": {2024: "2024-06-10", 2025: "2025-05-31"},
    "lantern": {2025: "2025-02-12"},
    "qixi": {2025: "2025-08-29"},
    "double_ninth": {2025: "2025-10-29"},
    "laba": {2024: "2025-01-07", 2025: "2026-01-26"},
    # 除夕 is the twelfth month's last day: 腊月廿九 when it has 29 days, as in lunar 2025.
    "new_years_eve": {2024: "2025-01-28", 2025: "2026-02-16"},
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_festivals_fall_on_their_published_days(name: str) -> None:
    for year, day in PUBLISHED[name].items():
        assert festival_day(name, year) == D(day)
        assert festival_day(FESTIVALS[name][0], year) == D(day)  # by the Chinese name too


def test_every_festival_has_an_ascii_and_a_chinese_name() -> None:
    assert set(FESTIVAL_NAMES.values()) == set(FESTIVALS) == set(PUBLISHED)
    assert {"春节", "除夕", "元宵", "端午", "七夕", "中秋", "重阳", "腊八"} <= set(FESTIVAL_NAMES)


def test_a_mid_autumn_birthday_falls_on_mid_autumn_each_year() -> None:
    """八月十五 born in 1990: its solar days in 2024-2026 are the three published 中秋."""
    born = parse_lunar("1990-08-15")
    assert [solar_day(born, year) for year in (2024, 2025, 2026)] == [
        D("2024-09-17"), D("2025-10-06"), D("2026-09-25")]


def test_2025_had_a_leap_sixth_month() -> None:
    """闰六月初一 of 2025 is 2025-07-25; the ordinary 六月初一 is 2025-06-25."""
    assert leap_month(2025) == 6 and leap_month(2024) == 0
    assert solar_day(parse_lunar("2025-闰06-01"), 2025) == D("2025-07-25")
    assert solar_day(LunarDay(None, 6, 1), 2025) == D("2025-06-25")
    assert to_lunar(D("2025-07-25")) == LunarDay(2025, 6, 1, leap=True)


def test_a_leap_month_birthday_falls_in_the_ordinary_month_without_the_leap_month() -> None:
    """Born 闰六月初一 2025: in 2024 and 2026, which have no 闰六月, on 六月初一."""
    born = parse_lunar("2025-闰06-01")
    assert solar_day(born, 2024) == solar_day(LunarDay(None, 6, 1), 2024) == D("2024-07-06")
    assert solar_day(born, 2026) == solar_day(LunarDay(None, 6, 1), 2026)


def test_day_30_falls_on_the_last_day_of_a_29_day_month() -> None:
    """腊月三十: lunar 2025's twelfth month has 29 days, so it is 腊月廿九, 2026-02-16 (除夕);
    lunar 2023's has 30, and 腊月三十 is 2024-02-09, that year's 除夕."""
    assert month_days(2025, 12) == 29 and month_days(2023, 12) == 30
    assert solar_day(parse_lunar("腊月三十"), 2025) == D("2026-02-16")
    assert solar_day(parse_lunar("腊月三十"), 2023) == D("2024-02-09")
    assert festival_day("new_years_eve", 2023) == D("2024-02-09")


@pytest.mark.parametrize("text, expected", [
    ("1990-08-15", LunarDay(1990, 8, 15)),
    ("1990-闰05-01", LunarDay(1990, 5, 1, leap=True)),
    ("八月十五", LunarDay(None, 8, 15)),
    ("闰四月初八", LunarDay(None, 4, 8, leap=True)),
    ("正月初一", LunarDay(None, 1, 1)),
    ("腊月廿三", LunarDay(None, 12, 23)),
    ("冬月二十", LunarDay(None, 11, 20)),
    ("十一月三十", LunarDay(None, 11, 30)),
    ("十月初十", LunarDay(None, 10, 10)),
    (" 二月十九 ", LunarDay(None, 2, 19)),
])
def test_data_files_give_lunar_dates_in_either_form(text: str, expected: LunarDay) -> None:
    assert parse_lunar(text) == expected
    assert parse_lunar(str(expected)) == expected  # what sopdsl writes, it reads back


@pytest.mark.parametrize("text, message", [
    ("八月十六日", "is not a lunar date"),
    ("1990-13-01", "lunar months are 1 to 12"),
    ("1990-08-31", "lunar months are 1 to 12"),
    ("2025-闰04-01", "2025 had no 闰四月 (its leap month was 闰六月)"),
    ("2024-闰04-01", "2024 had no 闰四月 (it had no leap month)"),
    ("2025-闰06-30", "that month had 29 days"),
    ("1800-01-01", "outside"),
])
def test_bad_lunar_dates_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(LunarError) as error:
        parse_lunar(text)
    assert message in f"{error.value} ({error.value.hint})"

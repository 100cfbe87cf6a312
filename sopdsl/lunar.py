"""The Chinese lunar calendar: lunar dates, their solar days in a year, and the festivals.

Conversion is the `lunar_python` package's (astronomical new moons and solar terms, the rules
of the 1929 reform the published calendars follow). Every part of sopdsl that needs the solar
day of a lunar date (yearly triggers, `today is 中秋`, scenario draws) calls `solar_day`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from lunar_python import Lunar, LunarMonth, LunarYear, Solar

from sopdsl.errors import SopdslError

# The lunar years sopdsl converts: the dates it works with (sopdsl.builtins) and a year around.
FIRST_YEAR, LAST_YEAR = 1969, 9800

_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
# Other names of months in use: 一月 for 正月, 十一月 and 十二月 for 冬月 and 腊月.
_MONTH_ALIASES = {"一": 1, "十一": 11, "十二": 12}
_DIGITS = "一二三四五六七八九十"
_CHINESE = re.compile(r"(闰)?(正|冬|腊|十[一二]?|[一二三四五六七八九])月"
                      r"(初[一二三四五六七八九十]|十[一二三四五六七八九]?|二十|廿[一二三四五六七八九]"
                      r"|三十)")
_ISO = re.compile(r"(\d{4})-(闰)?(\d{1,2})-(\d{1,2})")


class LunarError(SopdslError):
    """Text that is not a lunar date, or a date the lunar calendar does not have."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class LunarDay:
    """A date in the lunar calendar; `year` is None when only the month and day are known."""

    year: int | None
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        """The date as a data file gives it: `1990-闰04-08`, or `闰四月初八` without a year."""
        if self.year is not None:
            return f"{self.year}-{'闰' if self.leap else ''}{self.month:02}-{self.day:02}"
        return self.month_day

    @property
    def month_day(self) -> str:
        """The month and day as people write them: `闰四月初八`, `腊月廿三`."""
        return f"{'闰' if self.leap else ''}{_MONTHS[self.month - 1]}月{_day_name(self.day)}"


def _day_name(day: int) -> str:
    if day <= 10:
        return "初" + _DIGITS[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day in (20, 30):
        return "二十" if day == 20 else "三十"
    return "廿" + _DIGITS[day - 21]


def _chinese_number(text: str) -> int:
    """`初八` 8, `十五` 15, `廿三` 23, `三十` 30."""
    if text.startswith("初"):
        return _DIGITS.index(text[1]) + 1
    if text.startswith("廿"):
        return 20 + _DIGITS.index(text[1]) + 1
    if text in ("二十", "三十"):
        return 20 if text == "二十" else 30
    return 10 + (_DIGITS.index(text[1]) + 1 if len(text) == 2 else 0)


def parse_lunar(text: str) -> LunarDay:
    """A lunar date from a data file: `1990-08-15`, `1990-闰04-08`, `八月十五` or `闰四月初八`."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        year, leap = int(match[1]), match[2] is not None
        return _checked(LunarDay(year, int(match[3]), int(match[4]), leap))
    if match := _CHINESE.fullmatch(text):
        name = match[2]
        month = _MONTH_ALIASES.get(name) or _MONTHS.index(name) + 1
        return _checked(LunarDay(None, month, _chinese_number(match[3]), match[1] is not None))
    raise LunarError(f"`{text}` is not a lunar date",
                     "write it as 1990-08-15 (lunar year, month and day), 1990-闰04-08 for a leap "
                     "month, or 八月十五 / 闰四月初八")


def _checked(lunar: LunarDay) -> LunarDay:
    """The date itself when the lunar calendar has it (with a year: that year's month lengths)."""
    if not 1 <= lunar.month <= 12 or not 1 <= lunar.day <= 30:
        raise LunarError(f"`{lunar.year or ''}-{lunar.month:02}-{lunar.day:02}` is not a lunar "
                         "date", "lunar months are 1 to 12 and their days 1 to 30")
    if lunar.year is None:
        return lunar
    if not FIRST_YEAR <= lunar.year <= LAST_YEAR:
        raise LunarError(f"the lunar year {lunar.year} is outside {FIRST_YEAR}-{LAST_YEAR}",
                         "check the year")
    if lunar.leap and leap_month(lunar.year) != lunar.month:
        leap = leap_month(lunar.year)
        has = f"its leap month was 闰{_MONTHS[leap - 1]}月" if leap else "it had no leap month"
        raise LunarError(f"the lunar year {lunar.year} had no 闰{_MONTHS[lunar.month - 1]}月 "
                         f"({has})", "check the month, or drop 闰")
    days = month_days(lunar.year, lunar.month, lunar.leap)
    if lunar.day > days:
        raise LunarError(f"{lunar} does not exist: that month had {days} days",
                         "check the day")
    return lunar


@functools.lru_cache(maxsize=4096)
def leap_month(year: int) -> int:
    """The month number the lunar year repeats as a leap month, 0 when it has none."""
    return LunarYear.fromYear(year).getLeapMonth()


@functools.lru_cache(maxsize=8192)
def month_days(year: int, month: int, leap: bool = False) -> int:
    """How many days (29 or 30) a month of a lunar year has."""
    return LunarMonth.fromYm(year, -month if leap else month).getDayCount()


@functools.lru_cache(maxsize=65536)
def solar_day(lunar: LunarDay, year: int) -> dt.date:
    """The solar day of the lunar date's month and day in lunar year `year` (the one that starts
    at that year's 春节): a leap-month date falls in the leap month when the year has it, in the
    ordinary month of that number otherwise; a day past the month's end is its last day."""
    leap = lunar.leap and leap_month(year) == lunar.month
    day = min(lunar.day, month_days(year, lunar.month, leap))
    solar = Lunar.fromYmd(year, -lunar.month if leap else lunar.month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def to_lunar(day: dt.date) -> LunarDay:
    """The lunar date of a solar day."""
    lunar = Lunar.fromSolar(Solar.fromYmd(day.year, day.month, day.day))
    month = lunar.getMonth()
    return LunarDay(lunar.getYear(), abs(month), lunar.getDay(), month < 0)


def as_lunar(value: object) -> LunarDay | None:
    """A lunar date attribute's value (a LunarDay or its text), None when it is neither."""
    if isinstance(value, LunarDay):
        return value
    if isinstance(value, str):
        try:
            return parse_lunar(value)
        except LunarError:
            return None
    return None


# The traditional festivals `today is NAME` and `when NAME` know, by their ASCII names, with
# their Chinese names and lunar dates; 除夕 is the last day of the twelfth month (29 or 30).
FESTIVALS: dict[str, tuple[str, LunarDay]] = {
    "spring_festival": ("春节", LunarDay(None, 1, 1)),
    "lantern": ("元宵", LunarDay(None, 1, 15)),
    "dragon_boat": ("端午", LunarDay(None, 5, 5)),
    "qixi": ("七夕", LunarDay(None, 7, 7)),
    "mid_autumn": ("中秋", LunarDay(None, 8, 15)),
    "double_ninth": ("重阳", LunarDay(None, 9, 9)),
    "laba": ("腊八", LunarDay(None, 12, 8)),
    "new_years_eve": ("除夕", LunarDay(None, 12, 30)),
}
# Either name of a festival, to its ASCII name.
FESTIVAL_NAMES = {**{name: name for name in FESTIVALS},
                  **{chinese: name for name, (chinese, _) in FESTIVALS.items()}}


def festival_day(name: str, year: int) -> dt.date:
    """The solar day of a festival (either name) in lunar year `year`."""
    return solar_day(FESTIVALS[FESTIVAL_NAMES[name]][1], year)


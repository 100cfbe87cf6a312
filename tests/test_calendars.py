"""Working-day calendars against the published 2025 holiday notice of the State Council."""

from __future__ import annotations

import datetime as dt


from sopdsl.calendars import Workdays, is_statutory_holiday

# The 2025 notice: statutory days off that fall Monday to Friday, and the 调休 weekends worked.
WEEKDAYS_OFF_2025 = {
    "2025-01-01",  # 元旦
    "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03", "2025-02-04",  # 春节
    "2025-04-04",  # 清明
    "2025-05-01", "2025-05-02", "2025-05-05",  # 劳动节
    "2025-06-02",  # 端午
    "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08",  # 国庆, 中秋
}
WEEKENDS_WORKED_2025 = {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}


def _year(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=k) for k in range((dt.date(year + 1, 1, 1) - first).days)]


def test_china_2025_is_the_published_calendar() -> None:
    """Every date of 2025: weekdays are worked except the statutory days off, weekends are off
    except the 调休 make-up days."""
    china = Workdays("china")
    for day in _year(2025):
        expected = (day.isoformat() not in WEEKDAYS_OFF_2025 if day.weekday() < 5
                    else day.isoformat() in WEEKENDS_WORKED_2025)
        assert china.is_workday(day) == expected, day
        assert china.is_holiday(day) == (not expected)


def test_the_week_calendars() -> None:
    """`mon_fri` works Monday to Friday, holidays included; `every_day` every date."""
    days = _year(2025)
    assert [d for d in days if Workdays("mon_fri").is_workday(d)] == [
        d for d in days if d.weekday() < 5]
    assert all(Workdays().is_workday(d) for d in days)


def test_china_outside_its_years_counts_monday_to_friday() -> None:
    """A year not published yet: Monday to Friday, no statutory holidays (2040-01-01 is a
    Sunday, 2040-10-01 a Monday: 国庆 is not assumed), where the checker warns (W333)."""
    china = Workdays("china")
    days = _year(2040)
    assert [d for d in days if china.is_workday(d)] == [d for d in days if d.weekday() < 5]
    assert not china.is_workday(dt.date(2040, 1, 1)) and china.is_workday(dt.date(2040, 10, 1))
    assert not any(is_statutory_holiday(d) for d in days)

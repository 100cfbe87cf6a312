"""W333: the statutory holiday calendar's years, checked where a playbook's runs are dated."""

from __future__ import annotations

import datetime as dt

from programs import program_from
from sopdsl.calendars import china_years
from sopdsl.checker.calendar_years import calendar_gap
from sopdsl.scenario.build import effective_scenario

CHINA = 'playbook "t" {\n  timezone "Asia/Shanghai"\n  workdays china\n}\n'
HOLIDAY_TEST = 'journey j {\n  when every day at 10:00\n  audience today is holiday\n  tag "x"\n}\n'
LAST = china_years().stop - 1  # the last published year


def test_dates_written_past_the_calendar_are_w333_when_it_is_read():
    """A date literal after the last published year, under `workdays china`, at its place."""
    text = CHINA + (f'journey j {{\n  when at {LAST + 1}-06-18 20:00\n  audience today in '
                    f'{LAST}-06-01..{LAST}-06-30\n  tag "x"\n}}\n')
    found = program_from(text).diagnostics
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("W333", 6, 11)]
    assert found[0].message == (f"`workdays china` knows the statutory holidays of "
                                f"2004-{LAST} only, not {LAST + 1}-06-18: its days count Monday "
                                "to Friday, with no statutory holidays")
    # Without the calendar a far date is fine; `is holiday` reads it too.
    assert program_from(text.replace("workdays china", "workdays mon_fri")).diagnostics == []
    assert calendar_gap(program_from(HOLIDAY_TEST), dt.date(2040, 1, 1),
                        dt.date(2040, 1, 2)).startswith("`is holiday` knows")


def test_a_scenario_past_the_calendar_is_w333_at_the_setting_that_takes_it_there():
    """The forecast still runs (the scenario is built), warned at `start` or `horizon`."""
    start_late = CHINA + HOLIDAY_TEST + "scenario s { start 2040-01-01  horizon 30d }\n"
    runs_over = CHINA + HOLIDAY_TEST + f"scenario s {{ start {LAST}-12-01  horizon 60d }}\n"
    inside = CHINA + HOLIDAY_TEST + f"scenario s {{ start {LAST}-10-01  horizon 60d }}\n"
    for text, column in ((start_late, 20), (runs_over, 40)):
        scenario, found = effective_scenario(program_from(text))
        assert scenario is not None
        assert [(d.code, d.span.line, d.span.column) for d in found] == [("W333", 10, column)]
    assert effective_scenario(program_from(inside))[1] == []


def test_the_builtin_scenario_past_the_calendar_points_at_the_workdays_setting():
    scenario, found = effective_scenario(program_from(CHINA + HOLIDAY_TEST),
                                         today=dt.date(LAST, 12, 1))
    assert scenario is not None and [(d.code, d.span.line) for d in found] == [("W333", 3)]
    assert found[0].message.startswith(f"the built-in scenario runs from {LAST}-12-01 to")

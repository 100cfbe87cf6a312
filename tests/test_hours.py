"""Daily hours against moments worked out by hand, a walk over every minute, and the wall clock
of a zone with summer time; the simulator's and the exact forecaster's due times against both."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulator.engine import Replication
from simulator.exact_model import ExactModel
from simulator.staff import WorkItem
from sopdsl.builtins import MINUTES_PER_DAY as DAY
from sopdsl.calendars import Workdays
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.hours import ClockHours, DailyHours, WorkingTime, due_time
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import CLOCK, at, program_of, show

QUIET = ClockHours(DailyHours(21 * 60 + 30, 8 * 60 + 30), CLOCK)
# Summer time starts on Sunday 2026-03-08 (02:00 -> 03:00) and ends on Sunday 2026-11-01
# (02:00 -> 01:00); minute 0 is the Sunday a week before each.
SPRING = Clock(dt.datetime(2026, 3, 1), "America/New_York")
AUTUMN = Clock(dt.datetime(2026, 10, 25), "America/New_York")
minutes_of_day = st.integers(min_value=0, max_value=DAY - 1)


@pytest.mark.parametrize(("when", "pushed"), [
    ("12-01 22:00", "12-02 08:30"),  # late evening: to tomorrow's end of the window
    ("12-02 02:00", "12-02 08:30"),  # after midnight: to this morning's end
    ("12-01 21:30", "12-02 08:30"),  # the start is quiet
    ("12-02 08:30", "12-02 08:30"),  # the end is not
    ("12-02 12:00", "12-02 12:00"),
])
def test_quiet_hours_wrapping_midnight(when: str, pushed: str) -> None:
    """A time inside 21:30-08:30 moves to the window's end; outside it stays."""
    assert show(QUIET.release(at(when))) == pushed
    assert QUIET.inside(at(when)) == (pushed != when)


def test_quiet_hours_within_a_day() -> None:
    """A 12:00-14:00 window moves 13:00 to 14:00 and leaves 14:00."""
    lunch = ClockHours(DailyHours(720, 840), CLOCK)
    assert show(lunch.release(at("12-01 13:00"))) == "12-01 14:00"
    assert show(lunch.release(at("12-01 14:00"))) == "12-01 14:00"
    assert DailyHours(720, 840).text == "12:00-14:00"


def test_staff_sends_wait_for_staff_hours_and_the_end_of_quiet_hours() -> None:
    """A staff-confirmed send: confirmed from the next working moment, out of quiet hours, until
    the working day ends or quiet hours begin; other work only waits for staff hours."""
    quiet = ClockHours(DailyHours(21 * 60 + 30, 8 * 60 + 30), CLOCK)
    day = WorkingTime(ClockHours(DailyHours(9 * 60, 21 * 60), CLOCK), quiet)
    assert [show(t) for t in day.send_window(at("12-02 22:00"))] == ["12-03 09:00", "12-03 21:00"]
    assert [show(t) for t in day.send_window(at("12-02 10:00"))] == ["12-02 10:00", "12-02 21:00"]
    long = WorkingTime(ClockHours(DailyHours(8 * 60, 23 * 60), CLOCK), quiet)
    assert [show(t) for t in long.send_window(at("12-02 08:00"))] == ["12-02 08:30", "12-02 21:30"]
    assert [show(t) for t in long.work_window(at("12-02 10:00"))] == ["12-02 10:00", "12-02 23:00"]
    assert [show(t) for t in long.work_window(at("12-02 22:00"))] == ["12-02 22:00", "12-02 23:00"]
    due = at("12-04 12:00")
    assert long.work_window(at("12-02 23:30"), due) == (at("12-03 08:00"), due)


def test_the_end_of_the_next_working_day_on_the_wall_clock() -> None:
    """Sends due across summer-time changes, worked out by hand in minutes from minute 0."""
    spring = ClockHours(DailyHours(9 * 60, 21 * 60), SPRING)
    # Saturday 03-07 10:00 -> Sunday 03-08 21:00, and that Sunday lost its 02:00-03:00.
    assert spring.due_after(SPRING.minutes(dt.datetime(2026, 3, 7, 10))) == 7 * DAY + 21 * 60 - 60
    autumn = ClockHours(DailyHours(9 * 60, 21 * 60), AUTUMN)
    # Saturday 10-31 22:00, after hours -> Monday 11-02 21:00; Sunday 11-01 had 25 hours.
    assert autumn.due_after(AUTUMN.minutes(dt.datetime(2026, 10, 31, 22))) == \
        8 * DAY + 21 * 60 + 60
    night = ClockHours(DailyHours(22 * 60, 6 * 60), SPRING)
    # A night shift over the change: 22:00 to 06:00 is 7 hours that night.
    fortnight = SPRING.at(dt.date(2026, 3, 15), 0)
    assert fortnight == 14 * DAY - 60
    assert night.minutes_between(0, fortnight) == 14 * 8 * 60 - 60


def wall_due(clock: Clock, daily: DailyHours, t: float) -> float:
    """The end of the working day after the one `t` falls in (or comes before), from local
    dates and times read in the zone."""
    local = clock.local(t)
    windows = []
    for offset in range(-1, 4):
        first = local.date() + dt.timedelta(days=offset)
        last = first + dt.timedelta(days=1 if daily.wraps else 0)
        windows.append((
            clock.minutes(dt.datetime.combine(first, dt.time(*divmod(daily.start, 60)))),
            clock.minutes(dt.datetime.combine(last, dt.time(*divmod(daily.end, 60))))))
    current = next(k for k, (_, end) in enumerate(windows) if end > t)
    return windows[current + 1][1]


@pytest.fixture(scope="module", params=["2026-03-01", "2026-10-25"], ids=["spring", "autumn"])
def new_york(request):
    """A New York playbook whose scenario starts a week before a summer-time change, with a
    day shift and a night shift over the change, in the engine and in the exact forecaster."""
    program = program_of(
        'role day "d"\nrole night "n"\njourney j { when friend_added\n'
        '  send hello via private_chat }\ncontent hello: text "hi"\n'
        f'scenario s {{\n  start {request.param}  horizon 14d\n  population 10\n'
        '  staff day 2 { capacity 10/day  completion 100%  delay fixed(0m)  hours 09:00-21:00 }\n'
        '  staff night 1 { capacity 10/day  completion 100%  delay fixed(0m)  '
        'hours 22:00-06:00 }\n}\n',
        playbook='playbook "t" { timezone "America/New_York" }\n')
    scenario, problems = effective_scenario(program)
    assert problems == [] and scenario is not None
    return Replication(program, scenario, 1, None), ExactModel(program, scenario)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(moment=st.floats(min_value=0, max_value=12 * DAY, allow_nan=False))
def test_engine_and_exact_sends_are_due_alike_across_summer_time(new_york, moment) -> None:
    """A send arriving at any moment of the fortnight is due at the same instant in the
    simulator's staff model and the exact forecaster: the wall clock's end of the next day."""
    replication, model = new_york
    for role, daily in (("day", DailyHours(9 * 60, 21 * 60)), ("night", DailyHours(22 * 60, 360))):
        item = WorkItem(0, "send", moment, None)
        assert replication.staffing.assign(item, None, role, send=True)
        assert item.due == model.send_due(role, moment) == wall_due(model.clock, daily, moment)


def test_engine_and_exact_count_the_same_working_time(new_york) -> None:
    """The staff's available minutes over the horizon are the minutes of the fortnight whose
    wall-clock time is inside their hours, in the simulator and the exact forecaster."""
    replication, model = new_york
    roles = replication.staffing.roles
    for role, count, daily in (("day", 2, DailyHours(9 * 60, 21 * 60)),
                               ("night", 1, DailyHours(22 * 60, 360))):
        walked = sum(daily.contains(model.clock.minute_of_day(t)) for t in range(14 * DAY))
        assert roles[role].tally.available_minutes == count * model.working_minutes(
            role, 0, 14 * DAY) == count * walked


@settings(max_examples=150, deadline=None, derandomize=True)
@given(clock=st.sampled_from([CLOCK, SPRING, AUTUMN]),
       start=st.integers(min_value=0, max_value=12 * DAY),
       length=st.integers(min_value=0, max_value=3 * DAY),
       # Away from 01:00-03:00, the times summer time skips or repeats.
       first=st.one_of(st.integers(0, 59), st.integers(180, DAY - 1)),
       last=st.one_of(st.integers(0, 59), st.integers(180, DAY - 1)))
def test_working_minutes_equal_a_walk_over_every_minute(clock, start, length, first,
                                                       last) -> None:
    """Working minutes between two moments count the minutes whose wall-clock time is inside
    the hours, for hours that wrap midnight or not, across summer-time changes."""
    daily = DailyHours(first, last)
    walked = sum(daily.contains(clock.minute_of_day(t)) for t in range(start, start + length))
    assert ClockHours(daily, clock).minutes_between(start, start + length) == walked


@settings(max_examples=300, deadline=None, derandomize=True)
@given(minutes_of_day, st.integers(min_value=0, max_value=4 * DAY), minutes_of_day,
       minutes_of_day)
def test_minutes_in_a_window_of_the_day_equal_a_minute_walk(start: int, length: int, first: int,
                                                           last: int) -> None:
    """Without dates: any window and any hours (wrapping midnight or not, empty) agree."""
    daily = DailyHours(first, last)
    walked = sum(daily.contains(minute % DAY) for minute in range(start, start + length))
    assert daily.minutes_in(start, length) == walked


def test_a_century_of_working_time_is_counted_whole_days_at_once() -> None:
    """36,500 days hold 36,500 working days, on the clock and as times of day."""
    daily = DailyHours(9 * 60, 21 * 60)
    assert ClockHours(daily, CLOCK).minutes_between(0, 36_500 * DAY) == 36_500 * 720
    assert daily.least_minutes_in(36_500 * DAY) == (36_500 * 720, 21 * 60)


@pytest.mark.parametrize(("made", "due", "wall", "expected"), [
    ("12-01 20:30", 120, False, "12-02 10:30"),  # 30 minutes that evening, 90 the next morning
    ("12-01 07:00", 120, False, "12-01 11:00"),  # made before work: counted from 09:00
    ("12-01 10:00", DAY, False, "12-02 10:00"),  # `due 1d`: one working day
    ("12-01 20:30", 2 * DAY + 60, False, "12-04 09:30"),  # two working days and an hour
    ("12-01 21:00", 720, False, "12-02 21:00"),  # the end of the hours is a due moment
    ("12-01 20:30", 120, True, "12-01 22:30"),  # `due 2h wall`: the clock
])
def test_due_counts_working_time(made: str, due: int, wall: bool, expected: str) -> None:
    """`due D` under 09:00-21:00 is D of working time (each day a working day); `wall` is
    the clock."""
    hours = ClockHours(DailyHours(9 * 60, 21 * 60), CLOCK)
    assert show(due_time(at(made), due, wall, hours)) == expected
    assert due_time(at(made), None, wall, hours) is None


@settings(max_examples=200, deadline=None)
@given(made=st.integers(0, 20 * DAY), minutes=st.integers(0, 5 * 720))
def test_after_working_holds_exactly_the_working_minutes(made: int, minutes: int) -> None:
    """The moment `after_working` gives holds exactly the asked working minutes since `made`,
    and is itself a working moment or a window's end."""
    hours = ClockHours(DailyHours(9 * 60, 21 * 60), CLOCK)
    end = hours.after_working(made, minutes)
    assert hours.minutes_between(made, end) == pytest.approx(minutes)
    assert hours.inside(end) or hours.window(end - 1e-6)[1] == end or end == made


HOLIDAY_CLOCK = Clock(dt.datetime(2025, 9, 1), "Asia/Shanghai")


def _on_holiday_clock(when: str) -> float:
    return HOLIDAY_CLOCK.minutes(dt.datetime.fromisoformat(when))


@pytest.mark.parametrize(("workdays", "made", "expected"), [
    # One hour on the evening of 09-30, none over 国庆 (10-01..10-08), one on 10-09.
    ("china", "2025-09-30 20:00", "2025-10-09 10:00"),
    ("every_day", "2025-09-30 20:00", "2025-10-01 10:00"),
    # Saturday 10-11 is a 调休 working day; Sunday 10-12 is not.
    ("china", "2025-10-10 20:00", "2025-10-11 10:00"),
    ("china", "2025-10-11 20:00", "2025-10-13 10:00"),
    ("mon_fri", "2025-10-10 20:00", "2025-10-13 10:00"),
])
def test_due_skips_the_days_off_of_the_workdays_calendar(workdays: str, made: str,
                                                        expected: str) -> None:
    """`due 2h` under 09:00-21:00 counts working hours of working days only."""
    hours = ClockHours(DailyHours(9 * 60, 21 * 60), HOLIDAY_CLOCK, Workdays(workdays))
    due = due_time(_on_holiday_clock(made), 120, False, hours)
    assert HOLIDAY_CLOCK.local(due).strftime("%Y-%m-%d %H:%M") == expected


def test_working_time_over_golden_week_counts_working_days() -> None:
    """09-29..10-12 of 2025 holds 5 working days under `china` (09-29, 09-30, 10-09, 10-10 and
    the worked Saturday 10-11), so 5 x 12 hours; every day gives 14."""
    start, end = _on_holiday_clock("2025-09-29 00:00"), _on_holiday_clock("2025-10-13 00:00")
    daily = DailyHours(9 * 60, 21 * 60)
    china = ClockHours(daily, HOLIDAY_CLOCK, Workdays("china"))
    assert china.minutes_between(start, end) == 5 * 720
    assert ClockHours(daily, HOLIDAY_CLOCK).minutes_between(start, end) == 14 * 720


@pytest.fixture(scope="module")
def golden_week():
    """A replication and an exact model over 国庆 2025 under `workdays china`."""
    program = program_of(
        'role cs "客服"\njourney j { when friend_added\n  send hello via private_chat }\n'
        'content hello: text "hi"\n'
        'scenario s {\n  start 2025-09-22  horizon 28d\n  population 10\n'
        '  staff cs 2 { capacity 10/day  completion 100%  delay fixed(0m)  hours 09:00-21:00 }\n'
        '}\n',
        playbook='playbook "t" { timezone "Asia/Shanghai"\n  workdays china }\n')
    scenario, problems = effective_scenario(program)
    assert problems == [] and scenario is not None
    return Replication(program, scenario, 1, None), ExactModel(program, scenario)


def test_engine_and_exact_staff_work_the_china_calendar(golden_week) -> None:
    """Over 2025-09-22..10-19 staff work the published working days only (20 weekdays less 6
    days off, plus the worked 09-28 and 10-11), in the simulator and the exact forecaster."""
    replication, model = golden_week
    china = Workdays("china")
    days = [dt.date(2025, 9, 22) + dt.timedelta(days=k) for k in range(28)]
    working = sum(china.is_workday(day) for day in days)
    assert working == 20 - 6 + 2
    minutes = model.working_minutes("cs", 0, 28 * DAY)
    assert minutes == working * 720
    assert replication.staffing.roles["cs"].tally.available_minutes == 2 * minutes


@settings(max_examples=100, deadline=None, derandomize=True)
@given(clock=st.sampled_from([CLOCK, SPRING, AUTUMN]), first=minutes_of_day, last=minutes_of_day,
       moments=st.lists(st.floats(min_value=0, max_value=14 * DAY), min_size=1, max_size=30))
def test_hours_asked_in_any_order_answer_as_fresh_ones(clock, first, last, moments) -> None:
    """Hours reuse their last answer only where it holds: asked moments in any order (the
    engine's mostly rising ones, and earlier ones between), each answer is a fresh object's."""
    daily = DailyHours(first, last)
    asked = ClockHours(daily, clock)
    for t in moments:
        fresh = ClockHours(daily, clock)
        assert (asked.window(t), asked.release(t)) == (fresh.window(t), fresh.release(t))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(clock=st.sampled_from([CLOCK, SPRING, AUTUMN]),
       first=st.one_of(st.integers(0, 59), st.integers(180, DAY - 1)),
       last=st.one_of(st.integers(0, 59), st.integers(180, DAY - 1)),
       workdays=st.sampled_from(["every_day", "mon_fri"]),
       moments=st.lists(st.one_of(st.integers(0, 12 * DAY), st.floats(0, 12 * DAY)),
                        min_size=1, max_size=40))
def test_due_after_answers_as_its_two_windows_whatever_was_asked_before(
        clock, first, last, workdays, moments) -> None:
    """`due_after` kept from its last answer equals the end of the window after the window of
    each moment, asked in any order (repeats, steps back, window ends); hours of some length
    (empty ones have no next window)."""
    assume(first != last)
    hours = ClockHours(DailyHours(first, last), clock, Workdays(workdays))
    fresh = ClockHours(DailyHours(first, last), clock, Workdays(workdays))
    for t in moments + [fresh.window(moments[0])[1], moments[0]]:
        assert hours.due_after(t) == fresh.window(fresh.window(t)[1])[1]

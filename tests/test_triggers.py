"""Tests for triggers: yearly dates, broadcasts, inactivity, segments, stages, tags, wake-ups."""

from __future__ import annotations

import datetime as dt

from programs import clean_program
from runtime_kit import PLAYBOOK, at, event, interpreter, show
from sopdsl.runtime.arms import stable_arm
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.runtime.effects import Entered
from sopdsl.runtime.triggers import month_day
from sopdsl.runtime.yearly import anniversary

DECLS = 'content a: text "a"\nsegment buyer = count(purchase, 30d) >= 2\n'


def entered(effects, journey: str | None = None) -> list[str | None]:
    return [show(e.time) for e in effects
            if isinstance(e, Entered) and (journey is None or e.journey == journey)]


def machine_for(journeys: str):
    return interpreter(DECLS + journeys)


def test_yearly_birthday_trigger_with_offset_and_time():
    """`birthday - 3d at 10:00` for a 12-10 birthday fires 12-07 10:00 each year."""
    machine = machine_for("journey j { when birthday - 3d at 10:00  reentry always }")
    c = machine.new_customer("c1", 0.0, attributes={"birthday": "1990-12-10"})
    assert show(machine.next_wakeup(c)) == "12-07 10:00"
    effects = machine.advance(c, at("2027-12-31 00:00"))
    assert entered(effects) == ["12-07 10:00", "12-07 10:00"]
    assert [e.time for e in effects if isinstance(e, Entered)][1] == at("2027-12-07 10:00")


def test_date_attribute_alone_fires_at_midnight():
    """`when birthday` fires at 00:00 local on the birthday."""
    machine = machine_for("journey j { when birthday }")
    c = machine.new_customer("c1", 0.0, attributes={"birthday": dt.date(1990, 12, 3)})
    assert show(machine.next_wakeup(c)) == "12-03 00:00"


def test_feb_29_birthdays_fall_on_feb_28_in_common_years():
    """A Feb 29 birthday fires Feb 28 in 2027 and Feb 29 in 2028."""
    assert anniversary(dt.date(2000, 2, 29), 2027) == dt.date(2027, 2, 28)
    assert anniversary(dt.date(2000, 2, 29), 2028) == dt.date(2028, 2, 29)
    machine = machine_for("journey j { when birthday at 09:00  reentry always }")
    c = machine.new_customer("c1", 0.0, attributes={"birthday": "2000-02-29"})
    effects = machine.advance(c, at("2028-12-31 00:00"))
    assert [e.time for e in effects if isinstance(e, Entered)] == [
        at("2027-02-28 09:00"), at("2028-02-29 09:00")]


def test_date_trigger_without_the_attribute_never_fires():
    """No birthday, no wake-up."""
    machine = machine_for("journey j { when birthday }")
    assert machine.next_wakeup(machine.new_customer("c1", 0.0)) is None


def test_setting_a_date_attribute_reschedules():
    """A `set` from the driver moves the next yearly moment."""
    machine = machine_for("journey j { when birthday }")
    c = machine.new_customer("c1", 0.0, attributes={"birthday": "1990-12-20"})
    machine.update(c, at("12-01 09:00"), attributes={"birthday": "1990-12-05"})
    assert show(machine.next_wakeup(c)) == "12-05 00:00"


def test_every_weekday_broadcast_reaches_each_matching_customer():
    """`every monday at 09:30`: every Monday for a customer in the audience, never for others."""
    machine = machine_for('journey j { when every monday at 09:30  audience not tag "x"  '
                          "reentry always  send a via moments }")
    member, other = machine.new_customer("c1", 0.0), machine.new_customer("c2", 0.0, tags=["x"])
    assert entered(machine.advance(member, at("12-15 00:00"))) == ["11-30 09:30", "12-07 09:30",
                                                                  "12-14 09:30"]
    assert entered(machine.advance(other, at("12-15 00:00"))) == []


def test_every_day_broadcast_starts_after_the_customer_is_known():
    """A customer known from 12-01 10:00 first gets `every day at 09:00` on 12-02."""
    machine = machine_for("journey j { when every day at 09:00  reentry always }")
    c = machine.new_customer("c1", at("12-01 10:00"))
    assert entered(machine.advance(c, at("12-03 12:00"))) == ["12-02 09:00", "12-03 09:00"]


def test_every_two_weeks_keeps_a_fixed_phase():
    """`every 2w on friday` fires on alternate Fridays, the same ones whenever a customer joins."""
    machine = machine_for("journey j { when every 2w on friday at 20:00  reentry always }")
    early = machine.new_customer("c1", 0.0)
    late = machine.new_customer("c2", at("12-05 00:00"))
    assert entered(machine.advance(early, at("12-26 00:00"))) == ["12-11 20:00", "12-25 20:00"]
    assert entered(machine.advance(late, at("12-26 00:00"))) == ["12-11 20:00", "12-25 20:00"]


def test_inactive_trigger_counts_from_the_last_activity():
    """`inactive 14d`: 14 days after the last open, click, reply, purchase or store visit."""
    machine = machine_for("journey j { when inactive 14d  reentry always }")
    c = machine.new_customer("c1", 0.0, history=[event("reply", "11-25 10:00")])
    assert show(machine.next_wakeup(c)) == "12-09 10:00"
    machine.on_event(c, event("delivered", "12-03 10:00"))  # not an activity
    assert show(machine.next_wakeup(c)) == "12-09 10:00"
    machine.on_event(c, event("store_visit", "12-04 18:00"))
    assert show(machine.next_wakeup(c)) == "12-18 18:00"
    assert entered(machine.advance(c, at("2027-01-31 00:00"))) == ["12-18 18:00"]


def test_inactive_trigger_counts_an_activity_at_the_start_itself():
    """A visit at minute 0.0, the first moment followed, is the last activity (not none)."""
    machine = machine_for("journey j { when inactive 14d  reentry always }")
    assert at("11-30 00:00") == 0.0
    c = machine.new_customer("c1", 0.0, history=[event("friend_added", "11-20 10:00"),
                                                  event("store_visit", "11-30 00:00")])
    assert show(machine.next_wakeup(c)) == "12-14 00:00"


def test_inactive_trigger_before_the_customer_was_known_does_not_fire():
    """Inactivity that reached 14 days before following began is not a moment to act on."""
    machine = machine_for("journey j { when inactive 14d }")
    c = machine.new_customer("c1", at("12-10 00:00"), history=[event("open", "11-20 10:00")])
    assert machine.next_wakeup(c) is None


def test_enter_segment_fires_when_the_customer_starts_matching():
    """A second purchase makes a `buyer`; an existing buyer does not enter at start."""
    machine = machine_for("journey j { when enter buyer  reentry always }")
    old = machine.new_customer("c0", 0.0, history=[event("purchase", "11-29 08:00", amount=1),
                                                   event("purchase", "11-29 09:00", amount=1)])
    assert machine.advance(old, at("12-01 00:00")) == []
    c = machine.new_customer("c1", 0.0)
    assert machine.on_event(c, event("purchase", "12-01 10:00", amount=1)) == []
    assert entered(machine.on_event(c, event("purchase", "12-02 10:00", amount=1))) == [
        "12-02 10:00"]


def test_enter_segment_including_current_enters_members_when_first_followed():
    """`including current` enters a customer already in the segment at the moment they are
    first followed (once); without it they do not; both enter those who join later."""
    buyer = [event("purchase", "11-29 08:00", amount=1), event("purchase", "11-29 09:00", amount=1)]
    for scope, expected in (("including current", ["12-01 06:00"]), ("", [])):
        machine = machine_for(f"journey j {{ when enter buyer {scope}  reentry always }}")
        old = machine.new_customer("c0", at("12-01 06:00"), history=buyer)
        assert show(machine.next_wakeup(old)) == ("12-01 06:00" if expected else "12-02 00:00")
        assert entered(machine.advance(old, at("12-05 00:00"))) == expected
        c = machine.new_customer("c1", at("12-01 06:00"))
        assert machine.advance(c, at("12-01 06:00")) == []
        machine.on_event(c, event("purchase", "12-01 10:00", amount=1))
        assert entered(machine.on_event(c, event("purchase", "12-02 10:00", amount=1))) == [
            "12-02 10:00"]


def test_enter_segment_daily_check_catches_time_based_changes():
    """`days_since(reply) > 2` holds from 12-02 10:00 on by time alone: entry at the next midnight."""
    machine = interpreter('segment lapsed = days_since(reply) > 2\n'
                          "journey j { when enter lapsed }")
    c = machine.new_customer("c1", 0.0, history=[event("reply", "11-29 10:00")])
    assert show(machine.next_wakeup(c)) == "12-01 00:00"
    assert entered(machine.advance(c, at("12-04 00:00"))) == ["12-03 00:00"]


def test_stage_becomes_and_tag_added_triggers():
    """A changed stage and a newly added tag start their journeys; repeats of either do not."""
    machine = machine_for('journey s { when stage becomes intent  reentry always }\n'
                          'journey t { when tag "hot" added  reentry always }\n'
                          'journey step { when reply  stage intent  tag "hot" }')
    c = machine.new_customer("c1", 0.0)
    effects = machine.on_event(c, event("reply", "12-01 10:00"))
    assert [(e.journey, e.trigger) for e in effects if isinstance(e, Entered)] == [
        ("step", "reply"), ("s", "stage becomes intent"), ("t", 'tag "hot" added')]
    assert machine.update(c, at("12-01 11:00"), stage="intent", add_tags=["hot"]) == []


def test_event_trigger_with_content():
    """`when click(a)` starts on a click on `a` only."""
    machine = machine_for("journey j { when click(a)  reentry always }")
    c = machine.new_customer("c1", 0.0)
    assert machine.on_event(c, event("click", "12-01 10:00", "b")) == []
    assert entered(machine.on_event(c, event("click", "12-01 10:01", "a"))) == ["12-01 10:01"]


def test_next_wakeup_covers_waits_deadlines_goals_and_schedules():
    """The earliest of a wait, a wait-for deadline, a goal window and a scheduled trigger."""
    machine = machine_for("""
journey w { when reply  wait 3d }
journey f { when reply  wait for click within 2d }
journey g { when reply  goal bought: purchase within 1d }
journey e { when every day at 09:00  reentry always }
""")
    c = machine.new_customer("c1", at("12-01 09:30"))
    machine.on_event(c, event("reply", "12-01 10:00"))
    assert {name: show(run.wake_at) for name, run in c.runs.items()} == {
        "w": "12-04 10:00", "f": "12-03 10:00", "g": "12-02 10:00"}
    assert show(machine.next_wakeup(c)) == "12-02 09:00"
    machine.advance(c, at("12-02 09:00"))
    assert show(machine.next_wakeup(c)) == "12-02 10:00"


def test_monthly_trigger_on_the_31st_falls_on_the_last_day_of_short_months():
    """`every month on 31` from 11-30: 11-30, 12-31, 01-31, 02-28 (2027 is a common year),
    03-31, 04-30."""
    machine = machine_for("journey j { when every month on 31 at 10:00  reentry always }")
    c = machine.new_customer("c1", 0.0)
    assert entered(machine.advance(c, at("2027-05-01 00:00"))) == [
        "11-30 10:00", "12-31 10:00", "01-31 10:00", "02-28 10:00", "03-31 10:00", "04-30 10:00"]


def test_monthly_trigger_on_the_last_day_in_a_leap_year():
    """`every month on last` in 2028: 01-31, 02-29, 03-31."""
    assert month_day(2028, 2, None) == dt.date(2028, 2, 29)
    assert month_day(2027, 2, 30) == dt.date(2027, 2, 28)
    machine = machine_for("journey j { when every month on last at 09:00  reentry always }")
    c = machine.new_customer("c1", at("2028-01-01 00:00"))
    effects = machine.advance(c, at("2028-03-31 23:00"))
    assert [e.time for e in effects if isinstance(e, Entered)] == [
        at("2028-01-31 09:00"), at("2028-02-29 09:00"), at("2028-03-31 09:00")]


def test_monthly_trigger_on_the_first():
    """`every month on 1 at 10:00` from 11-30: 12-01, 01-01."""
    machine = machine_for("journey j { when every month on 1 at 10:00  reentry always }")
    c = machine.new_customer("c1", 0.0)
    assert entered(machine.advance(c, at("2027-01-15 00:00"))) == ["12-01 10:00", "01-01 10:00"]


def test_one_off_trigger_fires_once():
    """`when at 2026-12-18 20:00` fires at that local moment only."""
    machine = machine_for("journey j { when at 2026-12-18 20:00  reentry always }")
    c = machine.new_customer("c1", 0.0)
    assert entered(machine.advance(c, at("2027-12-31 00:00"))) == ["12-18 20:00"]


def lunar_machine(journeys: str, epoch: dt.datetime = dt.datetime(2024, 1, 1)):
    """An interpreter of a playbook with a lunar birthday, on a clock whose minute 0 is `epoch`."""
    text = PLAYBOOK + DECLS + "attribute lunar_birthday: lunar_date\n" + journeys
    clock = Clock(epoch, "Asia/Shanghai")
    return Interpreter(clean_program(text), clock, stable_arm), clock


def fired(effects, clock: Clock) -> list[str]:
    return [clock.local(e.time).strftime("%Y-%m-%d %H:%M") for e in effects
            if isinstance(e, Entered)]


def test_lunar_birthday_fires_on_its_solar_day_each_year():
    """Born 八月十五: `lunar_birthday - 3d at 10:00` three days before 2024-2026's published
    中秋 (2024-09-17, 2025-10-06, 2026-09-25)."""
    machine, clock = lunar_machine(
        "journey j { when lunar_birthday - 3d at 10:00  reentry always }")
    c = machine.new_customer("c1", 0.0, attributes={"lunar_birthday": "1990-08-15"})
    effects = machine.advance(c, clock.minutes(dt.datetime(2026, 12, 31)))
    assert fired(effects, clock) == ["2024-09-14 10:00", "2025-10-03 10:00", "2026-09-22 10:00"]


def test_lunar_birthdays_in_january_fire_once_a_solar_year():
    """腊月廿三 of lunar 2023, 2024 and 2025 falls in the next solar years' Januarys and
    Februarys: 2024-02-02, 2025-01-22, 2026-02-10."""
    machine, clock = lunar_machine("journey j { when lunar_birthday  reentry always }")
    c = machine.new_customer("c1", 0.0, attributes={"lunar_birthday": "腊月廿三"})
    effects = machine.advance(c, clock.minutes(dt.datetime(2026, 12, 31)))
    assert fired(effects, clock) == ["2024-02-02 00:00", "2025-01-22 00:00", "2026-02-10 00:00"]


def test_leap_month_birthday_falls_in_the_leap_month_when_the_year_has_it():
    """Born 闰六月初一: 2025 (with 闰六月) on 2025-07-25; 2024 and 2026 on 六月初一."""
    machine, clock = lunar_machine("journey j { when lunar_birthday at 09:00  reentry always }")
    c = machine.new_customer("c1", 0.0, attributes={"lunar_birthday": "闰六月初一"})
    effects = machine.advance(c, clock.minutes(dt.datetime(2026, 12, 31)))
    assert fired(effects, clock) == ["2024-07-06 09:00", "2025-07-25 09:00", "2026-07-14 09:00"]


def test_festival_triggers_fire_for_everyone_on_the_festival():
    """`when mid_autumn - 1d at 10:00` and `when 春节`, with no attribute at all."""
    machine, clock = lunar_machine(
        "journey m { when mid_autumn - 1d at 10:00  reentry always }\n"
        "journey s { when 春节  reentry always }")
    c = machine.new_customer("c1", 0.0)
    effects = machine.advance(c, clock.minutes(dt.datetime(2025, 12, 31)))
    assert fired(effects, clock) == [
        "2024-02-10 00:00", "2024-09-16 10:00", "2025-01-29 00:00", "2025-10-05 10:00"]


def test_a_schedule_in_a_range_of_dates_fires_on_those_days_only():
    """`every day at 10:00 in 12-03..12-05`: three days, both ends included; weekly and
    monthly schedules take a range too."""
    machine = machine_for(
        "journey d { when every day at 10:00 in 2026-12-03..2026-12-05  reentry always }\n"
        "journey w { when every friday at 09:00 in 2026-12-01..2026-12-31  reentry always }\n"
        "journey m { when every month on last at 20:00 in 2027-01-15..2027-03-15 "
        " reentry always }")
    c = machine.new_customer("c1", 0.0)
    effects = machine.advance(c, at("2027-12-31 00:00"))
    assert entered(effects, "d") == ["12-03 10:00", "12-04 10:00", "12-05 10:00"]
    assert entered(effects, "w") == ["12-04 09:00", "12-11 09:00", "12-18 09:00", "12-25 09:00"]
    assert entered(effects, "m") == ["01-31 20:00", "02-28 20:00"]


def test_customers_followed_from_different_moments_share_broadcast_moments_rightly():
    """A broadcast's next moment, worked out once per moment asked from, is each customer's
    own: customers followed before, at and after a Friday 10:00 wake at the right Friday."""
    machine = machine_for("journey j { when every 2w on friday at 10:00  reentry always }")
    followed = ["12-01 00:00", "12-11 10:00", "12-11 10:01", "12-01 00:00", "12-11 10:00"]
    wakes = [show(machine.next_wakeup(machine.new_customer(str(k), at(when))))
             for k, when in enumerate(followed)]
    assert wakes == ["12-11 10:00", "12-25 10:00", "12-25 10:00", "12-11 10:00", "12-25 10:00"]


def test_the_soonest_trigger_is_recomputed_when_an_attribute_moves_a_date():
    """Each customer keeps their soonest trigger until one of its moments changes: setting a
    birthday earlier than the weekly broadcast makes the birthday the next wake-up."""
    machine = machine_for("journey j { when every monday at 09:00 or birthday at 08:00 }")
    c = machine.new_customer("c1", at("12-01 12:00"), attributes={"birthday": "1990-12-20"})
    assert show(machine.next_wakeup(c)) == "12-07 09:00"
    machine.update(c, at("12-01 13:00"), attributes={"birthday": "1990-12-02"})
    assert show(machine.next_wakeup(c)) == "12-02 08:00"

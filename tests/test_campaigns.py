"""Campaigns: phases in expressions and triggers, pauses and blocks of other journeys' sends,
`today` and date ranges, each against dates worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from runtime_kit import CLOCK, at, event, interpreter, program_of, show
from sopdsl.runtime.campaigns import CampaignCalendar
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.effects import Entered, SendDelivered, SendDropped, SendRequested

CAMPAIGN = """
content a: text "a"
campaign 1212 "双十二" {
  phase 预热 2026-12-05..2026-12-10
  phase peak 2026-12-11..2026-12-12
  phase 返场 2026-12-14..2026-12-14
  pause daily during peak
  block weekly during 预热, 返场
}
"""


def test_phases_are_local_days_from_midnight_to_midnight():
    """Phase `peak` 12-11..12-12 is [12-11 00:00, 12-13 00:00) in Shanghai; 12-13 is in none."""
    calendar = CampaignCalendar(program_of(CAMPAIGN + "journey daily { when every day at 10:00 }"
                                           "\njourney weekly { when every monday at 10:00 }"),
                                CLOCK)
    assert calendar.phase_at("1212", at("12-10 23:59")) == "预热"
    assert calendar.phase_at("1212", at("12-11 00:00")) == "peak"
    assert calendar.phase_at("1212", at("12-12 23:59")) == "peak"
    assert calendar.phase_at("1212", at("12-13 12:00")) is None
    assert calendar.phase_at("1212", at("12-14 12:00")) == "返场"
    assert calendar.phase_start("1212", "peak") == at("12-11 00:00")


def test_campaign_tests_and_today_in_conditions():
    """`campaign X is P`, `in campaign X`, `today in A..B` and `date - today` read the local date."""
    machine = interpreter(CAMPAIGN + """
attribute due_date: date
journey daily { when every day at 10:00  reentry always
  if campaign 1212 is peak { tag "peak" }
  if in campaign 1212 { tag "in" }
  if today in 2026-12-13..2026-12-13 { tag "gap" }
  if due_date - today == 2 { tag "two days before" }
  if today + 1w == 2026-12-21 { tag "a week before" }
}
journey weekly { when every monday at 10:00 }""")
    c = machine.new_customer("c1", 0.0, attributes={"due_date": "2026-12-14"})
    seen = {}
    for day in range(4, 15):
        for effect in machine.advance(c, at(f"12-{day:02d} 11:00")):
            if effect.kind == "state_changed" and effect.field == "tag":
                seen.setdefault(effect.value, []).append(day)
        c.tags.clear()
    assert seen == {"in": [5, 6, 7, 8, 9, 10, 11, 12, 14], "peak": [11, 12], "gap": [13],
                    "two days before": [12], "a week before": [14]}


def test_campaign_trigger_fires_once_at_the_phase_start():
    """`when campaign 1212 starts peak at 09:30` fires on 12-11 09:30 and never again."""
    machine = interpreter(CAMPAIGN + """
journey daily { when campaign 1212 starts peak at 09:30  reentry always }
journey weekly { when campaign 1212 starts 返场 }""")
    c = machine.new_customer("c1", 0.0)
    effects = machine.advance(c, at("2027-12-31 00:00"))
    assert [(e.journey, show(e.time)) for e in effects if isinstance(e, Entered)] == [
        ("daily", "12-11 09:30"), ("weekly", "12-14 00:00")]


def test_a_customer_followed_after_the_moment_is_not_entered():
    """A one-off moment before the customer is followed never fires for them."""
    machine = interpreter('content a: text "a"\njourney j { when at 2026-12-03 20:00 }')
    assert show(machine.next_wakeup(machine.new_customer("c1", 0.0))) == "12-03 20:00"
    assert machine.next_wakeup(machine.new_customer("c2", at("12-03 20:00"))) is None


def test_pause_holds_sends_until_the_phase_ends_and_block_drops_them():
    """A daily 10:00 sms: held from 12-11 and 12-12 to 12-13 08:30 (midnight falls in quiet
    hours); the Monday send on 12-07 (warm-up) is dropped as `blackout`, 12-14 too."""
    machine = interpreter(CAMPAIGN + """
journey daily { when every day at 10:00  reentry always  send a via sms }
journey weekly { when every monday at 10:00  reentry always  send a via sms }""")
    c = machine.new_customer("c1", at("12-06 00:00"))
    delivered, dropped = [], []
    while (t := machine.next_wakeup(c)) < at("12-15 00:00"):
        effects = machine.advance(c, t)
        while effects:
            effect = effects.pop(0)
            if isinstance(effect, SendRequested):  # delivered when asked: held ones wait
                effects += machine.deliver(c, effect, t)
            elif isinstance(effect, SendDelivered):
                delivered.append((effect.journey, show(effect.time)))
            elif isinstance(effect, SendDropped):
                dropped.append((effect.journey, show(effect.time), effect.reason))
    daily = [when for journey, when in delivered if journey == "daily"]
    assert daily == ["12-06 10:00", "12-07 10:00", "12-08 10:00", "12-09 10:00", "12-10 10:00",
                     "12-13 08:30", "12-13 08:30", "12-13 10:00", "12-14 10:00"]
    assert dropped == [("weekly", "12-07 10:00", "blackout"), ("weekly", "12-14 10:00",
                                                                 "blackout")]


def test_a_paused_welcome_cannot_wait_and_is_blocked():
    """Welcome messages go out at once or never: during a pause they are dropped."""
    machine = interpreter(CAMPAIGN + """
journey daily { when friend_added  send a via welcome }
journey weekly { when every monday at 10:00 }""")
    c = machine.new_customer("c1", 0.0)
    effects = machine.on_event(c, event("friend_added", "12-11 12:00"))
    requested = [e for e in effects if isinstance(e, SendRequested)]
    outcome = machine.deliver(c, requested[0], requested[0].earliest)
    assert [(e.kind, getattr(e, "reason", None)) for e in outcome] == [
        ("send_dropped", "blackout")]


@pytest.mark.parametrize("timezone, day, hours", [
    ("America/New_York", dt.date(2026, 3, 8), 23), ("Europe/Berlin", dt.date(2026, 10, 25), 25),
])
def test_a_phase_over_a_summer_time_change_spans_its_local_days(timezone, day, hours):
    """A one-day phase on the day clocks change lasts 23 or 25 hours of real time."""
    program = program_of(f"""content a: text "a"
campaign c {{ phase p {day}..{day} }}
journey j {{ when campaign c starts p at 12:00 }}""",
                         playbook=f'playbook "t" {{ timezone "{timezone}" }}\n')
    clock = Clock(dt.datetime(2026, 1, 1), timezone)
    (phase,) = CampaignCalendar(program, clock).phases["c"]
    assert phase.end - phase.start == hours * 60
    assert clock.local(phase.start).hour == 0 and clock.local(phase.end).hour == 0

"""Tests for spent triggers: what a `reentry never` journey's triggers stop waking once entered."""

from __future__ import annotations

from runtime_kit import at, event, interpreter, show
from sopdsl.runtime.effects import Entered

DECLS = """
content a: text "a"
segment keen = tag "keen"
"""


def entered(effects) -> list[str]:
    return [e.journey for e in effects if isinstance(e, Entered)]


def test_a_daily_journey_entered_once_no_longer_wakes_the_customer():
    """`every day at 10:00` with `reentry never`: woken for the first firing, never after; with
    `reentry always` every day."""
    for reentry, after in (("never", None), ("always", "12-03 10:00")):
        machine = interpreter(f"{DECLS}journey j {{\n when every day at 10:00\n"
                              f" reentry {reentry}\n send a via sms\n}}")
        c = machine.new_customer("c1", at("12-01 12:00"))
        assert machine.next_wakeups(c) == (None, at("12-02 10:00"))
        assert entered(machine.advance(c, at("12-02 10:00"))) == ["j"]
        assert show(machine.next_wakeup(c)) == after, reentry


def test_a_customer_who_entered_by_another_trigger_is_not_woken_again():
    """Entered on an event, the journey's daily trigger is spent at once."""
    machine = interpreter(f"{DECLS}journey j {{\n when every day at 10:00 or friend_added\n"
                          f" reentry never\n send a via sms\n}}")
    c = machine.new_customer("c1", at("12-01 00:00"))
    assert show(machine.next_wakeup(c)) == "12-01 10:00"
    assert entered(machine.on_event(c, event("friend_added", "12-01 08:00"))) == ["j"]
    assert machine.next_wakeup(c) is None


def test_the_daily_segment_check_is_spent_when_every_segment_journey_is():
    """`when enter keen` with `reentry never`: once entered, neither the daily check nor a
    state change evaluates the segment again; a journey that may enter again keeps it. (Time
    alone cannot bring a customer into `keen`: the daily check looks only at its members.)"""
    machine = interpreter(f"{DECLS}journey j {{\n when enter keen\n reentry never\n"
                          f" send a via sms\n}}")
    c = machine.new_customer("c1", at("12-01 00:00"))
    assert machine.next_wakeups(c) == (None, None)
    assert entered(machine.update(c, at("12-01 09:00"), add_tags=["keen"])) == ["j"]
    assert machine.next_wakeup(c) is None
    machine.update(c, at("12-01 10:00"), remove_tags=["keen"])
    assert c.segments == {"keen": True}  # no longer evaluated: it can start nothing

    again = interpreter(f"{DECLS}journey j {{\n when enter keen\n reentry always\n"
                        f" send a via sms\n}}")
    c = again.new_customer("c1", at("12-01 00:00"))
    assert entered(again.update(c, at("12-01 09:00"), add_tags=["keen"])) == ["j"]
    assert show(again.next_wakeup(c)) == "12-02 00:00"
    again.update(c, at("12-01 10:00"), remove_tags=["keen"])
    assert c.segments == {"keen": False}


def test_own_moments_and_moments_the_same_for_everyone_are_told_apart():
    """A run's wait is the customer's own; a broadcast's moment is shared."""
    machine = interpreter(f"{DECLS}journey j {{\n when friend_added\n wait 1h\n send a via sms\n}}"
                          f"\njourney k {{\n when every day at 10:00\n send a via sms\n}}")
    c = machine.new_customer("c1", at("12-01 00:00"))
    machine.on_event(c, event("friend_added", "12-01 08:00"))
    assert machine.next_wakeups(c) == (at("12-01 09:00"), at("12-01 10:00"))
    assert show(machine.next_wakeup(c)) == "12-01 09:00"

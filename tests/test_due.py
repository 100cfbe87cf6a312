"""Tests for the due bookkeeping: each customer's kept next wake-up always equals what their
runs, held sends and triggers say when asked afresh."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime_kit import at, interpreter, show
from simulator.exact_states import clone
from sopdsl.runtime.customer import Customer, Event

PLAYBOOK = """
content a: text "a"
content b: text "b"

journey first {
  when friend_added
  reentry always
  send a via sms
  wait 1d at 10:00
  wait for click(a) or reply within 2d {
    then { tag "keen" }
    timeout { send b via sms }
  }
  wait 3h
}

journey second {
  when tag "keen" added
  exit on friend_deleted
  wait 2d
  send b via sms
  wait for purchase within 1d
}
"""
MACHINE = interpreter(PLAYBOOK)
START = at("12-01 09:00")


def fresh_own(c: Customer) -> float | None:
    """The customer's own next wake-up worked out from their runs and held sends alone."""
    times = [run.wake_at for run in c.runs.values() if run.wake_at is not None]
    if c.held:
        times.append(c.held[0].at)
    return min(times, default=None)


def test_a_run_moving_replaces_the_kept_wake_up():
    """Entering waits till 12-02 10:00; at that moment the run waits 2 days for a click; the
    click ends the wait and starts `second`, which wakes 2 days later."""
    c = MACHINE.new_customer("c1", START)
    MACHINE.on_event(c, Event("friend_added", START))
    assert show(MACHINE.next_wakeup(c)) == "12-02 10:00"
    MACHINE.advance(c, at("12-02 10:00"))
    assert show(MACHINE.next_wakeup(c)) == "12-04 10:00"
    MACHINE.on_event(c, Event("click", at("12-02 11:00"), "a"))
    assert show(MACHINE.next_wakeup(c)) == "12-02 14:00"
    MACHINE.advance(c, at("12-02 14:00"))
    assert show(MACHINE.next_wakeup(c)) == "12-04 11:00"


def test_a_clone_keeps_its_own_wake_up():
    """A copied customer's runs are copies: moving them leaves the original's wake-up alone."""
    c = MACHINE.new_customer("c1", START)
    MACHINE.on_event(c, Event("friend_added", START))
    assert MACHINE.next_wakeup(c) == at("12-02 10:00")
    copy = clone(c)
    MACHINE.advance(copy, at("12-02 10:00"))
    assert MACHINE.next_wakeup(copy) == at("12-04 10:00")
    assert MACHINE.next_wakeup(c) == at("12-02 10:00")


ACTIONS = st.lists(st.tuples(
    st.sampled_from(["advance", "click", "reply", "purchase", "friend_deleted",
                     "friend_added", "tag", "untag"]),
    st.integers(min_value=0, max_value=3 * 24 * 60)), max_size=25)


@settings(max_examples=150, deadline=None)
@given(ACTIONS)
def test_the_kept_wake_up_is_the_one_worked_out_afresh(actions):
    """Whatever happens in whatever order, the own wake-up told is the soonest of the runs'
    wake-ups and held sends read directly (a missed reset would tell a stale one)."""
    c = MACHINE.new_customer("c1", START)
    now = START
    for action, gap in actions:
        now += gap
        if action == "advance":
            MACHINE.advance(c, now)
        elif action == "tag":
            MACHINE.update(c, now, add_tags=["keen"])
        elif action == "untag":
            MACHINE.update(c, now, remove_tags=["keen"])
        else:
            MACHINE.on_event(c, Event(action, now, "a" if action == "click" else None))
        assert MACHINE.next_wakeups(c)[0] == fresh_own(c)


INACTIVE = interpreter("""
content a: text "a"
journey sleepy { when inactive 3d  reentry always  send a via sms }
""")


def test_the_told_wake_up_follows_activity_moving_a_scheduled_trigger():
    """`inactive 3d` wakes a new customer 3 days on, and a click moves it to 3 days after the
    click; the wake-up told says so even before any call worked the trigger's moment out."""
    c = INACTIVE.new_customer("c1", START)
    assert show(INACTIVE.next_wakeups(c)[0]) == "12-04 09:00"  # asked before any call
    INACTIVE.on_event(c, Event("open", START))
    assert show(INACTIVE.next_wakeups(c)[0]) == "12-04 09:00"
    INACTIVE.on_event(c, Event("click", at("12-02 11:00")))
    assert show(INACTIVE.next_wakeups(c)[0]) == "12-05 11:00"

"""Tests for quiet wake-ups: a broadcast or segment check that starts nothing, done as bookkeeping."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime_kit import at, interpreter, summary
from sopdsl.runtime.customer import Customer, Event

PROGRAM = """
content a: text "a"
segment keen = count(purchase, 2d) >= 1 and not tag "staff"
journey daily {
  when every day at 11:00
  audience tag "vip"
  reentry REENTRY
  send a via sms
}
journey welcome_keen {
  when enter keen
  reentry after 3d
  wait 1d at 11:00
  send a via sms
}
journey birthday_wish {
  when birthday at 11:00
  audience not tag "staff"
  reentry always
  send a via sms
}
journey monthly {
  when every month on 3 at 00:00
  audience tag "staff"
  reentry always
  send a via sms
}
"""
START = at("12-01 00:00")
DAY = 24 * 60

# Changes made between wake-ups: (minutes after the start, what).
changes = st.lists(st.tuples(st.integers(0, 12 * DAY), st.sampled_from(
    ["purchase", "click", "vip", "unvip", "staff", "unstaff"])), max_size=12)


def state(c: Customer) -> tuple:
    """What a wake-up may change of a customer, for comparison."""
    return (list(c.marks), list(c.due), dict(c.segments), dict(c.entries), sorted(c.runs),
            sorted(c.tags))


def change(machine, c: Customer, now: float, what: str) -> list:
    """Apply one change to the customer now, returning its effects."""
    if what in ("purchase", "click"):
        return machine.on_event(c, Event(what, now, None, 10.0 if what == "purchase" else None))
    if what.startswith("un"):
        return machine.update(c, now, remove_tags=[what[2:]])
    return machine.update(c, now, add_tags=[what])


@settings(max_examples=60, deadline=None)
@given(changes, st.sampled_from(["never", "always", "after 2d"]), st.sets(st.sampled_from(
    ["vip", "staff"])), st.lists(st.integers(-3 * DAY, 0), max_size=3), st.integers(1, 14))
def test_a_quiet_wake_up_leaves_the_customer_as_advance_does(todo, reentry, tags, bought,
                                                            birthday):
    """Driven through the same changes, a customer woken at each moment of a trigger the same
    for everyone by `advance_quietly` (falling back to `advance`) ends each step with the same
    effects, bookkeeping, memberships and next moments as one woken by `advance`, and a quiet
    one keeps their own next moment."""
    machine = interpreter(PROGRAM.replace("REENTRY", reentry))
    history = [Event("purchase", START + t, None, 5.0) for t in bought]
    born = {"birthday": dt.date(1990, 12, birthday)}  # its 11:00 meets the broadcast's
    plain, quiet = (machine.new_customer("c", START, tags=tags, history=history,
                                         attributes=born) for _ in range(2))
    todo = sorted(todo)
    horizon = START + 14 * DAY
    while True:
        wake = machine.next_wakeup(plain)
        assert wake == machine.next_wakeup(quiet)
        if todo and (wake is None or START + todo[0][0] < wake):
            offset, what = todo.pop(0)
            now = START + offset
            assert summary(change(machine, plain, now, what)) == \
                summary(change(machine, quiet, now, what))
        elif wake is None or wake >= horizon:
            break
        else:
            expected = summary(machine.advance(plain, wake))
            before, own = state(quiet), machine.next_wakeups(quiet)[0]
            done, shared = machine.advance_quietly(quiet, wake)
            if done:
                assert expected == []
                # A driver keeps the customer's own wake-up: it must not have moved.
                assert machine.next_wakeups(quiet) == (own, shared)
            else:
                assert state(quiet) == before  # nothing done
                assert summary(machine.advance(quiet, wake)) == expected
        assert state(quiet) == state(plain)
        assert machine.next_wakeups(quiet) == machine.next_wakeups(plain)


def test_a_broadcast_its_audience_refuses_is_quiet_and_one_it_enters_is_not():
    """At 11:00 a customer without the tag, before the day that would let them in, is
    refused (done quietly, told the next shared moment: the next day's broadcast, as time
    alone cannot bring them into `keen`, so the segment check has nothing to do for them);
    with it, the broadcast would start the journey, so nothing is done."""
    machine = interpreter(PROGRAM.replace("REENTRY", "always").replace(
        'audience tag "vip"', 'audience tag "vip" or today >= 2026-12-20'))
    c = machine.new_customer("c", START)
    assert machine.advance_quietly(c, at("12-01 11:00")) == (True, at("12-02 11:00"))
    assert c.marks[0] == at("12-01 11:00")
    machine.update(c, at("12-01 12:00"), add_tags=["vip"])
    before = state(c)
    assert machine.advance_quietly(c, at("12-02 11:00")) == (False, None)
    assert state(c) == before


def test_a_segment_check_that_would_enter_is_not_quiet_and_one_that_leaves_is():
    """The daily check is quiet when the customer only leaves the segment (kept), not when
    they would enter it (time brings them in: a day comes)."""
    machine = interpreter(PROGRAM.replace("REENTRY", "always").replace(
        "count(purchase, 2d) >= 1", "(count(purchase, 2d) >= 1 or today >= 2026-12-04)").replace(
        'audience tag "vip"', 'audience tag "vip" or today >= 2026-12-20'))
    c = machine.new_customer("c", START, history=[Event("purchase", START - 60, None, 5.0)])
    assert c.segments == {"keen": True}
    for moment in ("12-01 11:00", "12-02 00:00", "12-02 11:00", "12-03 00:00"):
        assert machine.advance_quietly(c, at(moment))[0], moment
    assert c.segments == {"keen": False}  # two days on, the purchase left the window
    assert machine.advance_quietly(c, at("12-03 11:00"))[0]
    assert machine.advance_quietly(c, at("12-04 00:00")) == (False, None)
    assert c.segments == {"keen": False}

"""Tests for when a broadcast can next admit a customer whose state stays as it is: the bound
against the interpreter's own refusal stepped through every moment of the trigger, and
customers and replications that go the same way with every customer woken at every moment."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from programs import ROOT, program_from
from runtime_kit import CLOCK, at, summary
from sopdsl.runtime.admission import Admissions
from sopdsl.runtime.customer import Event
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.runtime.replay import drive
from tests.test_drift import DAY, EVENTS, HEADER, START, conditions, replicate

HORIZON = START + 14 * DAY
BROADCAST = """journey b {
  when every day at 09:00
  audience AUDIENCE
  reentry REENTRY
  send a via sms
}
"""
audiences = st.one_of(
    conditions(),
    conditions().map(lambda text: f"campaign c1 is p and ({text})"),
    st.sampled_from(["campaign c1 is p", "count(click, 3d) == 0", "count(click, 3d) > 0",
                     'tag "vip" and count(purchase, 2d) == 0', "not (in campaign c1)"]),
)
reentries = st.sampled_from(["always", "never", "after 2d", "after 3d", "after 36h"])
histories = st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(-6 * DAY, 0),
                               st.integers(-50, 400)), max_size=8)


def broadcast_of(audience: str, reentry: str) -> Interpreter | None:
    """An interpreter of a daily broadcast to `audience`, None when it does not check."""
    text = HEADER + BROADCAST.replace("AUDIENCE", audience).replace("REENTRY", reentry)
    program = program_from(text)
    if [d for d in program.diagnostics if d.severity == "error"]:
        return None
    return Interpreter(program, CLOCK)


@settings(max_examples=400, deadline=None)
@given(audiences, reentries, histories, st.booleans(), st.sets(st.just("vip")),
       st.sampled_from([None, "gold", "silver"]), st.one_of(st.none(), st.integers(-5 * DAY, 0)),
       st.integers(0, 8 * DAY))
def test_no_moment_before_the_bound_admits_the_customer(
        audience, reentry, history, refund, tags, level, entered, offset) -> None:
    """Stepping the interpreter's own refusal through every moment of the trigger up to the
    horizon, the customer's state unchanged: no moment before the bound admits them (none at
    all when it is None), and their next moment for the broadcast is at or before the first
    that does."""
    machine = broadcast_of(audience, reentry)
    assume(machine is not None)
    events = [Event(name, START + t, None, (amount if refund else abs(amount))
                    if name == "purchase" else None) for name, t, amount in history]
    now = START + offset
    c = machine.new_customer("c", now, tags=tags, history=events, attributes={
        "level": level, "joined": dt.date(1990, 12, 3)})
    if entered is not None and reentry != "always":
        c.entries["b"] = (1, now + entered)
        machine.dues.changed(c, now)
    bound = machine.dues.admissions.earliest(c, "b", now)
    journey, schedule = machine.journeys["b"], machine.triggers.schedules[0]
    admitting = []
    t = schedule.next_after(c, CLOCK, now)
    while t is not None and t < HORIZON:
        if machine.refusal(c, journey, t) is None:
            admitting.append(t)
        t = schedule.next_after(c, CLOCK, t)
    if bound is None:
        assert admitting == []
    else:
        assert all(t >= bound for t in admitting), (bound, admitting)
    due = machine.schedule_dues(c)[0]
    if admitting:
        assert due is not None and due <= admitting[0]
    if due is not None and bound is not None:
        assert due >= bound


def test_a_phase_bounds_the_broadcast_to_its_first_day_and_a_past_one_idles_it() -> None:
    """`campaign c1 is p` (12-05..12-06): from 12-01 the customer is next due at 09:00 on
    12-05, not before; after the phase they are due no more."""
    machine = broadcast_of('campaign c1 is p and not tag "staff"', "always")
    assert machine is not None
    c = machine.new_customer("c", START)
    assert machine.next_wakeups(c) == (None, at("12-05 09:00"))
    late = machine.new_customer("d", at("12-07 00:00"))
    assert machine.next_wakeups(late) == (None, None)


def test_reentry_after_bounds_the_broadcast_and_an_event_wakes_an_idle_customer() -> None:
    """Entered at 09:00, a customer under `reentry after 3d` is next due three days on; one
    refused by a count time cannot raise is due no more until an event raises it, and then
    at the next moment."""
    machine = broadcast_of("count(click, 3d) > 0", "after 3d")
    assert machine is not None
    c = machine.new_customer("c", START, history=[Event("click", START - 60)])
    assert [e[1] for e in summary(machine.advance(c, at("12-01 09:00")))][0] == "entered"
    assert machine.next_wakeups(c)[1] == at("12-04 09:00")
    idle = machine.new_customer("d", START)
    assert machine.next_wakeups(idle) == (None, None)
    machine.on_event(idle, Event("click", at("12-02 15:00")))
    assert machine.next_wakeups(idle) == (None, at("12-03 09:00"))


TRIGGERED = HEADER + """journey b {
  when every day at 09:00
  audience AUDIENCE
  reentry REENTRY
  send a via sms
}
journey tagger {
  when click
  reentry always
  wait 1h
  tag "vip"
  wait 1d
  untag "vip"
}
"""
steps = st.lists(st.tuples(st.integers(0, 8 * DAY), st.sampled_from(["purchase", "click",
                                                                    "open"]),
                           st.sampled_from([30.0, -60.0])), max_size=12)


@settings(max_examples=150, deadline=None)
@given(steps, audiences, reentries, st.booleans())
def test_a_customer_goes_the_same_way_with_every_moment_of_the_broadcast_tried(
        todo, audience, reentry, on_the_hour) -> None:
    """Driven through the same events (some on the broadcast's very minute), a customer's
    effects and final state are the same whether the broadcast's moments are bounded or every
    one of them is tried."""
    text = TRIGGERED.replace("AUDIENCE", audience).replace("REENTRY", reentry)
    program = program_from(text)
    assume(not [d for d in program.diagnostics if d.severity == "error"])
    timeline = sorted((Event(name, START + (t // DAY * DAY + 9 * 60 if on_the_hour else t),
                             None, amount if name == "purchase" else None)
                       for t, name, amount in todo), key=lambda e: e.time)
    runs = []
    for bounded in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            if not bounded:
                patch.setattr(Admissions, "earliest", lambda *args: -math.inf)
            machine = Interpreter(program, CLOCK)
            c = machine.new_customer("c", START)
            effects = drive(machine, c, list(timeline), START + 12 * DAY)
        runs.append((summary(effects), dict(c.entries), sorted(c.tags)))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", ["campaign_tasks", "campaign_1212"])
def test_bounding_broadcasts_changes_no_figure(name: str, monkeypatch) -> None:
    """A small replication gives the very same tally (journeys entered per day and all)
    whether each customer is woken at every broadcast moment or only from the bound on."""
    path = ROOT / "playbooks" / f"{name}.sop"
    bounded = replicate(path, 600, 30, 3)
    monkeypatch.setattr(Admissions, "earliest", lambda *args: -math.inf)
    assert replicate(path, 600, 30, 3) == bounded

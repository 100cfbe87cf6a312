"""Tests for `replay`: the bundled onboarding playbook end to end, ordering and determinism,
and a quiet past recorded at once."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools

from hypothesis import example, given, settings, strategies as st

from runtime_kit import CLOCK, EPOCH, at, program_of, show, summary
from sopdsl.api import load
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.customer import Event
from sopdsl.runtime.effects import SendRequested
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.runtime.replay import CustomerData, drive, follow_customer, replay
from programs import ONBOARDING

UNTIL = dt.datetime(2027, 1, 31)

WELCOME = "content=welcome_msg channel=welcome"
GUIDE_TASK = "新客 7 天未下单：私聊了解顾虑（奶粉段数、过敏、价格），邀约到店试饮"


def onboarding_events() -> list[tuple[str, Event]]:
    return [("wm002", Event("friend_added", at("12-01 20:15"))),
            ("wm002", Event("click", at("12-02 14:00"), "newborn_course")),
            ("wm002", Event("sample_claimed", at("12-03 11:00"))),
            ("wm002", Event("purchase", at("12-12 15:00"), amount=199))]


def run_onboarding():
    customer = CustomerData("wm002", owner="guide_li", attributes={"name": "王女士"})
    return replay(load(ONBOARDING), [customer], onboarding_events(), EPOCH, UNTIL)


def staff_send(content: str, earliest: str) -> str:
    return (f"content={content} channel=private_chat earliest={earliest} priority=8 "
            "staff_confirmed=True")


def test_onboarding_playbook_for_one_customer():
    """Welcome, day-1 course, engagement, form timeout, sample bonus, coupon arm, goal on day 11."""
    assert summary(run_onboarding().effects) == [
        ("12-01 20:15", "entered", None, "trigger=friend_added"),
        ("12-01 20:15", "send_requested", "onboarding/1",
         f"{WELCOME} earliest=12-01 20:15 priority=8 staff_confirmed=False"),
        ("12-01 20:15", "state_changed", "onboarding/2", "field=tag name=新客7天 value=新客7天"),
        ("12-01 20:15", "send_delivered", "onboarding/1", WELCOME),
        # d1: wait 1d at 10:00 from Tuesday 20:15 is Wednesday 10:00
        ("12-02 10:00", "send_requested", "onboarding/course",
         staff_send("newborn_course", "12-02 10:00")),
        # the click on the course ends the wait for with its `then` arm
        ("12-02 14:00", "state_changed", "onboarding/5.then/1", "field=score value=10"),
        ("12-02 14:00", "state_changed", "onboarding/5.then/2", "field=stage value=prospect"),
        ("12-02 14:00", "state_changed", "onboarding/5.then/3",
         "field=tag name=育儿内容互动 value=育儿内容互动"),
        ("12-02 19:30", "send_requested", "onboarding/7", staff_send("baby_form", "12-02 19:30")),
        # no form within 3d: timeout arm, then `ever(sample_claimed)` holds
        ("12-05 19:30", "state_changed", "onboarding/8.timeout/1", "field=score value=5"),
        ("12-05 19:30", "state_changed", "onboarding/9.if/1", "field=score value=10"),
        ("12-05 19:30", "state_changed", "onboarding/9.if/2",
         "field=tag name=已领试用装 value=已领试用装"),
        # score 10 < 25 and not vip: the coupon split; wm002 hashes to the `big` arm
        ("12-05 19:30", "arm_chosen", "onboarding/coupon_test", "split=new_coupon_test arm=big"),
        ("12-05 19:30", "state_changed", "onboarding/coupon_test.big/1",
         "field=tag name=新客券-30元 value=新客券-30元"),
        ("12-05 19:30", "send_requested", "onboarding/coupon_test.big/2",
         staff_send("coupon_199_30", "12-05 19:30")),
        ("12-08 19:30", "task", "onboarding/score_gate.else/3",
         f"role=guide instruction={GUIDE_TASK} due_in=2880 due_wall=False escalation=()"),
        ("12-08 19:30", "state_changed", "onboarding/11", "field=untag name=新客7天 value=新客7天"),
        # steps done, but the 14d goal window is still open
        ("12-12 15:00", "goal_reached", None, "goal=first_order event=purchase"),
    ]


def test_replay_is_deterministic_and_keeps_staff_work_pending():
    """Two replays give equal effects; the staff sends and the task are left as staff work."""
    first, second = run_onboarding(), run_onboarding()
    assert [e.to_dict() for e in first.effects] == [e.to_dict() for e in second.effects]
    assert [(e.kind, e.step) for e in first.staff_work] == [
        ("send_requested", "onboarding/course"), ("send_requested", "onboarding/7"),
        ("send_requested", "onboarding/coupon_test.big/2"),
        ("task", "onboarding/score_gate.else/3")]
    final = first.customers["wm002"]
    assert (final.score, final.stage, final.runs) == (10, "prospect", {})


PROGRAM = """
content a: text "a"
journey j { when reply  reentry always  send a via sms }
"""


def test_automatic_sends_are_delivered_when_quiet_hours_end_and_customers_merge_in_time():
    """An sms asked for at 23:00 is delivered at 08:30; effects of two customers interleave."""
    program = program_of(PROGRAM)
    customers = [CustomerData("late"), CustomerData("early")]
    events = [("late", Event("reply", at("12-01 23:00"))),
              ("early", Event("reply", at("12-02 07:00")))]
    result = replay(program, customers, events, EPOCH, at("12-03 00:00"))
    assert [(show(e.time), e.customer, e.kind) for e in result.effects] == [
        ("12-01 23:00", "late", "entered"), ("12-01 23:00", "late", "send_requested"),
        ("12-01 23:00", "late", "completed"),
        ("12-02 07:00", "early", "entered"), ("12-02 07:00", "early", "send_requested"),
        ("12-02 07:00", "early", "completed"),
        ("12-02 08:30", "late", "send_delivered"), ("12-02 08:30", "early", "send_delivered"),
    ]


def test_nothing_after_until_happens():
    """An event and a delivery after `until` are left out."""
    program = program_of(PROGRAM)
    events = [("c", Event("reply", at("12-01 23:00"))), ("c", Event("reply", at("12-05 10:00")))]
    result = replay(program, [CustomerData("c")], events, EPOCH, at("12-02 08:00"))
    assert [e.kind for e in result.effects] == ["entered", "send_requested", "completed"]


# ---- a customer's quiet past: recorded at once, as handling each event would -----------------

_QUIET_PROGRAMS = {
    "inactive": """
journey lapsed {
  when inactive 10d
  audience ever(purchase)
  reentry after 5d
  tag "lapsed"
  wait 2d
  send hello via sms
  wait for click within 1d
  tag "asked"
}
""",
    "event": """
journey bought {
  when purchase
  send hello via sms
  wait for click within 3d
}
""",
    "shared": """
journey daily {
  when every day at 10:00
  audience count(click, 7d) >= 2
  reentry after 3d
  send hello via sms
}
""",
    "segment": """
segment busy = count(click, 14d) >= 2
journey entered {
  when enter busy
  send hello via sms
}
""",
}
_QUIET_CONTENT = 'content hello: text "hi"\n'
# Clicks are what the segment and the broadcast's audience count: drawn more often.
_QUIET_NAMES = ["click"] * 4 + ["open", "reply", "purchase", "store_visit", "friend_added",
                                "friend_deleted"]


def _plain_drive(interpreter, customer, timeline, end):
    """`drive` as it was before quiet pasts were recorded at once: each event handled alone."""
    out, outbox, order, position = [], [], itertools.count(), 0
    while True:
        next_event = timeline[position].time if position < len(timeline) else None
        wakeup = interpreter.next_wakeup(customer)
        delivery = outbox[0][0] if outbox else None
        now = min((t for t in (next_event, wakeup, delivery) if t is not None), default=None)
        if now is None or now > end:
            return out
        if now == next_event:
            produced = interpreter.on_event(customer, timeline[position])
            position += 1
        elif now == wakeup:
            produced = interpreter.advance(customer, now)
        else:
            due = []
            while outbox and outbox[0][0] == now:
                due.append(heapq.heappop(outbox)[2])
            produced = interpreter.deliver_all(customer, due, now)
        out.extend(produced)
        for effect in produced:
            if isinstance(effect, SendRequested) and not effect.staff_confirmed:
                heapq.heappush(outbox, (effect.earliest, next(order), effect))


def _state(interpreter, customer):
    """What a customer's state tells any later call (caches worked out first)."""
    history = customer.history
    return (history.times, history.purchase_times, history.purchase_amounts,
            history.last_activity, history.last_added, customer.friend, customer.since,
            sorted(customer.tags), customer.score, customer.stage, customer.entries,
            {name: (run.pc, run.wake_at, run.number) for name, run in customer.runs.items()},
            customer.marks, interpreter.schedule_dues(customer),
            interpreter.next_wakeups(customer), customer.segments)


_timed_events = st.lists(st.tuples(
    st.sampled_from(_QUIET_NAMES),
    # whole hours, so that events and moments can coincide, up to the start itself (where
    # recording an activity can bring `when inactive` due at once)
    st.one_of(st.integers(-20 * 24, -1), st.integers(-24, -1), st.just(0)).map(
        lambda hours: hours * 60.0)), max_size=10)


@settings(max_examples=400, deadline=None)
# An activity at the start itself leaves `when inactive` counting from the lookback: due at once,
# and earlier than it, so that the run's steps up to it go before its sends are delivered.
@example(kind="inactive", past=[("purchase", -21 * 1440.0), ("click", -12 * 1440.0),
                                ("click", -3 * 1440.0), ("click", 0.0)],
         lookback_days=30, end=7 * 1440.0)
@given(kind=st.sampled_from(sorted(_QUIET_PROGRAMS)), past=_timed_events,
       lookback_days=st.sampled_from([1, 10, 30]),
       end=st.sampled_from([-3 * 1440.0, -1.0, 0.0, 7 * 1440.0]))
def test_recording_a_quiet_past_at_once_is_handling_each_event(kind, past, lookback_days, end):
    """`drive` (a quiet past recorded at once) gives the effects and customer state of
    handling every event alone, whatever the triggers: one whose past starts or moves a run
    is followed through it."""
    interpreter = Interpreter(program_of(_QUIET_CONTENT + _QUIET_PROGRAMS[kind]), CLOCK)
    events = [Event(name, t, None, 10.0 if name == "purchase" else None) for name, t in past]
    outcomes = []
    for run in (drive, _plain_drive):
        customer, timeline = follow_customer(
            interpreter, CustomerData("c1"), events, lookback_days * MINUTES_PER_DAY)
        outcomes.append((run(interpreter, customer, timeline, end),
                         _state(interpreter, customer)))
    assert outcomes[0] == outcomes[1]

"""Tests for `replay`: the bundled onboarding playbook end to end, ordering and determinism."""

from __future__ import annotations

import datetime as dt

from runtime_kit import EPOCH, at, program_of, show, summary
from sopdsl.api import load
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData, replay
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

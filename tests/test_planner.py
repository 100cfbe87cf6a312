"""Tests for the planner: golden plans, determinism, pending steps, re-planning, work hours."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from golden import GOLDEN_ROOT, assert_golden
from plan_kit import EXAMPLES, SAMPLE, START, plan_text
from programs import SAMPLE_DATA
from runtime_kit import program_of
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Event
from sopdsl.customers_io import Roster, StaffMember
from sopdsl.lunar import parse_lunar
from sopdsl.planning.planner import PlanInputs, Planner, PlanSettings
from sopdsl.runtime.replay import CustomerData, replay

WEEK = PlanSettings(START, 7)


def tasks_of(text: str, customer: str | None = None) -> list[dict]:
    found = json.loads(text)["tasks"]
    return [t for t in found if customer is None or t["customer"] == customer]


def brief(task: dict) -> tuple:
    return (task["kind"], task["step"], task["due"]["start"][5:16],
            (task["assignee"] or {}).get("staff_id"))


@pytest.mark.parametrize("playbook", EXAMPLES)
def test_golden_plan(playbook, at_root):
    """Each bundled playbook plans the bundled sample data as in its golden file."""
    text, _ = plan_text(playbook)
    assert_golden(GOLDEN_ROOT / "plan" / f"{playbook}.json", text)


def test_plans_are_byte_identical_run_to_run():
    """The same input gives the same bytes, keys and split arms included."""
    assert plan_text("onboarding") == plan_text("onboarding")


def test_a_wait_for_resolved_by_an_event_moves_on_and_the_next_one_is_pending():
    """c002 clicked the course before the start: the form is sent, the form wait is pending."""
    text, _ = plan_text("onboarding")
    [pending] = tasks_of(text, "c002")
    assert pending["kind"] == "pending" and pending["step"] == "onboarding/8"
    assert pending["condition"] == "wait for form_submitted within 3d"
    assert (pending["due"]["start"], pending["due"]["end"]) == (
        "2026-12-01T19:30:00+08:00", "2026-12-04T19:30:00+08:00")


def test_rerunning_tomorrow_with_the_new_event_emits_the_waiting_work(tmp_path):
    """Once c002 submits the form, tomorrow's plan runs the `then` arm; common work keeps keys."""
    events = tmp_path / "events.csv"
    events.write_text((SAMPLE_DATA / "events.csv").read_text(encoding="utf-8").replace(
        "c002,2026-12-01 14:00,click,newborn_course,,\n",
        "c002,2026-12-01 14:00,click,newborn_course,,\nc002,2026-12-02 21:00,form_submitted,,,\n"),
        encoding="utf-8")
    today, _ = plan_text("onboarding")
    tomorrow, _ = plan_text("onboarding", dataclasses.replace(SAMPLE, events=events),
                            start=dt.datetime(2026, 12, 3))
    assert [(t["kind"], t["step"]) for t in tasks_of(tomorrow, "c002")] == [
        ("task", "onboarding/score_gate.if/2"), ("handoff", "onboarding/score_gate.if/3"),
        ("task", "sales_followup/2"), ("pending", "sales_followup/4")]
    both = {t["key"] for t in tasks_of(today)} & {t["key"] for t in tasks_of(tomorrow)}
    same = [t for t in tasks_of(today, "c004") if t["key"] in both]
    assert [t["step"] for t in same] == ["sales_followup/2", "sales_followup/4"]


def test_split_arm_send_after_quiet_hours_and_the_handoff():
    """c003's coupon arm asked at 22:10 is due from 09:00; c004's handoff goes to one sales member."""
    text, _ = plan_text("onboarding")
    assert [brief(t) for t in tasks_of(text, "c003")][0] == (
        "send", "onboarding/coupon_test.small/2", "12-02T09:00", "guide_lin")
    c004 = [brief(t) for t in tasks_of(text, "c004")]
    assert ("handoff", "onboarding/score_gate.if/3", "12-02T09:00", "sales_zhou") in c004
    assert ("task", "sales_followup/2", "12-04T10:00", "sales_zhou") in c004


def test_birthdays_around_the_window():
    """Birthdays 3 days after the start and in the window plan the task and the coupon."""
    text, _ = plan_text("vip_birthday")
    planned = [(t["customer"], t["kind"], t["due"]["start"][5:10]) for t in tasks_of(text)
               if t["kind"] != "pending"]
    assert planned == [("c001", "task", "12-02"), ("c001", "send", "12-02"),
                       ("c005", "task", "12-07"), ("c005", "send", "12-07")]


def test_content_placeholders_are_filled_from_customer_and_owner():
    """`{customer.name}`, `{customer.baby_name}` and `{owner.name}` take real values."""
    text, _ = plan_text("repurchase")
    reminder = next(t for t in tasks_of(text, "c007") if t["step"] == "refill/7")
    assert reminder["text"].startswith("杨柳您好，按上次购买的时间算，果果的奶粉")
    assert "陈晓可以帮您留货" in reminder["text"]


def test_a_lunar_birthday_is_planned_on_its_solar_day_and_shown_by_month_and_day():
    """Born 十月廿六 (lunar): in 2026 on 12-04 (the tenth lunar month of 2026 begins with the new
    moon of 2026-11-09); the task is due two days before, its text names the lunar day."""
    planner = planner_of('role guide "导购"\nattribute lunar_birthday: lunar_date\n'
                         'journey j {\n  when lunar_birthday - 2d at 10:00\n'
                         '  task guide "农历生日 {customer.lunar_birthday}，准备礼盒"\n}\n')
    born = CustomerData("c1", attributes={"lunar_birthday": parse_lunar("1988-10-26")})
    tasks, _ = planner.plan_customer(born)
    assert [(t.kind, t.due.start, t.text) for t in tasks] == [
        ("task", "2026-12-02T10:00:00+08:00", "农历生日 十月廿六，准备礼盒")]


@pytest.mark.parametrize("lookback", [0, 1, 30])
def test_a_schedule_in_a_range_of_dates_plans_the_same_days_whatever_the_lookback(lookback):
    """`every day at 10:00 in 2026-12-01..2026-12-03`, planned from 12-02 for 3 days: 12-02 and
    12-03, with 12-01 history (before the start), and never 12-04."""
    program = program_of('role guide "导购"\njourney j {\n  when every day at 10:00 in '
                         '2026-12-01..2026-12-03\n  task guide "整理"\n}\n')
    planner = Planner(program, PlanSettings(dt.datetime(2026, 12, 2), 3, lookback))
    tasks, _ = planner.plan_customer(CustomerData("c1"))
    assert [t.due.start for t in tasks] == ["2026-12-02T10:00:00+08:00",
                                            "2026-12-03T10:00:00+08:00"]


def test_loop_rounds_and_group_posts():
    """Drip lessons carry their round; each is one post to the camp group (its two members),
    which takes no customer's monthly mass quota."""
    text, _ = plan_text("education_funnel", days=10)
    rounds = [t["round"] for t in tasks_of(text, "c009") if t["step"] == "edu_funnel/drip.body/1"]
    assert rounds == [2, 3, 4]
    posts = [t for t in json.loads(text)["tasks"]
             if t["kind"] == "batch" and t["step"] == "edu_funnel/drip.body/1"]
    assert [(p["group"], p["members"], p["customers"], p["assignee"]["staff_id"])
            for p in posts] == [("wrOgAAcamp01", 2, ["c009", "c011"], "guide_chen")] * 3
    assert json.loads(text)["summary"]["dropped"] == {}


def test_a_lookback_of_zero_replays_nothing():
    """With no lookback, past events are history only: no onboarding starts from them."""
    text, _ = plan_text("onboarding", lookback_days=0)
    assert tasks_of(text) == []


def planner_of(text: str, roster: Roster | None = None) -> Planner:
    return Planner(program_of(text), PlanSettings(dt.datetime(2026, 12, 2), 3), roster)


BRANCHES = """
role guide "导购"
role sales "销售"
content hi: text "你好 {customer.name}，我是{owner.name}"
journey j {
  when friend_added
  wait 1d at 10:00
  if age > 30 { task guide "older" } else { task guide "younger" }
  wait 1d at 10:00
  if count(reply, 3d) > 0 { task guide "replied" }
  task guide "never reached"
}
"""


def test_branches_on_activity_are_pending_and_others_are_decided():
    """An `if` on the customer's profile is decided; one on their activity waits as pending."""
    planner = planner_of(BRANCHES)
    added = Event("friend_added", planner.clock.minutes(dt.datetime(2026, 12, 1, 20, 0)))
    tasks, _ = planner.plan_customer(CustomerData("c1", attributes={"age": 40}), [added])
    assert [(t.kind, t.step, t.text or t.condition) for t in tasks] == [
        ("task", "j/2.if/1", "older"), ("pending", "j/4", "if count(reply, 3d) > 0")]


def test_a_profile_condition_that_holds_first_decides_the_branch():
    """`if age > 30 ... elif count(reply, 3d) > 0`: decided for 40-year-olds, pending for others."""
    planner = planner_of(BRANCHES.replace(
        'if age > 30 { task guide "older" } else { task guide "younger" }',
        'if age > 30 { task guide "older" } elif count(reply, 3d) > 0 { task guide "replied" }'))
    added = Event("friend_added", planner.clock.minutes(dt.datetime(2026, 12, 1, 20, 0)))
    older, _ = planner.plan_customer(CustomerData("c1", attributes={"age": 40}), [added])
    younger, _ = planner.plan_customer(CustomerData("c2", attributes={"age": 20}), [added])
    assert [(t.kind, t.step) for t in older] == [("task", "j/2.if/1"), ("pending", "j/4")]
    assert [(t.kind, t.step, t.condition) for t in younger] == [
        ("pending", "j/2", "if age > 30 / elif count(reply, 3d) > 0")]


def test_role_work_without_staff_goes_to_the_role_queue():
    """Without a roster, work for a role names the role and no person; owner work the owner."""
    planner = planner_of(BRANCHES.replace('task guide "older"', 'send hi via private_chat')
                         .replace('task guide "younger"', 'task sales "call"'))
    added = Event("friend_added", planner.clock.minutes(dt.datetime(2026, 12, 1, 20, 0)))
    older, _ = planner.plan_customer(
        CustomerData("c1", owner="g1", attributes={"age": 40, "name": "王芳"}), [added])
    younger, _ = planner.plan_customer(CustomerData("c2", owner="g1", attributes={"age": 20}),
                                       [added])
    send = older[0]
    assert (send.assignee.staff_id, send.content.text) == ("g1", "你好 王芳，我是g1")
    assert (younger[0].assignee.staff_id, younger[0].assignee.role) == (None, "sales")


def test_owner_name_comes_from_the_roster():
    """With a roster, `{owner.name}` is the owner's display name."""
    roster = Roster({"g1": StaffMember("g1", "陈晓", ("guide",), None)})
    planner = planner_of(BRANCHES.replace('task guide "older"', 'send hi via private_chat'),
                         roster)
    added = Event("friend_added", planner.clock.minutes(dt.datetime(2026, 12, 1, 20, 0)))
    tasks, _ = planner.plan_customer(
        CustomerData("c1", owner="g1", attributes={"age": 40, "name": "王芳"}), [added])
    assert tasks[0].content.text == "你好 王芳，我是陈晓"
    assert tasks[0].assignee.role == "guide"


def test_plan_and_replay_take_the_same_decisions():
    """The planner and `replay` agree on a history: same steps, same split arm, same times."""
    program = program_of(BRANCHES.replace(
        'if age > 30 { task guide "older" } else { task guide "younger" }',
        'split s { 50% a { task guide "a" } 50% b { task guide "b" } }'))
    settings = PlanSettings(dt.datetime(2026, 12, 2), 3, lookback_days=2)
    planner = Planner(program, settings)
    since = dt.datetime(2026, 11, 30)
    added_at = dt.datetime(2026, 12, 1, 20, 0)
    for customer in ("c1", "c2", "c3", "c4"):
        data = CustomerData(customer)
        planned, _ = planner.plan_customer(
            data, [Event("friend_added", planner.clock.minutes(added_at))])
        replayed = replay(program, [data], [(customer, Event(
            "friend_added", Clock(since, "Asia/Shanghai").minutes(added_at)))], since,
            dt.datetime(2026, 12, 3, 9, 0))
        tasks = [(e.step, Clock(since, "Asia/Shanghai").local(e.time).isoformat())
                 for e in replayed.staff_work]
        assert [(t.step, t.due.start) for t in planned if t.kind == "task"] == tasks


def test_a_bad_row_is_left_out_and_the_rest_is_planned(tmp_path):
    """A customer row with a bad value still plans; the problem is reported."""
    customers = tmp_path / "customers.csv"
    customers.write_text((SAMPLE_DATA / "customers.csv").read_text(encoding="utf-8").replace(
        "c003,guide_lin,张敏,female,31", "c003,guide_lin,张敏,female,thirty-one"),
        encoding="utf-8")
    text, problems = plan_text("onboarding", PlanInputs(customers, SAMPLE.events, SAMPLE.staff))
    assert [(d.code, d.span.line) for d in problems] == [("E604", 4)]
    assert tasks_of(text, "c003") == tasks_of(plan_text("onboarding")[0], "c003")


def test_a_new_friend_is_followed_from_being_added_not_from_the_lookback_start():
    """A customer added inside the lookback enters no broadcast and no inactivity journey
    before they were a friend; one who was a friend already (or has no events) does."""
    program = program_of("""
content tip: text "tip"
journey weekly { when every monday at 09:00  reentry always  wait 3d  send tip via sms }
journey sleepy { when inactive 3d  wait 8d  send tip via sms }
""")
    planner = Planner(program, PlanSettings(dt.datetime(2026, 12, 2), 14, lookback_days=10))
    clock = Clock(dt.datetime(2026, 12, 2), "Asia/Shanghai")

    def entries(history: list[Event], events: list[Event]) -> list[tuple[str, str]]:
        tasks, _ = planner.plan_customer(CustomerData("c1", history=history), events)
        return sorted({(t.journey, t.entry[5:16]) for t in tasks})

    added = Event("friend_added", clock.minutes(dt.datetime(2026, 12, 1, 20, 0)))
    # 11-30 is a Monday: the broadcast that day and the inactivity 3 days after the lookback
    # start come before the friend was added, so only the later moments count.
    assert entries([], [added]) == [("sleepy", "12-04T20:00"), ("weekly", "12-07T09:00")]
    before = Event("friend_added", clock.minutes(dt.datetime(2026, 10, 1)))
    assert ("weekly", "11-30T09:00") in entries([before], [added])
    assert ("sleepy", "11-25T00:00") in entries([], [])


CAMPAIGN = """
role guide "导购"
content warm: text "预热"
content lastcall: text "6/18 最后一天"
campaign 618 "年中大促" {
  phase 预热 2026-06-01..2026-06-15
  phase 正式 2026-06-16..2026-06-18
}
journey warmup {
  when campaign 618 starts 预热 at 10:00
  send warm via sms
  wait 17d at 20:00
  send lastcall via sms
}
"""


@pytest.mark.parametrize("lookback", [0, 1, 30])
def test_campaign_steps_do_not_depend_on_the_lookback(lookback):
    """A plan made on 6/18 lists the 6/18 20:00 last call whatever the lookback: a campaign in
    progress at the start is followed from its first day (6/1), and nothing else moves it."""
    planner = Planner(program_of(CAMPAIGN), PlanSettings(dt.datetime(2026, 6, 18), 1,
                                                         lookback_days=lookback))
    tasks, _ = planner.plan_customer(CustomerData("c1", owner="u1"))
    assert [(t.step, t.due.start) for t in tasks] == [("warmup/3", "2026-06-18T20:00:00+08:00")]
    planner = Planner(program_of(CAMPAIGN), PlanSettings(dt.datetime(2026, 5, 21), 1,
                                                         lookback_days=lookback))
    assert planner.plan_customer(CustomerData("c1", owner="u1"))[0] == []

"""Customer groups (客户群) against closed forms: one post to a group is one action of its
owner and one unit of the group's quota, and reaches every member; the monthly quota caps a
group calendar at the month's days; a customer in no group is counted, never silently lost."""

from __future__ import annotations

import datetime as dt

import pytest

from sopdsl.builtins import group_quota
from sopdsl.lint import LintConfig, lint_program
from sopdsl.lint.config import LintSettings
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.groups import MERGED, QUOTA, Group, GroupBook, GroupPosts, PostKey
from sopdsl.scenario.build import effective_scenario
from simulator.engine import run_replication
from tests.runtime_kit import program_of

PLAYBOOK = ('playbook "test" {\n  timezone "Asia/Shanghai"\n  quiet_hours 21:30-08:30\n}\n')


def group_forecast(journeys: str, customers: int, senders: int, days: int, groups: str,
                   people: str = ""):
    """The program and scenario of a playbook whose scenario describes customer groups."""
    text = f"""
role guide "导购"
content post: text "本周新品"
{journeys}
scenario s {{
  start 2026-12-01
  horizon {days}d
  population {customers} {{
    arrivals 0/day
    owner guide
    {people}
  }}
  staff guide {senders} {{
    capacity 500/day
    completion 100%
    delay fixed(0m)
    hours 09:00-21:00
  }}
  groups {{ {groups} }}
  channel group {{
    unfriend 0%
  }}
}}
"""
    program = program_of(text, PLAYBOOK)
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    return program, scenario


DAILY = "journey j {{\n  when every day at {at}\n  reentry after 1d\n  send post via group\n}}\n"


def test_the_quota_is_the_days_of_the_month() -> None:
    """WeCom document 92135: a group receives at most as many mass sends a month as it has days."""
    assert [group_quota(dt.date(2026, m, 1)) for m in (1, 2, 4, 12)] == [31, 28, 30, 31]
    assert group_quota(dt.date(2028, 2, 10)) == 29


def test_a_joining_customer_takes_their_owners_emptiest_group_else_any_with_room() -> None:
    book = GroupBook()
    book.add(Group("a", "g1", capacity=2))
    book.add(Group("b", "g1", capacity=2))
    book.add(Group("c", "g2", capacity=1))
    assert [book.join(k, "g1") for k in range(4)] == ["a", "b", "a", "b"]
    assert book.join(4, "g1") == "c"  # the owner's groups are full
    assert book.join(5, "g1") is None
    assert book.leave(4) == "c" and book.groups_of(4) == []
    assert book.leave(4) is None


def test_a_post_is_decided_once_per_group_content_and_moment_within_the_quota() -> None:
    clock = Clock(dt.datetime(2026, 2, 1), "Asia/Shanghai")
    posts = GroupPosts(clock)
    day = 24 * 60.0
    outcomes = [posts.decide(PostKey("g", "post", k * day / 2)) for k in range(56)]
    assert outcomes.count(None) == 28  # February 2026: 28 days
    assert outcomes[28:].count(QUOTA) == 28
    assert posts.decide(PostKey("g", "post", 0.0)) == MERGED
    assert posts.decide(PostKey("g", "post", 28 * day + 600)) is None  # March starts afresh


@pytest.mark.parametrize("customers,senders,per_owner", [(60, 3, 2), (25, 1, 4)])
def test_one_post_to_n_customers_in_g_groups(customers: int, senders: int,
                                             per_owner: int) -> None:
    """N customers in G groups, one post: G staff actions, N deliveries, G quota units."""
    program, scenario = group_forecast(DAILY.format(at="10:00"), customers, senders, 1,
                                       f"per_owner {per_owner}  members 100%")
    tally = run_replication(program, scenario, 5)
    groups = senders * per_owner
    assert tally.staff["guide"].tasks == groups
    assert tally.journeys["j"].steps["j/1"].actions == groups
    assert tally.journeys["j"].steps["j/1"].sent == customers  # each customer's request
    assert tally.delivered == customers
    assert tally.dropped == {}


def test_a_post_reaches_members_outside_the_journey() -> None:
    """Only VIPs enter the journey, yet the post reaches every member of their groups."""
    journey = ("journey j {\n  when every day at 10:00\n  audience tag \"vip\"\n"
               "  send post via group\n}\n")
    program, scenario = group_forecast(journey, 40, 1, 1, "per_owner 1  members 100%",
                                       'tag "vip" 50%')
    tally = run_replication(program, scenario, 5)
    assert 0 < tally.journeys["j"].entered < 40
    assert tally.staff["guide"].tasks == 1
    assert tally.delivered == 40


def test_a_daily_calendar_over_a_month_stays_within_the_quota() -> None:
    program, scenario = group_forecast(DAILY.format(at="10:00"), 20, 2, 31,
                                       "per_owner 1  members 100%")
    tally = run_replication(program, scenario, 1)
    assert tally.staff["guide"].tasks == 2 * 31
    assert tally.delivered == 20 * 31
    assert "quota" not in tally.dropped


def test_three_posts_a_day_are_capped_at_the_days_of_the_month() -> None:
    """Three daily posts to each of G groups over December: 31 posts a group, the rest
    skipped for the quota (one skip per post, not per member)."""
    journeys = "".join(DAILY.format(at=at).replace("journey j", f"journey j{k}")
                       for k, at in enumerate(("10:00", "14:00", "18:00")))
    program, scenario = group_forecast(journeys, 20, 2, 31, "per_owner 1  members 100%")
    tally = run_replication(program, scenario, 1)
    assert tally.staff["guide"].tasks == 2 * 31
    assert tally.dropped["quota"] == 2 * (3 * 31 - 31)
    assert tally.delivered == 20 * 31


def test_a_customer_in_no_group_is_skipped_and_counted() -> None:
    """With 0% of the stock in groups every send is skipped as `no_group`."""
    program, scenario = group_forecast(DAILY.format(at="10:00"), 30, 1, 1,
                                       "per_owner 1  members 0%")
    tally = run_replication(program, scenario, 1)
    assert tally.dropped == {"no_group": 30}
    assert tally.staff["guide"].tasks == 0


CALENDAR = """
journey 社群 for groups {{
  when {when}
  reentry always
  if members > 0 {{
    send post via group
  }}
}}
"""


def test_a_group_calendar_posts_once_a_day_to_each_group() -> None:
    """A daily journey `for groups` over December: G runs a day, G × 31 posts and actions,
    every member reached by each post, members outside any customer journey included."""
    program, scenario = group_forecast(CALENDAR.format(when="every day at 08:00"), 50, 2, 31,
                                       "per_owner 2  members 60%")
    tally = run_replication(program, scenario, 2)
    step = tally.journeys["社群"].steps["社群/1.if/1"]
    assert tally.journeys["社群"].entered == 4 * 31
    assert step.actions == tally.staff["guide"].tasks == 4 * 31
    in_groups = step.delivered / 31
    assert in_groups == int(in_groups) and 0 < in_groups < 50
    assert "quota" not in tally.dropped


def test_a_three_a_day_group_calendar_is_capped_by_the_quota() -> None:
    when = "every day at 08:00 or every day at 12:00 or every day at 20:00"
    program, scenario = group_forecast(CALENDAR.format(when=when), 20, 1, 31,
                                       "total 3  members 100%")
    tally = run_replication(program, scenario, 2)
    assert tally.staff["guide"].tasks == 3 * 31
    assert tally.dropped["quota"] == 3 * 2 * 31
    assert tally.delivered == 20 * 31


TASKED = """
journey 社群 for groups {{
  when every day at 10:00
  task guide "check the group's questions" due 2h
}}
"""


def test_a_group_calendars_task_goes_to_the_groups_owner() -> None:
    """A daily task of a journey `for groups`: one task a day per group for its owner, each
    done (staff do everything at once), none expired."""
    program, scenario = group_forecast(TASKED.format(), 10, 2, 7, "per_owner 2  members 50%")
    tally = run_replication(program, scenario, 3)
    assert tally.staff["guide"].tasks == tally.staff["guide"].done == 4 * 7
    assert tally.staff["guide"].expired == 0


def test_a_stock_customer_in_a_group_at_the_start_counts_it_in_groups() -> None:
    """`audience groups > 0` lets in exactly the stock the scenario put in groups: all 40 at
    `members 100%`, none at 0%."""
    journey = ("journey j {\n  when every day at 10:00\n  audience groups > 0\n"
               "  send post via sms\n}\n")
    for members, entered in (("100%", 40), ("0%", 0)):
        program, scenario = group_forecast(journey, 40, 1, 1, f"per_owner 1  members {members}")
        assert run_replication(program, scenario, 4).journeys["j"].entered == entered


def _lint_codes(program) -> set[str]:
    return {d.code for d in lint_program(program, LintConfig(LintSettings()))}


@pytest.mark.parametrize("audience,members", [("", "50%"), ("audience groups > 0", "50%")])
def test_lint_and_the_simulator_agree_on_customers_in_no_group(audience: str,
                                                              members: str) -> None:
    """W513 fires exactly when the simulation skips sends as `no_group`."""
    journey = f"journey j {{\n  when every day at 10:00\n  {audience}\n  send post via group\n}}\n"
    program, scenario = group_forecast(journey, 40, 1, 1, f"per_owner 1  members {members}")
    tally = run_replication(program, scenario, 4)
    assert ("W513" in _lint_codes(program)) == (tally.dropped.get("no_group", 0) > 0)


@pytest.mark.parametrize("when", ["every day at 08:00",
                                  "every day at 08:00 or every day at 20:00"])
def test_lint_and_the_simulator_agree_on_the_group_quota(when: str) -> None:
    """W512 fires exactly when a month of the calendar skips posts for the quota."""
    program, scenario = group_forecast(CALENDAR.format(when=when), 10, 1, 31,
                                       "per_owner 1  members 100%")
    tally = run_replication(program, scenario, 4)
    assert ("W512" in _lint_codes(program)) == (tally.dropped.get("quota", 0) > 0)


def test_a_quick_sample_scales_a_total_of_groups_with_the_customers() -> None:
    """A tenth of the customers: a tenth of `total` groups (one at least); `per_owner` follows
    the sampled staff."""
    _, scenario = group_forecast(DAILY.format(at="10:00"), 1000, 20, 1, "total 40")
    assert scenario.sampled(0.1).groups.total == 4
    assert scenario.sampled(0.001).groups.total == 1
    _, scenario = group_forecast(DAILY.format(at="10:00"), 1000, 20, 1, "per_owner 2")
    assert scenario.sampled(0.1).groups.per_owner == 2

"""The exact forecaster against closed forms computed by hand, and its refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sopdsl.api import load
from simulator.exact import Refusal, forecast_exact
from simulator.montecarlo import forecast_exactly, simulate
from simulator.report import build_report
from simulator.results import Tally
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of
from programs import PLAYBOOKS, TEST_DATA

PLAYBOOK = 'playbook "t" { timezone "Asia/Shanghai" }\nrole guide "g"\n'


def forecast(text: str) -> Tally:
    """The exact forecast of a playbook text with its only scenario."""
    program = program_of(text, playbook=PLAYBOOK)
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    result = forecast_exact(program, scenario)
    assert isinstance(result, Tally), result
    return result


def scenario_block(horizon: str, channel: str, population: int = 1000) -> str:
    """A scenario with no arrivals, no purchases, no fatigue and one channel's behaviour."""
    return f"""
scenario s {{
  start 2026-12-01  horizon {horizon}
  population {population} {{ arrivals 0/day  owner guide }}
  channel {channel}
  purchase {{ daily 0%  after_click 0% }}
  fatigue {{ }}
}}
"""


def test_wait_for_click_takes_then_with_the_closed_form_probability() -> None:
    """P(then) = p_open * p_click * (1 - exp(-2d / m)) for an exponential response delay m."""
    tally = forecast("""
content promo: article "p"
journey j {
  when every day at 10:00
  reentry never
  send promo via sms
  wait for click(promo) within 2d { then { tag "clicked" } timeout { tag "missed" } }
}
""" + scenario_block("10d", "sms { open 50%  click 20%  reply 0%  unfriend 0%  "
                               "delay exponential(6h) }"))
    then = 0.5 * 0.2 * (1 - math.exp(-2 * 24 / 6))
    steps = tally.journeys["j"].steps
    assert steps["j/2.then/1"].reached / 1000 == pytest.approx(then, rel=1e-9)
    assert steps["j/2.timeout/1"].reached / 1000 == pytest.approx(1 - then, rel=1e-9)
    assert steps["j/1"].opened / 1000 == pytest.approx(0.5, rel=1e-9)


def test_split_arms_reach_the_goal_with_their_weighted_rates() -> None:
    """A 30/70 split of two channels: each arm's rate is its channel's, the journey's the mix."""
    tally = forecast("""
content offer: coupon "c"
journey j {
  when every day at 10:00
  reentry never
  goal clicked: click(offer) within 3d
  split test {
    30% sms_arm   { send offer via sms }
    70% email_arm { send offer via email }
  }
}
""" + scenario_block("10d", "sms { open 60%  click 25%  reply 0%  unfriend 0%  delay "
                               "exponential(4h) }\n  channel email { open 20%  click 10%  reply 0%"
                               "  unfriend 0%  delay exponential(1d) }"))
    sms = 0.6 * 0.25 * (1 - math.exp(-3 * 24 / 4))
    email = 0.2 * 0.1 * (1 - math.exp(-3))
    arms = tally.journeys["j"].arms["test"]
    assert arms["sms_arm"].entered == pytest.approx(300)
    assert arms["sms_arm"].goals["clicked"].rate == pytest.approx(sms, rel=1e-9)
    assert arms["email_arm"].goals["clicked"].rate == pytest.approx(email, rel=1e-9)
    goal = tally.journeys["j"].goals["clicked"]
    assert goal.rate == pytest.approx(0.3 * sms + 0.7 * email, rel=1e-9)


def test_repeated_sends_reach_the_goal_with_one_minus_the_product_of_misses() -> None:
    """`repeat 3 every 7d` within a 21-day goal: 1 - prod(1 - p_i), p_i from the time left."""
    tally = forecast("""
content digest: article "d"
journey j {
  when every day at 10:00
  reentry never
  goal read: click(digest) within 21d
  repeat 3 every 7d { send digest via sms }
}
""" + scenario_block("30d", "sms { open 40%  click 10%  reply 0%  unfriend 0%  "
                               "delay exponential(3d) }"))
    # Round i is sent 7i days after entry and has 21 - 7i days left for its click; a click on an
    # earlier message also counts, so each message's chance uses the time left after it.
    misses = [1 - 0.4 * 0.1 * (1 - math.exp(-(21 - 7 * i) / 3)) for i in range(3)]
    goal = tally.journeys["j"].goals["read"]
    assert goal.eligible == pytest.approx(1000)
    assert goal.rate == pytest.approx(1 - math.prod(misses), rel=1e-9)
    # Round 2 goes out when message 1 drew no click in 7 days; round 3 when message 1 drew
    # none in 14 days and message 2 none in 7.
    def silent(days: float) -> float:
        return 1 - 0.4 * 0.1 * (1 - math.exp(-days / 3))

    sent = 1 + silent(7) + silent(14) * silent(7)
    assert tally.journeys["j"].steps["j/1.body/1"].sent == pytest.approx(1000 * sent, rel=1e-9)


def test_a_markov_journey_is_absorbed_as_the_fundamental_matrix_says() -> None:
    """Rounds move visitor -> prospect -> won on a click or leave on a 20% split: B = N R."""
    tally = forecast("""
content m: article "m"
journey j {
  when every day at 10:00
  reentry never
  repeat every 1d until stage == won max 200 {
    split churn { 20% gone { exit } 80% stay { } }
    send m via sms
    wait for click(m) within 12h {
      then { if stage == visitor { stage prospect } else { stage won } }
    }
  }
}
""" + scenario_block("400d", "sms { open 50%  click 30%  reply 0%  unfriend 0%  delay 2h }"))
    c = 0.5 * 0.3  # a round's click: the fixed 2h delay falls inside the 12h wait
    q = np.array([[0.8 * (1 - c), 0.8 * c], [0.0, 0.8 * (1 - c)]])  # transient: visitor, prospect
    r = np.array([[0.2, 0.0], [0.2, 0.8 * c]])  # absorbing: gone, won
    absorbed = np.linalg.inv(np.eye(2) - q) @ r
    assert tally.funnel["won"] / 1000 == pytest.approx(absorbed[0, 1], rel=1e-6)
    assert tally.journeys["j"].exited / 1000 == pytest.approx(absorbed[0, 0], rel=1e-6)


def test_a_purchase_after_a_click_reaches_the_goal_as_the_convolution_says() -> None:
    """Response R ~ Exp(m), purchase U·W later (U uniform): P(R + U·W <= D) in closed form."""
    tally = forecast("""
content offer: coupon "c"
journey j {
  when every day at 10:00
  reentry never
  goal bought: purchase within 2d12h
  send offer via sms
}
scenario s {
  start 2026-12-01  horizon 10d
  population 1000 { arrivals 0/day  owner guide }
  channel sms { open 50%  click 40%  reply 0%  unfriend 0%  delay exponential(1d) }
  purchase { daily 0%  after_click 25% within 2d }
  fatigue { }
}
""")
    # P(R + U W <= D) = integral over u of (1 - exp(-(D - uW)/m)) du, with D >= W:
    # 1 - (m / W) * exp(-D / m) * (exp(W / m) - 1); here m = 1d, W = 2d, D = 2.5d.
    m, w, d = 1.0, 2.0, 2.5
    in_time = 1 - (m / w) * math.exp(-d / m) * (math.exp(w / m) - 1)
    goal = tally.journeys["j"].goals["bought"]
    # The grid places the click and the purchase in 30-minute steps: agreement to 1e-3.
    assert goal.rate == pytest.approx(0.5 * 0.4 * 0.25 * in_time, rel=1e-3)
    assert goal.rate < 0.5 * 0.4 * 0.25 * 0.99  # the window really cuts some purchases off


def test_a_watched_after_click_window_taken_step_by_step_forecasts_as_placing_it_up_front() -> None:
    """A click's watched purchase, followed with its chance in each step of the window given
    none before, forecasts tasks.sop (a split, staff tasks, organic purchases and the 3-day
    window under a 14-day goal) as placing the purchase in its drawn step at the click did;
    those figures are stored from the forecaster before the change, which carried one state
    per step of the window and is no longer in the code, run on the interpreter as it is now
    (they moved by 2e-4 when a spent daily trigger stopped waking its customers). A chance
    taken a step off moves the daily purchases."""
    program = load(TEST_DATA / "exact" / "tasks.sop")
    scenario, _ = effective_scenario(program)
    tally = forecast_exact(program, scenario)
    assert isinstance(tally, Tally)
    journey = tally.journeys["follow_up"]
    assert journey.goals["bought"].reached == pytest.approx(738.1849049305791, rel=1e-6)
    assert journey.arms["offer"]["coupon"].goals["bought"].reached == pytest.approx(
        416.14050592765176, rel=1e-6)
    assert tally.purchases == pytest.approx(1198.673300691368, rel=1e-6)
    assert tally.purchasers == pytest.approx(982.0769908708631, rel=1e-6)
    # When the purchases come: the first days after the clicks.
    assert tally.daily.purchases[:6] == pytest.approx(
        [50.802633965106004, 91.27993150187598, 97.05552335323262, 84.92735897405012,
         56.57982514256369, 51.31674755359181], rel=1e-6)


def test_goal_rates_count_only_windows_that_ended_inside_the_horizon() -> None:
    """Entries on day 1 with a 7-day goal in a 5-day horizon are reached but not eligible."""
    tally = forecast("""
content promo: article "p"
journey j {
  when every day at 10:00
  reentry never
  goal clicked: click(promo) within 7d
  send promo via sms
}
""" + scenario_block("5d", "sms { open 100%  click 100%  reply 0%  unfriend 0%  "
                              "delay exponential(1h) }"))
    goal = tally.journeys["j"].goals["clicked"]
    assert goal.eligible == 0 and goal.rate is None
    assert goal.reached == pytest.approx(1000, rel=1e-6)


def test_arrivals_are_spread_over_the_horizon_and_cut_by_it() -> None:
    """Friends arriving at 24 a day for 5 days: 120 entries, each welcomed once."""
    program = program_of("""
content hello: text "hi"
journey j { when friend_added  send hello via welcome }
scenario s {
  start 2026-12-01  horizon 5d
  population 0 { arrivals 24/day  owner guide }
  channel welcome { open 100%  click 0%  reply 0%  unfriend 0%  delay fixed(1h) }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    tally = forecast_exact(program, scenario, step_minutes=60)
    assert isinstance(tally, Tally)
    assert tally.arrivals == pytest.approx(120)
    assert tally.journeys["j"].entered == pytest.approx(120)
    # Opened an hour after arrival: the last hour's arrivals open after the horizon.
    assert tally.journeys["j"].steps["j/1"].opened == pytest.approx(119)
    assert sum(tally.daily.delivered) == pytest.approx(120)


def test_a_bundled_playbook_is_refused_with_every_reason() -> None:
    """The onboarding playbook's fatigue and its history reads stop the method; its
    `frequency_cap 5 per 7d` does not, since its journeys send a customer at most 5 messages."""
    program = load(PLAYBOOKS / "onboarding.sop")
    scenario, _ = effective_scenario(program)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    text = str(result)
    assert "frequency_cap" not in text
    assert "fatigue rules (`above 4 per 7d`)" in text and "up to 5)" in text
    assert "reads the customer's `reply` history (playbooks/onboarding.sop:119)" in text


def test_a_binding_staff_capacity_is_refused() -> None:
    """One member doing 2 a day cannot keep up with 1000 confirmed sends on one morning."""
    program = program_of("""
content promo: article "p"
journey j { when every day at 10:00  reentry never  send promo via private_chat }
scenario s {
  start 2026-12-01  horizon 3d
  population 1000 { arrivals 0/day  owner guide }
  staff guide 1 { capacity 2/day }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    assert "staff `guide` would fall behind" in str(result)


def test_the_monte_carlo_runner_takes_the_exact_forecaster() -> None:
    """`forecast_exactly` wraps an exact tally as a one-tally forecast of method `exact`."""
    program = program_of("""
content promo: article "p"
journey j { when every day at 10:00  reentry never  send promo via sms }
""" + scenario_block("2d", "sms { open 50%  click 0%  reply 0%  unfriend 0% }"),
                         playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    result = forecast_exactly(program, scenario, forecast_exact)
    assert result.method == "exact"
    assert result.tallies[0].delivered == pytest.approx(1000)


def test_latent_purchases_and_per_customer_probabilities_are_refused_before_propagating() -> None:
    """BG/NBD and `per customer` make customers of one type differ: each is a reason."""
    program = program_of("""
content promo: article "p"
journey j { when friend_added  send promo via sms }
scenario s {
  population 100 { arrivals 10/day  owner guide }
  purchase { bgnbd { r 0.243  alpha 4.414  a 0.793  b 2.426  per 7d } }
  channel sms { click beta(2, 8) per customer }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    text = str(result)
    assert "the scenario's `bgnbd` gives each customer a purchase rate" in text
    assert "`click beta(2, 8) per customer` in `channel sms` gives each customer" in text


def test_gamma_gamma_values_and_drawn_values_are_forecast_at_their_means() -> None:
    """Gamma-Gamma spend is independent of how often a customer buys, so the expected GMV is
    the expected purchases times p * gamma / (q - 1); `open beta(45, 55)` counts as 45%, and
    the report says values are taken at their means."""
    program = program_of("""
content promo: article "p"
journey j { when friend_added  send promo via sms }
scenario s {
  start 2026-12-01  horizon 10d
  population 0 { arrivals 100/day  owner guide }
  channel sms { open beta(45, 55)  click 100%  reply 0%  unfriend 0%  delay fixed(1m) }
  purchase { daily 1%  after_click 50%  value gamma_gamma { p 6.25  q 3.74  gamma 15.44 } }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    tally = forecast_exact(program, scenario)
    assert isinstance(tally, Tally), tally
    assert tally.gmv == pytest.approx(tally.purchases * 6.25 * 15.44 / 2.74)
    notes = build_report(forecast_exactly(program, scenario))["meta"]["notes"]
    assert any("taken at their means" in note for note in notes)
    clicks = sum(step.clicked for step in tally.journeys["j"].steps.values())
    # Messages delivered in the last minute respond after the horizon.
    assert clicks == pytest.approx(0.45 * sum(tally.daily.delivered), rel=1e-3)


def test_gamma_gamma_drawn_jointly_is_forecast_at_the_means_of_its_allowed_draws() -> None:
    """With `log_covariance` the exact method takes the Gamma-Gamma model as it takes a value
    drawn per replication: at the means of the joint draw (q kept above 1), noting it; with
    `bgnbd` drawn jointly it refuses as it refuses `bgnbd`."""
    program = program_of("""
content promo: article "p"
journey j { when friend_added  send promo via sms }
scenario s {
  start 2026-12-01  horizon 10d
  population 0 { arrivals 100/day  owner guide }
  channel sms { open 45%  click 100%  reply 0%  unfriend 0%  delay fixed(1m) }
  purchase {
    daily 1%  after_click 50%
    value gamma_gamma {
      p 6.25  q 1.3  gamma 15.44
      log_covariance { p 0.2  q -0.05 0.04  gamma -0.2 0.05 0.3 }
    }
  }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    means = scenario.drawn_jointly["purchase.gamma_gamma"].means
    tally = forecast_exact(program, scenario)
    assert isinstance(tally, Tally), tally
    assert tally.gmv == pytest.approx(
        tally.purchases * means["p"] * means["gamma"] / (means["q"] - 1))
    notes = build_report(forecast_exactly(program, scenario))["meta"]["notes"]
    assert any("drawn jointly" in note and "taken at their means" in note for note in notes)
    program = program_of("""
content promo: article "p"
journey j { when friend_added  send promo via sms }
scenario s {
  population 100 { arrivals 10/day  owner guide }
  purchase { bgnbd { r 0.243  alpha 4.414  a 0.793  b 2.426  per 7d
                     log_covariance { r 0.01  alpha 0.01 0.02  a 0 0 0.04  b 0 0 0.03 0.05 } } }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    assert isinstance(forecast_exact(program, scenario), Refusal)


def test_a_milestone_is_recorded_and_the_run_goes_on() -> None:
    """An event happening with daily chance p: the milestone `booked` within 7d is reached
    with 1 - (1 - p)^7 and the run goes on to its last step; the terminal goal `paid` on the
    same event ends the runs that reach it, so its last step is reached with (1 - p)^7."""
    p = 0.1
    tally = forecast("""
event booking
journey m {
  when every day at 10:00
  reentry never
  milestone booked: booking within 7d
  wait 8d
  tag "after"
}
journey g {
  when every day at 10:00
  reentry never
  goal paid: booking within 7d
  wait 8d
  tag "after"
}
scenario s {
  start 2026-12-01  horizon 20d
  population 1000 { arrivals 0/day  owner guide }
  purchase { daily 0%  after_click 0% }
  booking { daily 10% }
  fatigue { }
}
""")
    reach = 1 - (1 - p) ** 7
    milestone = tally.journeys["m"].goals["booked"]
    assert milestone.rate == pytest.approx(reach, rel=1e-6)
    assert tally.journeys["m"].steps["m/2"].reached == pytest.approx(1000, rel=1e-9)
    assert tally.journeys["g"].goals["paid"].rate == pytest.approx(reach, rel=1e-6)
    assert tally.journeys["g"].steps["g/2"].reached == pytest.approx(1000 * (1 - reach),
                                                                     rel=1e-6)


def test_a_customers_send_via_group_is_refused_before_propagating() -> None:
    """A customer's send via group merges with other members' into one post: refused, naming
    the step."""
    program = program_of('content promo: article "p"\n'
                         "journey j { when every day at 10:00  send promo via group }\n",
                         playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    assert "`send promo via group`" in str(result) and "`--method montecarlo`" in str(result)


def group_calendar(journey: str, groups: str = "total 4  members 50%",
                   group_channel: str = "open 40%  click 10%  reply 0%  unfriend 0%",
                   more: str = "", purchase: str = "after_click 0%") -> str:
    """A group calendar over December with 200 stock customers and staff who do everything
    at once."""
    return f"""
content promo: article "p"
{journey}
scenario s {{
  start 2026-12-01  horizon 31d
  population 200 {{ arrivals 0/day  owner guide }}
  staff guide 2 {{ capacity 100000/day  completion 100%  delay exponential(1m) }}
  groups {{ {groups} }}
  channel group {{ {group_channel}  delay exponential(1h) }}
  purchase {{ daily 0%  {purchase} }}
  fatigue {{ }}
  {more}
}}
"""


def test_a_group_calendar_posts_within_the_quota_to_the_expected_members() -> None:
    """Three posts a day to each of 4 groups over December's 31 days: 31 posts per group (the
    quota), 62 skipped; each post reaches the N p = 100 expected members of the 4 groups
    shared, so 31 x 100 deliveries, 40% of them opened; every member is reached."""
    tally = forecast(group_calendar(
        "journey j for groups {\n  when every day at 08:00 or every day at 12:00 or every "
        "day at 20:00\n  send promo via group\n}"))
    step = tally.journeys["j"].steps["j/1"]
    assert step.actions == pytest.approx(4 * 31)
    assert tally.dropped["quota"] == pytest.approx(4 * 62)
    assert tally.staff["guide"].tasks == pytest.approx(4 * 31)
    assert step.delivered == pytest.approx(31 * 100, rel=1e-3)
    assert step.opened == pytest.approx(0.4 * 31 * 100, rel=1e-2)
    assert step.groups == pytest.approx(4) and step.customers == pytest.approx(100, rel=1e-6)


def test_customers_in_groups_at_the_start_are_the_members_share_of_the_stock() -> None:
    """`audience groups > 0` on a daily sms: 30% of the 200 stock customers are in a group, so
    0.3 x 200 x 31 sends over December."""
    tally = forecast(group_calendar(
        "journey j {\n  when every day at 10:00\n  audience groups > 0\n  reentry after 1d\n"
        "  send promo via sms\n}", groups="total 4  members 30%"))
    assert tally.sends == pytest.approx(0.3 * 200 * 31)


DAILY_POST = "journey j for groups {\n  when every day at 10:00\n  send promo via group\n}"


@pytest.mark.parametrize("journey,groups,channel,more,purchase,named", [
    ("journey j for groups {\n  when every day at 10:00\n  if members > 10 {\n"
     "    send promo via group\n  }\n}", None, None, "", "after_click 0%", "reads `members`"),
    ("journey j for groups {\n  when every day at 10:00\n  split test {\n    50% a {\n"
     "      send promo via group\n    }\n    50% b {\n      wait 1h\n    }\n  }\n}",
     None, None, "", "after_click 0%", "splits"),
    (None, None, None, "joined_group { daily 1% }", "after_click 0%", "`joined_group`"),
    (None, "total 1  members 100%  capacity 100", None, "", "after_click 0%", "may fill up"),
    (None, None, "open 40%  click 10%  reply 0%  unfriend 1%", "", "after_click 0%",
     "delete the friend"),
    (None, None, None, "", "after_click 5%", "leads to a purchase"),
])
def test_what_breaks_a_group_calendars_exact_forecast_is_refused_up_front(
        journey, groups, channel, more, purchase, named) -> None:
    """Each thing that ties a group's members or its path to what the method does not follow
    is named before anything is computed."""
    journey = journey or DAILY_POST
    text = group_calendar(journey, groups or "total 4  members 50%",
                          channel or "open 40%  click 10%  reply 0%  unfriend 0%", more, purchase)
    program = program_of(text, playbook=PLAYBOOK)
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    assert named in str(result), str(result)


def test_a_members_response_that_steers_their_own_journey_is_refused() -> None:
    """A customer journey whose goal watches a click on the calendar's post: refused."""
    watching = "journey c {\n  when friend_added\n  goal g: click(promo) within 3d\n  wait 1d\n}"
    program = program_of(group_calendar(f"{DAILY_POST}\n{watching}"), playbook=PLAYBOOK)
    scenario, _ = effective_scenario(program)
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal) and "watches `click` of `promo`" in str(result)


def test_a_weekly_journey_enters_once_per_occurrence_beside_a_goal_journey() -> None:
    """Tuesdays at 09:00 over 16 days from Tuesday 2026-12-01 are 3 occurrences: every customer
    enters 3 times, however often a purchase reaches another journey's goal meanwhile."""
    tally = forecast("""
content tip: text "t"
journey weekly {
  when every tuesday at 09:00
  reentry always
  send tip via sms
}
journey other {
  when every day at 08:00
  reentry never
  goal bought: purchase within 15d
  wait 15d
}
scenario s {
  start 2026-12-01  horizon 16d
  population 2000 { arrivals 0/day  owner guide }
  channel sms { open 50%  click 20%  reply 0%  unfriend 0%  delay exponential(6h) }
  purchase { daily 1%  after_click 0% }
  fatigue { }
}
""")
    assert tally.journeys["weekly"].entered == pytest.approx(3 * 2000, rel=1e-9)
    assert tally.journeys["other"].goals["bought"].rate == pytest.approx(1 - 0.99 ** 15, rel=1e-9)


def test_a_journey_started_on_a_birthday_is_refused() -> None:
    """`when birthday` reads like an event trigger but is a yearly date: the method refuses it."""
    program = program_of('content a: text "a"\njourney j { when birthday  send a via sms }\n'
                         + scenario_block("10d", "sms { open 50%  click 20%  reply 0%  "
                                                 "unfriend 0%  delay exponential(6h) }"),
                         playbook=PLAYBOOK)
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    result = forecast_exact(program, scenario)
    assert isinstance(result, Refusal)
    assert "journey `j` starts on a yearly date" in str(result)


def test_a_send_a_member_has_started_is_delivered_past_its_due_time() -> None:
    """A confirmed send asked for on Tuesday 10:00 is due at the end of Wednesday's working
    day, 21:00, 35 hours later. A member gets to it after exponential(10h) and then finishes
    it, by its due time or after: it is delivered with probability 1 - exp(-35/10) and expires
    otherwise, not when it is merely unfinished at its due time."""
    tally = forecast("""
content note: text "n"
journey j {
  when every day at 10:00
  reentry never
  send note via chat
}
scenario s {
  start 2026-12-01  horizon 10d
  population 100 { arrivals 0/day  owner guide }
  staff guide 1000 { capacity 4/day  completion 100%  delay exponential(10h) }
  channel chat { open 50%  click 0%  reply 10%  unfriend 0%  delay exponential(1h) }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
""")
    started = 1 - math.exp(-35 / 10)
    assert tally.delivered / 100 == pytest.approx(started, rel=1e-6)
    assert tally.staff["guide"].expired / 100 == pytest.approx(1 - started, rel=1e-6)


def test_a_member_who_gets_to_a_send_late_in_a_step_can_finish_it_in_that_step() -> None:
    """A confirmed send asked for at 20:00, an hour before the working day ends: a member gets
    to it after D ~ exponential(30m) and does it in S ~ exponential(1h) (12h / 12), so it goes
    out that day with P(D + S <= 1h) = 1 + exp(-2) - 2 exp(-1), both ways; the rest waits for
    the next morning, past the horizon."""
    program = program_of("""
content note: text "n"
journey j {
  when every day at 20:00
  reentry never
  send note via chat
}
scenario s {
  start 2026-12-01  horizon 1d
  population 2000 { arrivals 0/day  owner guide }
  staff guide 20000 { capacity 12/day  completion 100%  delay exponential(30m) }
  channel chat { open 50%  click 0%  reply 0%  unfriend 0%  delay exponential(1h) }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
""", playbook=PLAYBOOK)
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    closed = 1 + math.exp(-2) - 2 * math.exp(-1)
    exact = forecast_exact(program, scenario)
    assert isinstance(exact, Tally), exact
    assert exact.delivered / 2000 == pytest.approx(closed, rel=1e-6)
    tallies = simulate(program, scenario, replications=10, seed=20261207, workers=1,
                       baseline=False).tallies
    sampled = sum(t.delivered for t in tallies) / (10 * 2000)
    # Four standard errors of a mean of 20,000 draws.
    assert sampled == pytest.approx(closed, abs=4 * math.sqrt(closed * (1 - closed) / 20000))


def test_a_mass_send_held_to_the_next_day_meets_that_days_limit_as_the_closed_form_says() -> None:
    """WeCom lets a member reach a customer with one mass send a day. One is asked for on
    Tuesday at 20:00, an hour before the working day ends; another on Wednesday at 09:00. The
    first goes out on Tuesday when D + S <= 1h (D ~ exponential(30m) until a member gets to it,
    S ~ exponential(12h / 5000) doing it), else on Wednesday morning, and then whichever of the
    two goes second on Wednesday (the second does when D + S <= 12h) is dropped."""
    program = program_of("""
content a: text "a"
content b: text "b"
journey evening {
  when every tuesday at 20:00
  reentry never
  send a via private_chat
}
journey morning {
  when every wednesday at 09:00
  reentry never
  send b via private_chat
}
scenario s {
  start 2026-12-01  horizon 2d
  population 2000 { arrivals 0/day  owner guide }
  staff guide 2000 { capacity 5000/day  completion 100%  delay exponential(30m) }
  channel private_chat { open 50%  click 0%  reply 0%  unfriend 0%  delay exponential(1h) }
  purchase { daily 0%  after_click 0% }
  fatigue { }
}
""", playbook='playbook "t" { timezone "Asia/Shanghai"  mass_quota 31 per month }\n'
               'role guide "g"\n')
    scenario, diagnostics = effective_scenario(program)
    assert scenario is not None, diagnostics
    delay, service = 1 / 30, 5000 / (12 * 60)

    def within(minutes: float) -> float:
        """P(D + S <= minutes)."""
        return 1 - (service * math.exp(-delay * minutes)
                    - delay * math.exp(-service * minutes)) / (service - delay)

    closed = (1 - within(60)) * within(12 * 60)
    exact = forecast_exact(program, scenario)
    assert isinstance(exact, Tally), exact
    assert exact.dropped["staff_daily_limit"] / 2000 == pytest.approx(closed, rel=1e-6)
    tallies = simulate(program, scenario, replications=5, seed=20261207, workers=1,
                       baseline=False).tallies
    sampled = sum(t.dropped.get("staff_daily_limit", 0) for t in tallies) / (5 * 2000)
    # Four standard errors of a mean of 10,000 draws.
    assert sampled == pytest.approx(closed, abs=4 * math.sqrt(closed * (1 - closed) / 10000))


CAPPED = 'playbook "t" {\n  timezone "Asia/Shanghai"\n  frequency_cap 3 per 7d\n}\nrole guide "g"\n'
TWO_SENDS = """
content a: article "a"
content b: article "b"
journey j {
  when every day at 10:00
  reentry never
  cap 2 per 7d
  goal clicked: click(b) within 3d
  send a via sms
  wait 1d
  send b via sms
}
"""
SMS = "sms { open 50%  click 20%  reply 0%  unfriend 0%  delay exponential(6h) }"


def test_caps_and_fatigue_the_journeys_never_reach_are_not_reasons_to_refuse() -> None:
    """A journey that sends a customer two messages in all can never pass `frequency_cap 3`,
    its own `cap 2` or a fatigue rule `above 3` (nor the default `above 4`): the forecast is
    the one without them, figure for figure. A third send in a loop reaches all three, and
    each is named with the most the journeys can send. A third send reaches the journey's
    `cap 2` only: three messages are what `frequency_cap 3` lets through and not above 3."""
    fatigued = scenario_block("10d", SMS).replace(
        "fatigue { }", "fatigue { above 3 per 7d: open x0.1 }")
    program = program_of(TWO_SENDS + fatigued, playbook=CAPPED)
    scenario, _ = effective_scenario(program)
    capped = forecast_exact(program, scenario)
    assert isinstance(capped, Tally), capped
    free = forecast(TWO_SENDS.replace("  cap 2 per 7d\n", "") + scenario_block("10d", SMS))
    assert capped.journeys["j"].goals["clicked"].rate == pytest.approx(
        free.journeys["j"].goals["clicked"].rate, rel=1e-12)
    # `b` goes a day into the 3-day goal window: 2 days left to click it.
    assert capped.journeys["j"].goals["clicked"].rate == pytest.approx(
        0.5 * 0.2 * (1 - math.exp(-2 * 24 / 6)), rel=1e-9)
    assert capped.delivered == free.delivered == 2000
    def refusal(rounds: int) -> str:
        looping = TWO_SENDS.replace("  send b via sms\n", f"  repeat {rounds} every 1d {{\n"
                                    "    send b via sms\n  }\n")
        program = program_of(looping + fatigued, playbook=CAPPED)
        scenario, _ = effective_scenario(program)
        refused = forecast_exact(program, scenario)
        assert isinstance(refused, Refusal)
        return str(refused)

    three = refusal(2)
    assert "`cap 2 per 7d`" in three and "up to 3 messages" in three
    assert "frequency_cap" not in three and "fatigue" not in three
    four = refusal(3)
    assert "`frequency_cap 3 per 7d` drops a send" in four and "up to 4 messages" in four
    assert "`cap 2 per 7d`" in four and "fatigue rules (`above 3 per 7d`)" in four

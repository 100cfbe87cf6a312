"""What the forecasters count: effects to figures, and the sampled counts a tally reads."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime_kit import program_of
from simulator.behaviour import DrawnResponse
from simulator.counting import (
    ArmSpend, SampledCounts, effect_counts, response_counts, tally_of,
)
from simulator.effect_counting import EffectCounting
from sopdsl.runtime.effects import (
    ArmChosen, Completed, Entered, Exited, GoalReached, SendDelivered, SendDropped, SendRequested,
    TaskCreated,
)
from sopdsl.scenario.build import effective_scenario

DAY = 24 * 60
PLAYBOOK = """content hi: text "hi"
journey j {
  when friend_added
  goal bought: purchase within 2d
  split s { 50% a { send hi via sms }  50% b { } }
}
"""


def run(*effects) -> list:
    """The figures of a customer's effects, in order, with their moments."""
    entered_at: dict[str, float] = {}
    arms: list = []
    return [count for e in effects for count in effect_counts(e, entered_at, arms)]


def test_a_goal_counts_for_the_run_and_its_arms_at_the_entry() -> None:
    """Goal figures for the journey and the arm it went through, the rate's at the entry."""
    found = run(Entered(time=10.0, customer="c", journey="j", trigger="friend_added"),
                ArmChosen(time=10.0, customer="c", journey="j", split="s", arm="a"),
                GoalReached(time=500.0, customer="c", journey="j", goal="bought",
                            event="purchase"),
                Entered(time=900.0, customer="c", journey="j", trigger="friend_added"),
                GoalReached(time=950.0, customer="c", journey="j", goal="bought",
                            event="purchase"))
    assert found == [
        (("entered", "j"), None), (("arm", "j", "s", "a"), None),
        (("arm_entry", "j", "s", "a"), 10.0), (("reached", "j", "bought"), None),
        (("reached_by_entry", "j", "bought"), 10.0),
        (("arm_reached", "j", "s", "a", "bought"), None),
        (("arm_reached_by_entry", "j", "s", "a", "bought"), 10.0),
        # The second run went through no arm: nothing is counted for one.
        (("entered", "j"), None), (("reached", "j", "bought"), None),
        (("reached_by_entry", "j", "bought"), 900.0)]


def test_sends_drops_and_endings_count_once_each_and_work_counts_nothing() -> None:
    sent = dict(time=5.0, customer="c", journey="j", step="j/1", content="hi", channel="sms")
    found = run(SendRequested(**sent, role=None, earliest=5.0, priority=0,
                              staff_confirmed=False),
                SendDelivered(**sent, staff=None),
                SendDropped(**sent, staff=None, reason="journey_cap"),
                TaskCreated(time=5.0, customer="c", journey="j", step="j/2", role="guide",
                            instruction="call", content=None, due_in=None),
                Exited(time=6.0, customer="c", journey="j", reason="exit_step"),
                Completed(time=7.0, customer="c", journey="k"))
    assert [key for key, _ in found] == [
        ("sends",), ("step_sent", "j", "j/1"), ("delivered",), ("step_delivered", "j", "j/1"),
        ("dropped", "journey_cap"), ("exited", "j"), ("completed", "k")]


def test_an_expected_response_counts_what_a_drawn_one_would_on_average() -> None:
    """Counts are linear in the response: chances in, expected figures out."""
    drawn = dict(response_counts("j", "j/1", 1, 1, 0, 0))
    assert drawn[("interactions",)] == 1 and drawn[("step_clicked", "j", "j/1")] == 1
    expected = dict(response_counts("j", "j/1", 0.5, 0.5 * 0.2, 0.5 * 0.1, 0.01))
    assert expected[("interactions",)] == 0.5 * 0.2 + 0.5 * 0.1
    assert expected[("unfriends",)] == 0.01


def test_goal_rates_count_only_entries_whose_window_ended() -> None:
    """Entries up to the horizon less the goal window are eligible; later ones only count."""
    program = program_of(PLAYBOOK)
    scenario = effective_scenario(program)[0]
    counts = SampledCounts(program, 10 * DAY, [k * DAY for k in range(10)])
    for time in (0.0, 7 * DAY, 8 * DAY + 1, 9 * DAY):
        entered: dict[str, float] = {}
        for key, at in effect_counts(
                Entered(time=time, customer="c", journey="j", trigger="friend_added"),
                entered, []):
            counts.add(key, time if at is None else at)
    counts.add(("sends",), 2.5 * DAY)
    tally = tally_of(program, scenario, counts, 4.0, 4.0)
    goal = tally.journeys["j"].goals["bought"]
    assert (tally.journeys["j"].entered, goal.eligible) == (4.0, 2.0)
    assert tally.daily.sends == [0, 0, 1] + [0] * 7
    assert tally.cost == scenario.cost.per_arrival * 4


def test_an_arms_spend_is_the_purchases_from_its_choice_to_the_goal_windows_end() -> None:
    """A purchase counts for an arm after the arm was chosen (not the one that made the choice)
    and by the entry's goal window's end, at the entry; spend is measured on the entries whose
    window ended inside the horizon, as the goal rate; a journey without goals runs to the
    horizon; a forecaster without spend reports none."""
    program = program_of(PLAYBOOK + 'journey k {\n  when friend_added\n'
                                    '  split t { 50% x { }  50% y { } }\n}\n')
    scenario = effective_scenario(program)[0]
    counts = SampledCounts(program, 10 * DAY, [k * DAY for k in range(10)])
    spend = ArmSpend(program)
    marks: dict[str, tuple[dict[str, float], list]] = {"c": ({}, []), "d": ({}, [])}
    for effect in (Entered(time=DAY, customer="c", journey="j", trigger="friend_added"),
                   ArmChosen(time=DAY + 60, customer="c", journey="j", split="s", arm="a"),
                   Entered(time=DAY, customer="c", journey="k", trigger="friend_added"),
                   ArmChosen(time=DAY, customer="c", journey="k", split="t", arm="x"),
                   Entered(time=9 * DAY, customer="d", journey="j", trigger="friend_added"),
                   ArmChosen(time=9 * DAY, customer="d", journey="j", split="s", arm="a")):
        who = 0 if effect.customer == "c" else 1
        counted = effect_counts(effect, *marks[effect.customer])
        for key, at in counted:
            counts.add(key, effect.time if at is None else at)
        if effect.kind == "arm_chosen":
            spend.chosen(who, counted, effect.time)
    # Before the choice, inside the window (twice), after its end (entry + 2d): customer c.
    for at, amount in ((DAY + 30, 1.0), (DAY + 60, 2.0), (2 * DAY, 10.0), (3 * DAY, 20.0),
                       (3 * DAY + 1, 100.0)):
        for key, entry in spend.purchased(0, at):
            counts.add(key, entry, amount)
    for key, entry in spend.purchased(1, 9.5 * DAY):  # inside d's window, which ends too late
        counts.add(key, entry, 1000.0)
    arms = tally_of(program, scenario, counts, 2.0, 0.0).journeys
    a = arms["j"].arms["s"]["a"]
    assert (a.entered, a.measured, a.spend, a.spend_per_entry) == (2.0, 1.0, 30.0, 30.0)
    x = arms["k"].arms["t"]["x"]  # no goal: to the horizon, every entry
    assert (x.measured, x.spend) == (1.0, 1.0 + 2.0 + 10.0 + 20.0 + 100.0)
    none = tally_of(program, scenario, counts, 2.0, 0.0, spend=False).journeys["j"]
    assert none.arms["s"]["a"].spend is None and none.arms["s"]["a"].spend_per_entry is None


PLAIN_KEYS = [("sends",), ("delivered",), ("step_sent", "j", "s1"), ("dropped", "blackout"),
              ("step_reached", "j", "s1")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(PLAIN_KEYS), max_size=3),
                          st.floats(min_value=0.0, max_value=10 * DAY - 1)), max_size=20))
def test_planned_figures_count_as_adding_each_one(groups) -> None:
    """`add_planned` reaches the same totals and day series as `add` of each figure."""
    program = program_of(PLAYBOOK)
    day_starts = [k * DAY for k in range(10)]
    planned, added = (SampledCounts(program, 10 * DAY, day_starts) for _ in range(2))
    for keys, at in groups:
        planned.add_planned(planned.plan(keys), at)
        for key in keys:
            added.add(key, at)
    assert planned.totals == added.totals
    assert planned.days == added.days


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(),
                          st.sampled_from(["j/1", "j/2"]), st.floats(0, 10 * DAY - 1)),
                max_size=12))
def test_a_drawn_response_counts_by_its_plan_what_its_figures_would_one_by_one(drawn) -> None:
    """The engine's plan per step and outcome reaches the totals, day series and order of
    figures that adding each of `response_counts` (unfriending left to its event) reaches."""
    program = program_of(PLAYBOOK)
    day_starts = [k * DAY for k in range(10)]
    planned, added = (SampledCounts(program, 10 * DAY, day_starts) for _ in range(2))
    engine = SimpleNamespace(counts=planned, response_plans={})
    for opened, clicked, replied, step, at in drawn:
        response = DrawnResponse(at, [], opened, clicked, replied, [])
        EffectCounting._count_response(engine, "j", step, response)
        for key, amount in response_counts("j", step, opened, clicked, replied, 0):
            if amount:
                added.add(key, at, amount)
    assert list(planned.totals.items()) == list(added.totals.items())
    assert planned.days == added.days

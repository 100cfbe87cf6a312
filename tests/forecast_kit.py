"""Hand-built tallies and small deterministic fake runners for the forecast and report tests."""

from __future__ import annotations

import datetime as dt
import random

from sopdsl.scenario.defaults import builtin_scenario
from simulator.montecarlo import Forecast
from simulator.results import (
    ArmTally, DailySeries, GoalTally, JourneyTally, StaffTally, StepTally, Tally,
)
from sopdsl.scenario.model import Scenario

START = dt.date(2026, 12, 1)


def small_scenario(days: int = 4, name: str = "default", click: float | None = None) -> Scenario:
    """The built-in default over a few days (and another private chat click rate if given)."""
    scenario = builtin_scenario(today=START)
    update: dict = {"horizon_minutes": days * 1440, "name": name}
    if click is not None:
        channel = scenario.channels["private_chat"].model_copy(update={"click": click})
        update["channels"] = {**scenario.channels, "private_chat": channel}
    return scenario.model_copy(update=update)


def fixed_tally(entered: float, reached_eligible: float, gmv: float) -> Tally:
    """A small tally with every kind of figure, from three numbers (the rest derived by hand)."""
    return Tally(
        seed=None, customers=100.0, arrivals=20.0,
        journeys={"onboarding": JourneyTally(
            entered=entered, completed=entered - reached_eligible - 1, exited=1.0,
            goals={"first_order": GoalTally(reached=reached_eligible + 1, eligible=entered - 2,
                                            reached_eligible=reached_eligible),
                   "repeat_order": GoalTally()},  # nothing eligible: its rate is undefined
            steps={"onboarding/1": StepTally(channel="moments", reached=entered, sent=entered,
                                             delivered=entered - 1, opened=entered / 2,
                                             clicked=2.0, actions=3.0),
                   "d1": StepTally(reached=entered - 1),
                   "onboarding/3": StepTally()},
            arms={"coupon_test": {
                "control": ArmTally(entered=entered / 2, goals={"first_order": GoalTally(
                    reached=1.0, eligible=entered / 2, reached_eligible=1.0)},
                    spend=gmv / 10, measured=entered / 2),
                "coupon": ArmTally(entered=entered / 2, goals={"first_order": GoalTally(
                    reached=3.0, eligible=entered / 2, reached_eligible=3.0)},
                    spend=gmv / 4, measured=entered / 2 - 1),
            }},
        )},
        funnel={"visitor": 100.0, "prospect": 40.0, "won": reached_eligible},
        sends=2 * entered, delivered=2 * entered - 2, dropped={"frequency_cap": 2.0},
        interactions=4.0, purchases=reached_eligible + 2, purchasers=reached_eligible + 1,
        gmv=gmv, unfriends=1.0, cost=50.0,
        staff={"guide": StaffTally(tasks=entered, done=entered - 2, expired=2.0,
                                   busy_minutes=300.0, available_minutes=1200.0,
                                   max_backlog=3.0, on_time=entered - 5, late=2.0,
                                   missed=1.0, abandoned=1.0)},
        daily=DailySeries(sends=[entered, entered], delivered=[entered - 1, entered - 1],
                          clicks=[1.0, 1.0], purchases=[0.0, reached_eligible + 2],
                          unfriends=[1.0, 0.0], backlog={"guide": [2.0, 0.0]}),
        goal_events={"onboarding": {"first_order": reached_eligible + 2}},
    )


def fixed_baseline(purchases: float, gmv: float) -> Tally:
    """A baseline tally to pair with `fixed_tally`: no sends, the arrivals' cost only."""
    return Tally(customers=100.0, arrivals=20.0, purchases=purchases, purchasers=purchases,
                 gmv=gmv, cost=20.0, goal_events={"onboarding": {"first_order": purchases}})


def fixed_forecast() -> Forecast:
    """Three replications of `fixed_tally`: entered 10, 12, 14 (mean 12, sd 2)."""
    tallies = [fixed_tally(10, 2, 600.0), fixed_tally(12, 3, 900.0), fixed_tally(14, 4, 1200.0)]
    baseline = [fixed_baseline(2, 400.0), fixed_baseline(4, 500.0), fixed_baseline(3, 600.0)]
    for seed, tally, without in zip([1, 2, 3], tallies, baseline):
        tally.seed = without.seed = seed
    return Forecast(method="montecarlo", playbook="playbooks/onboarding.sop",
                    scenario=small_scenario(days=2, name="baseline"), tallies=tallies, seed=7,
                    seeds=[1, 2, 3], baseline=baseline, unproduced={"webinar": ["onboarding"]})


def fake_runner(program, scenario: Scenario, seed: int, progress=None) -> Tally:
    """A replication made up from the seed, the playbook's journeys and the scenario's click rate.

    It reports each simulated day, so progress and worker tests see the same calls an engine makes.
    """
    rng = random.Random(seed)
    days = round(scenario.horizon_minutes / 1440)
    for day in range(1, days + 1):
        if progress is not None:
            progress(day)
    click = scenario.channels["private_chat"].click
    customers = float(scenario.population.size)
    journeys = {}
    for name in program.journeys:
        entered = float(rng.randint(80, 120))
        reached = float(sum(rng.random() < click for _ in range(int(entered))))
        journeys[name] = JourneyTally(
            entered=entered, completed=entered - reached, exited=0.0,
            goals={"goal": GoalTally(reached=reached, eligible=entered, reached_eligible=reached)},
            steps={f"{name}/1": StepTally(reached=entered, sent=entered, delivered=entered)},
        )
    purchasers = float(rng.randint(0, 50)) + 100 * click
    return Tally(
        seed=seed, customers=customers, arrivals=0.0, journeys=journeys,
        funnel={"visitor": customers}, sends=100.0, delivered=95.0, interactions=10.0,
        purchases=purchasers, purchasers=purchasers, gmv=300.0 * purchasers, cost=100.0,
        staff={"guide": StaffTally(tasks=10.0, done=float(rng.randint(5, 10)),
                                   available_minutes=600.0, busy_minutes=60.0)},
        daily=DailySeries(sends=[float(rng.randint(0, 9)) for _ in range(days)],
                          clicks=[1.0] * days, purchases=[0.0] * days,
                          delivered=[1.0] * days, unfriends=[0.0] * days,
                          backlog={"guide": [float(d) for d in range(days)]}),
    )


def fake_baseline(program, scenario: Scenario, seed: int, progress=None) -> Tally:
    """`fake_runner` with the playbook switched off: the same seed, no journeys, and the
    purchases a playbook-free run makes up from that seed."""
    from simulator.engine import switched_off

    tally = fake_runner(switched_off(program), scenario, seed, progress)
    tally.purchases = tally.purchasers = float(random.Random(seed).randint(0, 50))
    tally.gmv, tally.sends, tally.delivered = 300.0 * tally.purchases, 0.0, 0.0
    return tally


def exact_tally(program, scenario: Scenario) -> Tally:
    """A stand-in exact forecaster: the expected counts of a one-goal journey."""
    return Tally(customers=1000.0, journeys={"onboarding": JourneyTally(
        entered=100.0, goals={"first_order": GoalTally(reached=12.5, eligible=100.0,
                                                        reached_eligible=12.5)})},
        funnel={"visitor": 1000.0}, purchasers=12.5, purchases=12.5, gmv=3750.0)


class Refusal:
    """What an exact forecaster answers when it cannot forecast a playbook."""

    reasons = ["staff `guide` has a finite capacity", "the playbook has a frequency cap"]


def refusing_exact(program, scenario: Scenario) -> Refusal:
    """A stand-in exact forecaster that always refuses."""
    return Refusal()

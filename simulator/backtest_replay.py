"""What the journeys did given what customers actually did after a back-test's date: goals and
split arms, counted as a forecast counts them.

Each real customer is followed as the forecast follows them (`follow_customer`) and driven
through their actual events to the end of the window, split arms chosen as plans choose them
(`stable_arm`, so a playbook run from its plans is replayed in the arms it gave customers);
every effect from the date on is counted by the forecast's own mapping (`counting`).
"""

from __future__ import annotations

import datetime as dt
import math

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.checker.program import Program
from sopdsl.runtime.arms import stable_arm
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.effects import Effect
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.runtime.replay import drive, follow_customer
from sopdsl.scenario.model import Scenario
from simulator.counting import ArmSpend, SampledCounts, effect_counts, tally_of
from simulator.real_base import RealBase, lookback_minutes
from simulator.results import Tally


def replayed(program: Program, scenario: Scenario, base: RealBase,
             after: dict[int, list[Event]], days: int) -> Tally:
    """The tally of the journeys' entries, goals and arms over the window, from the base's
    customers and their actual events after the start (`after`, by customer number)."""
    clock = Clock(base.start, program.settings.timezone)
    interpreter = Interpreter(program, clock, stable_arm)
    horizon = float(days * MINUTES_PER_DAY)
    day_starts = [clock.minutes(base.start + dt.timedelta(days=k)) for k in range(days)]
    counts = SampledCounts(program, horizon, day_starts)
    end = math.nextafter(horizon, -math.inf)
    spend = ArmSpend(program)
    for index, (data, events) in enumerate(base.customers()):
        customer, timeline = follow_customer(
            interpreter, data, [*events, *after.get(index, ())],
            lookback_minutes(base), {"groups": 0})
        marks: tuple[dict[str, float], list] = ({}, [])

        def observe(_: Customer, effects: list[Effect], index: int = index) -> None:
            for effect in effects:
                counted = effect_counts(effect, *marks)
                if effect.time < 0:
                    continue
                for key, at in counted:
                    counts.add(key, effect.time if at is None else at)
                if effect.kind == "arm_chosen":
                    spend.chosen(index, counted, effect.time)

        drive(interpreter, customer, timeline, end, observe=observe)
        # The arms' windows are all known now; each purchase counts in those open at it.
        for event in sorted(after.get(index, ()), key=lambda event: event.time):
            if event.name == "purchase" and event.time < horizon:
                for key, entry in spend.purchased(index, event.time):
                    counts.add(key, entry, event.amount or 0.0)
    return tally_of(program, scenario, counts, float(base.size), 0.0)

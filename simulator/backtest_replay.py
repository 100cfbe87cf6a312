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
from simulator.counting import SampledCounts, effect_counts, tally_of
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
    for index, (data, events) in enumerate(base.customers()):
        customer, timeline = follow_customer(
            interpreter, data, [*events, *after.get(index, ())],
            lookback_minutes(base), {"groups": 0})
        marks: tuple[dict[str, float], list] = ({}, [])

        def observe(_: Customer, effects: list[Effect]) -> None:
            for effect in effects:
                for key, at in effect_counts(effect, *marks):
                    if effect.time >= 0:
                        counts.add(key, effect.time if at is None else at)

        drive(interpreter, customer, timeline, end, observe=observe)
    return tally_of(program, scenario, counts, float(base.size), 0.0)

"""The candidate moments of a replication's daily chances: the daily purchase chance, each
event's `daily` chance and, under BG/NBD, each customer's own purchase moments, drawn once at
the start in time order with each candidate's acceptance draw and amount."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sopdsl.scenario.model import Scenario
from simulator.behaviour import BehaviourSampler, daily_moments
from simulator.latent import latent_moments
from simulator.population import Population

PURCHASE = "purchase"


class DailyChances(NamedTuple):
    """The candidates, in time order: when, whose, which chance, its draw and amount."""

    times: list[float]
    who: list[int]
    what: list[int]  # an index into `names`
    names: list[str]
    uniforms: list[float]
    amounts: list[float]


def daily_chances(population: Population, scenario: Scenario, behaviour: BehaviourSampler,
                  horizon: float, daily_rng: np.random.Generator,
                  latent_rng: np.random.Generator) -> DailyChances:
    """Every candidate moment of the daily chances over the horizon."""
    followed = np.concatenate([np.zeros(population.stock.size), population.arrival_times])
    chances = [(PURCHASE, behaviour.daily_purchase_ceiling)]
    chances += [(name, b.daily) for name, b in scenario.events.items() if b.daily > 0]
    who, when, what = [], [], []
    for kind, (_, chance) in enumerate(chances):
        customers, times = daily_moments(followed, horizon, chance, daily_rng)
        who.append(customers)
        when.append(times)
        what.append(np.full(customers.size, kind))
    rate = population.latent.rate
    if rate is not None:  # BG/NBD: candidates at each customer's rate times the ceiling
        customers, times = latent_moments(followed, horizon,
                                          rate * behaviour.most_purchase_factor, latent_rng)
        who.append(customers)
        when.append(times)
        what.append(np.zeros(customers.size, dtype=np.int64))
    times = np.concatenate(when)
    order = np.argsort(times, kind="stable")
    # Each candidate's acceptance draw and amount, drawn now from the daily stream: a
    # baseline run meets the same draws at the same moments whatever the playbook did.
    uniforms = daily_rng.random(times.size)
    amounts = np.clip(scenario.purchase.value.sample(daily_rng, times.size), 0.0, None)
    return DailyChances(times[order].tolist(), np.concatenate(who)[order].tolist(),
                        np.concatenate(what)[order].tolist(), [name for name, _ in chances],
                        uniforms.tolist(), amounts.tolist())

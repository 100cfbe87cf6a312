"""The synthetic population of a scenario: the stock at the start and the friends who arrive later.

Everything is drawn column by column with numpy from one generator, so a seed gives the same
customers every time. Customers are numbered: the stock 0..size-1, then arrivals in arrival order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.lunar import LunarDay, solar_day, to_lunar
from sopdsl.runtime.customer import Event
from sopdsl.scenario.model import (
    AgeAttribute, CalendarAttribute, DateRangeAttribute, DistributionAttribute, Scenario,
)
from sopdsl.scenario.uncertainty import GeneratorFor
from simulator.latent import Latent, draw_latent

if TYPE_CHECKING:
    from sopdsl.checker.program import Program



class Column:
    """One attribute for a group of customers: values, or indexes into `choices`."""

    __slots__ = ("values", "choices", "_plain")

    def __init__(self, values: np.ndarray, choices: list[Any] | None = None) -> None:
        self.values = values
        self.choices = choices  # listed values (shares); None for drawn numbers
        self._plain: list[Any] | None = None

    def get(self, index: int) -> Any:
        """The plain Python value of one customer."""
        if self._plain is None:
            self._plain = self.values.tolist()  # Python values once, not one by one
        value = self._plain[index]
        return value if self.choices is None else self.choices[value]


@dataclass
class Profiles:
    """Attributes, tags, stages and owners of a group of customers, column by column."""

    size: int
    attributes: dict[str, Column]
    tags: dict[str, np.ndarray]  # tag -> bool per customer
    stages: Column
    owners: list[str | None]  # one per customer, round-robin over the owner role's members

    def attributes_of(self, index: int) -> dict[str, Any]:
        """One customer's attributes."""
        return {name: column.get(index) for name, column in self.attributes.items()}

    def tags_of(self, index: int) -> list[str]:
        """One customer's tags, in the scenario's order."""
        return [tag for tag, has in self.tags.items() if has[index]]


@dataclass
class History:
    """Past events of the stock, per event name, as flat arrays sorted by customer."""

    counts: dict[str, np.ndarray]  # event -> events per customer
    times: dict[str, np.ndarray]  # event -> run-time minutes (before 0), grouped by customer
    amounts: np.ndarray  # purchase amounts, aligned with times["purchase"]
    starts: dict[str, np.ndarray]  # event -> where each customer's events start in `times`

    def events_of(self, index: int) -> list[Event]:
        """One stock customer's past events."""
        events: list[Event] = []
        for name, counts in self.counts.items():
            first = self.starts[name][index]
            for k in range(first, first + counts[index]):
                amount = float(self.amounts[k]) if name == "purchase" else None
                events.append(Event(name, float(self.times[name][k]), None, amount))
        return events


@dataclass
class Population:
    """The stock at the start and the arrivals over the horizon."""

    stock: Profiles
    history: History
    arrival_times: np.ndarray  # sorted run-time minutes
    arrivals: Profiles
    latent: Latent = field(default_factory=Latent)  # each customer's own draws

    @property
    def size(self) -> int:
        """Every customer: the stock plus the arrivals."""
        return self.stock.size + self.arrivals.size


def generate(program: Program, scenario: Scenario, members: list[str],
             rng: np.random.Generator, generator_for: GeneratorFor | None = None) -> Population:
    """Draw the stock and the arrivals; `members` are the owner role's staff, in order.

    Each customer's own draws (`simulator.latent`) come from `generator_for`'s named streams
    (`rng` when there are none), after the rest: they change none of the other draws.
    """
    people = scenario.population
    horizon = scenario.horizon_minutes
    arrivals = int(rng.poisson(people.arrivals_per_day * horizon / MINUTES_PER_DAY))
    times = np.sort(rng.uniform(0, horizon, arrivals))
    first_stage = program.settings.stages[0]
    stock_stages = people.stages or {first_stage: 1.0}
    lunar = lunar_attributes(program)
    stock = _profiles(scenario, people.size, stock_stages, members, 0, rng, lunar)
    later = arrival_profiles(scenario, arrivals, first_stage, members, people.size, rng, lunar)
    latent = draw_latent(scenario, people.size + arrivals, generator_for or (lambda _: rng))
    history = _history(scenario, people.size, latent.spend, rng)
    return Population(stock, history, times, later, latent)


def arrival_profiles(scenario: Scenario, size: int, first_stage: str, members: list[str],
                     first_number: int, rng: np.random.Generator, lunar: set[str]) -> Profiles:
    """The profiles of `size` arrivals, numbered from `first_number`, at the first stage
    (`lunar`: the date attributes kept in the lunar calendar)."""
    return _profiles(scenario, size, {first_stage: 1.0}, members, first_number, rng, lunar)


def lunar_attributes(program: Program) -> set[str]:
    """The names of the program's date attributes kept in the lunar calendar."""
    return {name for name, info in program.attributes.items() if info.type == "lunar_date"}


def _profiles(scenario: Scenario, size: int, stages: dict[str, float], members: list[str],
              first_number: int, rng: np.random.Generator, lunar: set[str]) -> Profiles:
    attributes = {name: _lunar_attribute(model, size, scenario.start, rng) if name in lunar
                  else _attribute(model, size, scenario.start, rng)
                  for name, model in scenario.population.attributes.items()}
    tags = {tag: rng.random(size) < share for tag, share in scenario.population.tags.items()}
    owners = [members[(first_number + k) % len(members)] if members else None
              for k in range(size)]
    return Profiles(size, attributes, tags, _choose(stages, size, rng), owners)


def _attribute(model: Any, size: int, start: dt.date, rng: np.random.Generator) -> Column:
    if isinstance(model, DistributionAttribute):
        return Column(model.distribution.sample(rng, size))
    if isinstance(model, CalendarAttribute):
        # Only the day and month matter to yearly triggers; the year is the one before start.
        first = dt.date(start.year - 1, 1, 1)
        days = rng.integers(0, 365, size)
        return Column(days, [first + dt.timedelta(days=int(d)) for d in range(365)])
    if isinstance(model, DateRangeAttribute):
        span = (model.last - model.first).days + 1
        return Column(rng.integers(0, span, size),
                      [model.first + dt.timedelta(days=d) for d in range(span)])
    if isinstance(model, AgeAttribute):
        # Whole days of age: a customer 2.7 days old on the start was born 2 days before it.
        ages = np.clip(np.floor(model.age.sample(rng, size) / MINUTES_PER_DAY), 0,
                       start.toordinal() - 1)
        oldest = int(ages.max(initial=0))
        return Column(ages.astype(np.int64),
                      [start - dt.timedelta(days=d) for d in range(oldest + 1)])
    return _choose({s.value: s.share for s in model.shares}, size, rng)


def _lunar_attribute(model: Any, size: int, start: dt.date, rng: np.random.Generator) -> Column:
    """A lunar date attribute: `uniform` over the days of the lunar year before the start's,
    the other forms drawn as solar days, each kept as its lunar date."""
    if isinstance(model, CalendarAttribute):
        first = solar_day(LunarDay(start.year - 1, 1, 1), start.year - 1)
        days = (solar_day(LunarDay(start.year, 1, 1), start.year) - first).days
        model = DateRangeAttribute(first=first, last=first + dt.timedelta(days=days - 1))
    column = _attribute(model, size, start, rng)
    return Column(column.values, [to_lunar(day) for day in column.choices or ()])


def _choose(shares: dict[Any, float], size: int, rng: np.random.Generator) -> Column:
    values = list(shares)
    weights = np.array([shares[v] for v in values], dtype=float)
    return Column(rng.choice(len(values), size=size, p=weights / weights.sum()), values)


def _history(scenario: Scenario, size: int, spend: np.ndarray | None,
             rng: np.random.Generator) -> History:
    counts, times, starts = {}, {}, {}
    amounts = np.empty(0)
    for name, past in scenario.population.history.items():
        drawn = np.rint(past.count.sample(rng, size))
        per_customer = np.clip(drawn, 0, None).astype(np.int64)
        total = int(per_customer.sum())
        counts[name] = per_customer
        times[name] = -rng.uniform(0, past.within_minutes, total)
        starts[name] = np.concatenate(([0], np.cumsum(per_customer)[:-1])).astype(np.int64)
        if name == "purchase" and spend is not None:
            owners = np.repeat(np.arange(size), per_customer)
            amounts = rng.standard_gamma(scenario.purchase.gamma_gamma.p, total) / spend[owners]
        elif name == "purchase":
            amounts = np.clip(scenario.purchase.value.sample(rng, total), 0, None)
    return History(counts, times, amounts, starts)

"""How simulated customers behave: responses to delivered messages, purchases and other events.

Probabilities come from the scenario (docs/scenarios.md) scaled by multipliers: the content's
purpose, the fatigue rule the customer is under and every effect whose expression holds at that
moment. A scaled probability above 1 counts as 1. docs/simulation.md ("Behaviour") states the rules.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.evaluate import ExprCompiler
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import Multipliers, Scenario

if TYPE_CHECKING:
    from sopdsl.checker.program import Program

# Index of each behaviour in a multiplier tuple.
OPEN, CLICK, REPLY, UNFRIEND, PURCHASE = range(5)
PURCHASE_EVENT = "purchase"


class DrawStream:
    """Draws of one distribution, made in numpy batches and handed out one at a time."""

    __slots__ = ("distribution", "rng", "batch", "floor", "buffer", "position")

    def __init__(self, distribution: Distribution, rng: np.random.Generator,
                 batch: int = 4096, floor: float | None = None) -> None:
        self.distribution, self.rng, self.batch = distribution, rng, batch
        self.floor = floor  # draws below it count as it (no negative delays or amounts)
        self.buffer: list[float] = []
        self.position = 0

    def next(self) -> float:
        """The next draw."""
        if self.position == len(self.buffer):
            drawn = self.distribution.sample(self.rng, self.batch)
            if self.floor is not None:
                drawn = np.clip(drawn, self.floor, None)
            self.buffer, self.position = drawn.tolist(), 0
        value = self.buffer[self.position]
        self.position += 1
        return value


@dataclass(frozen=True, slots=True)
class ResponseChances:
    """What a customer does about one delivered message, multipliers applied, each at most 1."""

    open: float
    click: float  # given an open
    reply: float  # given an open
    unfriend: float
    buy: float  # a click leads to a purchase


@dataclass(frozen=True, slots=True)
class AfterClick:
    """An event a click leads to with a chance, uniformly within a window (minutes)."""

    event: str
    chance: float
    within: float


class BehaviourModel:
    """The scenario's behaviour rules for one program: the single source of response chances,
    purchase chances and what follows a click, for the engine and the exact forecaster."""

    def __init__(self, program: Program, scenario: Scenario) -> None:
        self.scenario = scenario
        self.purposes = {name: _purpose_of(decl) for name, decl in program.contents.items()}
        self.purpose_factors = {name: _factors(m) for name, m in scenario.purposes.items()}
        # The engine's and the exact forecaster's clocks: minute 0 is the start, local time.
        compiler = ExprCompiler(program, Clock(dt.datetime.combine(scenario.start, dt.time()),
                                               program.settings.timezone))
        self.effects = [(compiler.predicate(e.expression), _factors(e.multipliers))
                        for e in scenario.effects if e.expression is not None]
        self.fatigue = sorted(((r.above, r.window_minutes, _factors(r.multipliers))
                               for r in scenario.fatigue), key=lambda rule: -rule[0])
        buying = scenario.purchase
        # Purchase first: its chance is scaled per customer (`ResponseChances.buy`).
        self.after_click = [AfterClick(PURCHASE_EVENT, buying.after_click, buying.within_minutes)]
        self.after_click += [AfterClick(name, b.after_click, b.within_minutes)
                             for name, b in scenario.events.items() if b.after_click > 0]

    def multipliers(self, c: Customer, now: float, purpose: str | None) -> list[float]:
        """The five factors (open, click, reply, unfriend, purchase) for a customer now: the
        content's purpose, the highest fatigue rule passed, then every effect that holds."""
        factors = [1.0] * 5
        if purpose is not None:
            _scale(factors, self.purpose_factors.get(purpose))
        times = c.sends.times
        for above, window, rule in self.fatigue:
            recent = bisect.bisect_right(times, now) - bisect.bisect_right(times, now - window)
            if recent > above:
                _scale(factors, rule)
                break
        for holds, effect in self.effects:
            if holds(c, now):
                _scale(factors, effect)
        return factors

    def chances(self, c: Customer, now: float, channel: str, content: str) -> ResponseChances:
        """How the customer responds to a message of `content` delivered now on `channel`."""
        base = self.scenario.channels[channel]
        factors = self.multipliers(c, now, self.purposes.get(content))
        return ResponseChances(
            open=min(1.0, base.open * factors[OPEN]), click=min(1.0, base.click * factors[CLICK]),
            reply=min(1.0, base.reply * factors[REPLY]),
            unfriend=min(1.0, base.unfriend * factors[UNFRIEND]),
            buy=min(1.0, self.scenario.purchase.after_click * factors[PURCHASE]))

    def daily_purchase(self, c: Customer, now: float) -> float:
        """The customer's chance of an organic purchase per day, now."""
        chance = self.scenario.purchase.daily * self.multipliers(c, now, None)[PURCHASE]
        return min(1.0, chance)

    def most_purchase_factor(self) -> float:
        """The largest purchase factor fatigue and effects can reach together."""
        fatigue = max((rule[PURCHASE] for _, _, rule in self.fatigue), default=1.0)
        effects = math.prod(max(1.0, factors[PURCHASE]) for _, factors in self.effects)
        return max(1.0, fatigue) * effects


@dataclass(slots=True)
class DrawnResponse:
    """A customer's response to one delivered message, drawn at delivery."""

    at: float  # delivery time plus the response delay
    events: list[Event]  # at `at`, in this order: open, click, reply, friend_deleted
    opened: bool
    clicked: bool
    replied: bool
    later: list[Event]  # after a click: a purchase and other events, each at its own time


class BehaviourSampler:
    """Draws every customer response of one replication from its own generators."""

    def __init__(self, program: Program, scenario: Scenario, rng: random.Random,
                 draws: np.random.Generator) -> None:
        self.model = BehaviourModel(program, scenario)
        self.rng = rng
        self.delays = {name: DrawStream(c.delay, draws, floor=0.0)
                       for name, c in scenario.channels.items()}
        self.unfriending = {name: c.unfriend > 0 for name, c in scenario.channels.items()}
        self.amounts = DrawStream(scenario.purchase.value, draws, floor=0.0)
        self.daily_purchase_ceiling = min(
            1.0, scenario.purchase.daily * self.model.most_purchase_factor())

    def respond(self, c: Customer, channel: str, content: str, now: float) -> DrawnResponse:
        """What the customer does about a message delivered now."""
        chances = self.model.chances(c, now, channel, content)
        draw = self.rng.random
        at = now + self.delays[channel].next()
        events: list[Event] = []
        opened = draw() < chances.open
        clicked = replied = False
        if opened:
            events.append(Event("open", at, content))
            clicked = draw() < chances.click
            if clicked:
                events.append(Event("click", at, content))
            replied = draw() < chances.reply
            if replied:
                events.append(Event("reply", at))
        if self.unfriending[channel] and draw() < chances.unfriend:
            events.append(Event("friend_deleted", at))
        later = self._after_click(at, chances.buy) if clicked else []
        return DrawnResponse(at, events, opened, clicked, replied, later)

    def _after_click(self, at: float, buy: float) -> list[Event]:
        draw = self.rng.random
        later = []
        for follow in self.model.after_click:
            chance = buy if follow.event == PURCHASE_EVENT else follow.chance
            if follow.chance > 0 and draw() < chance:
                when = at + draw() * follow.within
                amount = self.amounts.next() if follow.event == PURCHASE_EVENT else None
                later.append(Event(follow.event, when, None, amount))
        return later

    def organic_purchase(self, c: Customer, now: float, uniform: float) -> bool:
        """Whether a candidate moment of the daily purchase chance is a purchase, given the
        candidate's own uniform draw (so a run without the playbook sees the same draw).

        Candidates come at the ceiling rate (`daily_purchase_ceiling`); accepting each with the
        customer's own chance over the ceiling gives exactly the customer's daily chance.
        """
        return uniform * self.daily_purchase_ceiling < self.model.daily_purchase(c, now)


def daily_moments(followed_from: np.ndarray, horizon: float, chance: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Customers and moments of a daily chance: one trial per day each customer is followed.

    Day k of a customer followed from t0 is [t0 + k days, t0 + k + 1 days); a success happens
    at a uniform moment of its day. Returns (customer indexes, times) sorted by time.
    """
    if chance <= 0 or followed_from.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    days = np.ceil((horizon - followed_from) / MINUTES_PER_DAY)
    who = np.arange(followed_from.size)
    day = rng.geometric(chance, who.size) - 1
    found_who, found_day = [], []
    while who.size:
        inside = day < days[who]
        who, day = who[inside], day[inside]
        found_who.append(who)
        found_day.append(day)
        day = day + rng.geometric(chance, who.size)
    customers = np.concatenate(found_who)
    times = followed_from[customers] + (np.concatenate(found_day)
                                        + rng.random(customers.size)) * MINUTES_PER_DAY
    keep = times < horizon
    customers, times = customers[keep], times[keep]
    order = np.argsort(times, kind="stable")
    return customers[order], times[order]


def _purpose_of(decl: object) -> str | None:
    for field in getattr(decl, "fields", []):
        if field.key.name == "purpose":
            return getattr(field.value, "name", None)
    return None


def _factors(m: Multipliers) -> tuple[float, ...]:
    return (m.open, m.click, m.reply, m.unfriend, m.purchase)


def _scale(factors: list[float], by: tuple[float, ...] | None) -> None:
    if by is not None:
        for index in range(5):
            factors[index] *= by[index]

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.evaluate import ExprCompiler
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import Multipliers, Scenario
from sopdsl.scenario.uncertainty import GeneratorFor
from simulator.latent import Latent

if TYPE_CHECKING:
    from sopdsl.checker.program import Program

# Index of each behaviour in a multiplier tuple.
OPEN, CLICK, REPLY, UNFRIEND, PURCHASE = range(5)
PURCHASE_EVENT = "purchase"
NONE_OWN: Mapping[str, float] = MappingProxyType({})
# Margins around a chance's bounds wider than the rounding of a product of a few factors.
_ABOVE, _BELOW = 1.0 + 1e-9, 1.0 - 1e-9
# The streams of draws made only under the latent models.
VALUES, DROPOUTS = "purchase.gamma_gamma.values", "purchase.bgnbd.dropouts"


class DrawStream:
    """Draws of one distribution, made in numpy batches and handed out one at a time."""

    __slots__ = ("sample", "batch", "floor", "buffer", "position")

    def __init__(self, distribution: Distribution | Callable[[int], np.ndarray],
                 rng: np.random.Generator | None = None, batch: int = 4096,
                 floor: float | None = None) -> None:
        # A distribution draws with `rng`; a function of the batch size draws by itself.
        self.sample = distribution if callable(distribution) else (
            lambda n: distribution.sample(rng, n))
        self.batch = batch
        self.floor = floor  # draws below it count as it (no negative delays or amounts)
        self.buffer: list[float] = []
        self.position = 0

    def next(self) -> float:
        """The next draw."""
        if self.position == len(self.buffer):
            self._refill()
        value = self.buffer[self.position]
        self.position += 1
        return value

    def take(self, count: int) -> list[float]:
        """The next `count` draws, the very ones `next` would give one at a time."""
        taken: list[float] = []
        while len(taken) < count:
            if self.position == len(self.buffer):
                self._refill()
            end = min(len(self.buffer), self.position + count - len(taken))
            taken += self.buffer[self.position:end]
            self.position = end
        return taken

    def _refill(self) -> None:
        drawn = self.sample(self.batch)
        if self.floor is not None:
            drawn = np.clip(drawn, self.floor, None)
        self.buffer, self.position = drawn.tolist(), 0


def response_bounds(bases: Sequence[float] | np.ndarray | float,
                    low: Sequence[float] | float, high: Sequence[float] | float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Floors and ceilings of draws against chances `bases` scaled by any factors from `low` to
    `high` (elementwise): a draw below the floor is below the scaled chance, one at or above
    the ceiling is not, whatever the factors (a scaled chance above 1 counts as 1)."""
    bases = np.asarray(bases, dtype=float)
    return (np.minimum(1.0, bases * np.asarray(low)) * _BELOW,
            np.minimum(1.0, bases * np.asarray(high)) * _ABOVE)


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
        self.purposes = {name: program.purpose_of(name) for name in program.contents}
        self.purpose_factors = {name: _factors(m) for name, m in scenario.purposes.items()}
        # Each content's purpose factors, looked up once here rather than on every delivery.
        self.content_factors = {name: self.purpose_factors.get(purpose)
                                for name, purpose in self.purposes.items() if purpose is not None}
        self.bases = {name: (c.open, c.click, c.reply, c.unfriend)
                      for name, c in scenario.channels.items()}
        # The engine's and the exact forecaster's clocks: minute 0 is the start, local time.
        compiler = ExprCompiler(program, Clock(dt.datetime.combine(scenario.start, dt.time()),
                                               program.settings.timezone))
        self.effects = [(compiler.predicate(e.expression), _factors(e.multipliers))
                        for e in scenario.effects if e.expression is not None]
        self.fatigue = sorted(((r.above, r.window_minutes, _factors(r.multipliers))
                               for r in scenario.fatigue), key=lambda rule: -rule[0])
        # The least and greatest factors fatigue and effects can reach together, per behaviour.
        fatigue = [rule for _, _, rule in self.fatigue]
        self.lowest = tuple(min([1.0, *(rule[b] for rule in fatigue)])
                            * math.prod(min(1.0, f[b]) for _, f in self.effects) for b in range(5))
        self.highest = tuple(max([1.0, *(rule[b] for rule in fatigue)])
                             * math.prod(max(1.0, f[b]) for _, f in self.effects)
                             for b in range(5))
        self.ranges = {name: self._range(self.content_factors.get(name))
                       for name in program.contents}
        buying = scenario.purchase
        # Purchase first: its chance is scaled per customer (`ResponseChances.buy`).
        self.after_click = [AfterClick(PURCHASE_EVENT, buying.after_click, buying.within_minutes)]
        self.after_click += [AfterClick(name, b.after_click, b.within_minutes)
                             for name, b in scenario.events.items() if b.after_click > 0]

    def multipliers(self, c: Customer, now: float, purpose: str | None) -> list[float]:
        """The five factors (open, click, reply, unfriend, purchase) for a customer now: the
        content's purpose, the highest fatigue rule passed, then every effect that holds."""
        return self._scaled(c, now, None if purpose is None else self.purpose_factors.get(purpose))

    def _scaled(self, c: Customer, now: float, first: tuple[float, ...] | None) -> list[float]:
        """`first` (a purpose's factors, or none), then fatigue and effects, as `multipliers`."""
        factors = [1.0] * 5 if first is None else list(first)
        times = c.sends.times
        for above, window, rule in self.fatigue:
            recent = bisect.bisect_right(times, now) - bisect.bisect_right(times, now - window)
            if recent > above:
                factors = _times(factors, rule)
                break
        for holds, effect in self.effects:
            if holds(c, now):
                factors = _times(factors, effect)
        return factors

    def chances(self, c: Customer, now: float, channel: str, content: str,
                own: Mapping[str, float] = NONE_OWN) -> ResponseChances:
        """How the customer responds to a message of `content` delivered now on `channel`;
        `own` holds the customer's own probabilities (`open`, ..., `after_click`) where the
        scenario draws them per customer."""
        return ResponseChances(*self.chance_values(c, now, channel, content, own))

    def chance_values(self, c: Customer, now: float, channel: str, content: str,
                      own: Mapping[str, float] = NONE_OWN) -> tuple[float, ...]:
        """`chances` as a plain tuple (open, click, reply, unfriend, buy), for the sampler's
        per-delivery draws."""
        opens, click, reply, unfriend, buy = self.base_values(channel, own)
        factors = self._scaled(c, now, self.content_factors.get(content))
        return (min(1.0, opens * factors[OPEN]), min(1.0, click * factors[CLICK]),
                min(1.0, reply * factors[REPLY]), min(1.0, unfriend * factors[UNFRIEND]),
                min(1.0, buy * factors[PURCHASE]))

    def base_values(self, channel: str, own: Mapping[str, float] = NONE_OWN
                    ) -> tuple[float, float, float, float, float]:
        """The chances before multipliers (open, click, reply, unfriend, buy) on `channel`,
        the customer's `own` where drawn per customer."""
        opens, click, reply, unfriend = self.bases[channel]
        buy = self.scenario.purchase.after_click
        if own:
            opens, click = own.get("open", opens), own.get("click", click)
            reply, unfriend = own.get("reply", reply), own.get("unfriend", unfriend)
            buy = own.get("after_click", buy)
        return opens, click, reply, unfriend, buy

    def factor_range(self, content: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The least and greatest factors (per behaviour) a delivery of `content` can get:
        its purpose's, times what fatigue and effects can reach together."""
        found = self.ranges.get(content)
        return found if found is not None else self._range(self.content_factors.get(content))

    def _range(self, purpose: tuple[float, ...] | None
               ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        purpose = purpose or (1.0,) * 5
        return (tuple(p * low for p, low in zip(purpose, self.lowest)),
                tuple(p * high for p, high in zip(purpose, self.highest)))

    def daily_purchase(self, c: Customer, now: float) -> float:
        """The customer's chance of an organic purchase per day, now."""
        return min(1.0, self.scenario.purchase.daily * self.purchase_factor(c, now))

    def purchase_factor(self, c: Customer, now: float) -> float:
        """What multiplies the customer's spontaneous purchases now (fatigue and effects)."""
        return self.multipliers(c, now, None)[PURCHASE]

    def most_purchase_factor(self) -> float:
        """The largest purchase factor fatigue and effects can reach together."""
        return self.highest[PURCHASE]


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
    """Draws every customer response of one replication from its own generators.

    `latent` holds each customer's own draws (`simulator.latent`); `generator_for` gives the
    streams of what is drawn only under the latent models (dropouts, Gamma-Gamma values);
    `posts` the stream of posts' recipients' open and unfriend draws.
    """

    def __init__(self, program: Program, scenario: Scenario, rng: random.Random,
                 draws: np.random.Generator, latent: Latent | None = None,
                 generator_for: GeneratorFor | None = None,
                 posts: np.random.Generator | None = None) -> None:
        self.model = BehaviourModel(program, scenario)
        self.rng = rng
        # The open and unfriend draws of posts' recipients (`respond_post`).
        self.posts = posts if posts is not None else draws
        self._bounds: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
        self.latent = latent or Latent()
        self.delays = {name: DrawStream(c.delay, draws, floor=0.0)
                       for name, c in scenario.channels.items()}
        self.unfriending = {name: c.unfriend > 0 for name, c in scenario.channels.items()}
        self.amounts = DrawStream(scenario.purchase.value, draws, floor=0.0)
        self.most_purchase_factor = self.model.most_purchase_factor()
        self.daily_purchase_ceiling = min(1.0, scenario.purchase.daily * self.most_purchase_factor)
        # Each channel's probabilities drawn per customer, by key (`after_click` too).
        self.own = {name: _own(self.latent.chances, f"channels.{name}.",
                               "purchase.after_click") for name in scenario.channels}
        self.own_events = {name: self.latent.chances[f"events.{name}.after_click"]
                           for name in scenario.events
                           if f"events.{name}.after_click" in self.latent.chances}
        if self.latent.spend is not None:
            shape = scenario.purchase.gamma_gamma.p
            values = (generator_for or (lambda _: draws))(VALUES)
            self.spends = DrawStream(lambda n: values.standard_gamma(shape, n))
        if self.latent.dropout is not None:
            dropouts = (generator_for or (lambda _: draws))(DROPOUTS)
            self.dropouts = DrawStream(lambda n: dropouts.random(n))

    def respond(self, c: Customer, channel: str, content: str, now: float,
                index: int = 0) -> DrawnResponse:
        """What customer number `index` does about a message delivered now."""
        at = now + self.delays[channel].next()
        return self._response(c, channel, content, now, index, at, self.rng.random(), None)

    def respond_post(self, customers: Sequence[Customer], indexes: Sequence[int], channel: str,
                     content: str, now: float) -> list[tuple[int, DrawnResponse]]:
        """What the recipients of one post (customer numbers `indexes`) do about it, delivered
        now: (position, response) of those who respond at all, in their order.

        Each recipient's delay is drawn as `respond` draws it. Their open draws (and unfriend
        draws, on a channel that has them) come from the posts' stream in one go: a recipient
        whose draws fall at or above the greatest chance the multipliers can give responds
        with nothing, as `respond` would decide, and costs no more; the others are decided by
        the same rule as `respond`, their click, reply and after-click draws from its stream.
        """
        count = len(indexes)
        delays = self.delays[channel].take(count)
        unfriending = self.unfriending[channel]
        drawn = self.posts.random((count, 2 if unfriending else 1))
        maybe = drawn[:, 0] < self._post_ceilings(channel, content, indexes, "open", OPEN)
        if unfriending:
            maybe |= drawn[:, 1] < self._post_ceilings(channel, content, indexes, "unfriend",
                                                       UNFRIEND)
        found = []
        for position in np.flatnonzero(maybe).tolist():
            opens, *unfriends = drawn[position].tolist()
            response = self._response(customers[position], channel, content, now,
                                      indexes[position], now + delays[position], opens,
                                      unfriends[0] if unfriends else None)
            if response.events:
                found.append((position, response))
        return found

    def _post_ceilings(self, channel: str, content: str, indexes: Sequence[int], key: str,
                       behaviour: int) -> np.ndarray | float:
        """The ceiling of one behaviour's draws for each recipient of a post (one for all
        when the scenario draws no chance of it per customer)."""
        own = self.own[channel].get(key)
        if own is None:
            return self.bounds(channel, content, NONE_OWN)[1][behaviour]
        low, high = self.model.factor_range(content)
        return response_bounds(own[np.asarray(indexes, dtype=np.int64)], low[behaviour],
                               high[behaviour])[1]

    def bounds(self, channel: str, content: str, mine: Mapping[str, float]
               ) -> tuple[list[float], list[float]]:
        """The floors and ceilings (per behaviour) of a delivery's draws: `response_bounds` of
        its chances before multipliers (`mine`: the customer's own) and its factor range."""
        if not mine:
            found = self._bounds.get((channel, content))
            if found is not None:
                return found
        floors, ceilings = response_bounds(self.model.base_values(channel, mine),
                                           *self.model.factor_range(content))
        found = floors.tolist(), ceilings.tolist()
        if not mine:
            self._bounds[channel, content] = found
        return found

    def _response(self, c: Customer, channel: str, content: str, now: float, index: int,
                  at: float, opens: float, unfriends: float | None) -> DrawnResponse:
        """The response to a delivery now, seen at `at`, given its open draw and its unfriend
        draw (None: the behaviour stream's next, after the click and reply draws)."""
        own = self.own[channel]
        mine = {key: v[index] for key, v in own.items()} if own else own
        # Each draw is first held against the least and greatest chance the multipliers can
        # give; only a draw between the two needs them worked out (most draws of a rarely
        # opened post fall above both), and it is the same draw against the same chance.
        model = self.model
        floors, ceilings = self.bounds(channel, content, mine)
        exact: tuple[float, ...] | None = None

        def below(u: float, behaviour: int) -> bool:
            nonlocal exact
            if u >= ceilings[behaviour]:
                return False
            if u < floors[behaviour]:
                return True
            if exact is None:
                exact = model.chance_values(c, now, channel, content, mine)
            return u < exact[behaviour]

        draw = self.rng.random
        events: list[Event] = []
        opened = below(opens, OPEN)
        clicked = replied = False
        if opened:
            events.append(Event("open", at, content))
            clicked = below(draw(), CLICK)
            if clicked:
                events.append(Event("click", at, content))
            replied = below(draw(), REPLY)
            if replied:
                events.append(Event("reply", at))
        if self.unfriending[channel] and below(draw() if unfriends is None else unfriends,
                                               UNFRIEND):
            events.append(Event("friend_deleted", at))
        later = []
        if clicked:
            exact = exact or model.chance_values(c, now, channel, content, mine)
            later = self._after_click(at, exact[PURCHASE], index)
        return DrawnResponse(at, events, opened, clicked, replied, later)

    def _after_click(self, at: float, buy: float, index: int) -> list[Event]:
        draw = self.rng.random
        later = []
        for follow in self.model.after_click:
            chance = buy if follow.event == PURCHASE_EVENT else follow.chance
            own = self.own_events.get(follow.event)
            if own is not None:
                chance = own[index]
            if follow.chance > 0 and draw() < chance:
                when = at + draw() * follow.within
                amount = self.amount(index) if follow.event == PURCHASE_EVENT else None
                later.append(Event(follow.event, when, None, amount))
        return later

    def amount(self, index: int) -> float:
        """The value of a purchase by customer number `index`."""
        if self.latent.spend is not None:
            return self.spends.next() / float(self.latent.spend[index])
        return self.amounts.next()

    def organic_purchase(self, c: Customer, now: float, index: int, uniform: float) -> bool:
        """Whether a candidate moment of a spontaneous purchase is one, given the candidate's
        own uniform draw (so a run without the playbook sees the same draw).

        Candidates come at the ceiling (`daily_purchase_ceiling`, or under BG/NBD the
        customer's rate times `most_purchase_factor`); accepting each with the customer's own
        chance over the ceiling gives exactly the customer's chance or rate now. A customer
        who dropped out buys nothing spontaneously.
        """
        if self.latent.active is not None:
            if not self.latent.active[index]:
                return False
            return uniform * self.most_purchase_factor < self.model.purchase_factor(c, now)
        return uniform * self.daily_purchase_ceiling < self.model.daily_purchase(c, now)

    def purchased(self, index: int) -> None:
        """After any purchase under BG/NBD, the customer drops out with their own chance."""
        active = self.latent.active
        if active is not None and active[index] \
                and self.dropouts.next() < self.latent.dropout[index]:
            active[index] = False


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


def _own(chances: dict[str, np.ndarray], prefix: str, *more: str) -> dict[str, np.ndarray]:
    """The per-customer probabilities whose paths start with `prefix` (or are in `more`),
    by their last key."""
    return {path.rsplit(".", 1)[1]: values for path, values in chances.items()
            if path.startswith(prefix) or path in more}


def _factors(m: Multipliers) -> tuple[float, ...]:
    return (m.open, m.click, m.reply, m.unfriend, m.purchase)


def _times(factors: list[float], by: tuple[float, ...]) -> list[float]:
    return [factor * scale for factor, scale in zip(factors, by)]

"""What each synthetic customer draws for themselves, and when their spontaneous purchases come.

Under `bgnbd` each customer draws a purchase rate lambda ~ Gamma(r, alpha) and a dropout chance
p ~ Beta(a, b) (Fader, Hardie & Lee 2005); under `value gamma_gamma` a spend rate
nu ~ Gamma(q, gamma); and each probability written `per customer` is drawn once per customer.
Every quantity comes from a stream of its own (`named_generators`), so a scenario compared
with another that adds or drops one of them gives its customers the same other draws.

Real customers (`simulator.real_base`) draw from the posterior given their own history
(`Evidence`): under BG/NBD, with x repeat purchases, the last t_x after the first, watched for
T, the rate is Gamma(r + x, alpha + T) and the dropout chance Beta(a, b + x) while active, and
they are still active with the BG/NBD probability (`p_alive`); under Gamma-Gamma nu is
Gamma(q + p n, gamma + the sum of their n repeat purchase values); a chance written
`per customer` as a beta distribution is Beta(alpha + k, beta + n - k) after k answers to n
chances (opens of deliveries on the channel, clicks and replies of opens).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calibration.bgnbd import p_alive
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.uncertainty import GeneratorFor, per_customer

# The streams of each customer's own draws, by what they draw.
RATE, DROPOUT, SPEND = "purchase.bgnbd.rate", "purchase.bgnbd.dropout", "purchase.gamma_gamma.nu"
ALIVE = "purchase.bgnbd.alive"
WEEK = 7 * MINUTES_PER_DAY
# The answers whose chances a customer's own history informs: (key, what is answered, answer).
ANSWERS = (("open", "delivered", "open"), ("click", "open", "click"), ("reply", "open", "reply"))


@dataclass
class Latent:
    """Each customer's own draws, indexed by customer number (the stock, then arrivals)."""

    rate: np.ndarray | None = None  # BG/NBD purchases per minute while active
    dropout: np.ndarray | None = None  # BG/NBD chance of dropping out after a purchase
    spend: np.ndarray | None = None  # Gamma-Gamma nu: a purchase is worth Gamma(p, nu)
    chances: dict[str, np.ndarray] = field(default_factory=dict)  # `per customer`, by path
    active: np.ndarray | None = None  # BG/NBD: not dropped out yet (changes during a run)


@dataclass
class Evidence:
    """What each real customer's history tells of their behaviour, by customer number.

    Purchases are read as calibration reads them (`sopdsl.calibration.buyers.readings` of
    its `latent_purchases`, after-click purchases left out), in weeks; a customer who never
    bought was watched from being added as a friend (0 when not known).
    `counts[(channel, event)]` counts their deliveries, opens, clicks and replies.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    spend_n: np.ndarray  # repeat purchases with a value
    spend_sum: np.ndarray  # the sum of those values
    counts: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """The customers it covers."""
        return int(self.x.size)


def named_generators(root: np.random.SeedSequence) -> GeneratorFor:
    """A generator per name, each an independent child of `root` keyed by the name's CRC-32."""
    def generator_for(name: str) -> np.random.Generator:
        key = zlib.crc32(name.encode())
        return np.random.default_rng(
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, key)))

    return generator_for


def draw_latent(scenario: Scenario, size: int, generator_for: GeneratorFor) -> Latent:
    """The own draws of `size` customers."""
    latent = Latent(chances={path: distribution.sample(generator_for(path), size)
                             for path, distribution in per_customer(scenario).items()})
    buying = scenario.purchase
    if buying.bgnbd is not None:
        model = buying.bgnbd
        latent.rate = generator_for(RATE).gamma(model.r, 1 / model.alpha, size) / model.per_minutes
        latent.dropout = generator_for(DROPOUT).beta(model.a, model.b, size)
        latent.active = np.ones(size, dtype=bool)
    if buying.gamma_gamma is not None:
        model = buying.gamma_gamma
        latent.spend = generator_for(SPEND).gamma(model.q, 1 / model.gamma, size)
    return latent


def draw_posterior(scenario: Scenario, evidence: Evidence, size: int,
                   generator_for: GeneratorFor) -> Latent:
    """The own draws of `size` customers: the first `evidence.size` given their evidence, the
    others (arrivals) from the priors, as `draw_latent` draws them."""
    more = size - evidence.size
    pad = (lambda values: np.concatenate([values, np.zeros(more)]))
    x, t_x, T = pad(evidence.x), pad(evidence.t_x), pad(evidence.T)
    latent = Latent(chances={path: _chance(path, distribution, evidence, pad, size,
                                           generator_for(path))
                             for path, distribution in per_customer(scenario).items()})
    buying = scenario.purchase
    if buying.bgnbd is not None:
        model = buying.bgnbd
        unit = WEEK / model.per_minutes  # the model's time unit per week
        x_, t_, T_ = x, t_x * unit, T * unit
        latent.rate = generator_for(RATE).gamma(model.r + x_, 1 / (model.alpha + T_)) \
            / model.per_minutes
        latent.dropout = generator_for(DROPOUT).beta(model.a, model.b + x_)
        alive = p_alive(model.r, model.alpha, model.a, model.b, x_, t_, T_)
        latent.active = generator_for(ALIVE).random(size) < alive
    if buying.gamma_gamma is not None:
        model = buying.gamma_gamma
        latent.spend = generator_for(SPEND).gamma(
            model.q + model.p * pad(evidence.spend_n), 1 / (model.gamma + pad(evidence.spend_sum)))
    return latent


def _chance(path: str, distribution: Distribution, evidence: Evidence, pad: Callable,
            size: int, rng: np.random.Generator) -> np.ndarray:
    """A `per customer` chance given each customer's own answers, when it is a beta and the
    history counts them; else drawn from the distribution."""
    parts = path.split(".")
    known = {key: (asked, answer) for key, asked, answer in ANSWERS}
    if distribution.kind != "beta" or len(parts) != 3 or parts[0] != "channels" \
            or parts[2] not in known:
        return distribution.sample(rng, size)
    asked, answer = known[parts[2]]
    trials = pad(evidence.counts.get((parts[1], asked), np.zeros(evidence.size)))
    hits = np.minimum(pad(evidence.counts.get((parts[1], answer), np.zeros(evidence.size))),
                      trials)
    alpha, beta = distribution.params[:2]
    return rng.beta(alpha + hits, beta + trials - hits)


def latent_moments(followed_from: np.ndarray, horizon: float, rate: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Customers and moments of a Poisson process of each customer's `rate` (per minute) from
    when they are followed until the horizon, by exponential gaps; sorted by time."""
    who = np.flatnonzero(rate > 0)
    with np.errstate(divide="ignore"):
        scale = 1 / rate
    times = followed_from[who] + rng.exponential(scale[who])
    found_who, found_times = [], []
    while who.size:
        inside = times < horizon
        who, times = who[inside], times[inside]
        found_who.append(who)
        found_times.append(times)
        times = times + rng.exponential(scale[who])
    if not found_who:
        return np.empty(0, dtype=np.int64), np.empty(0)
    customers, moments = np.concatenate(found_who), np.concatenate(found_times)
    order = np.argsort(moments, kind="stable")
    return customers[order], moments[order]

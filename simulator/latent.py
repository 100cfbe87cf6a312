"""What each synthetic customer draws for themselves, and when their spontaneous purchases come.

Under `bgnbd` each customer draws a purchase rate lambda ~ Gamma(r, alpha) and a dropout chance
p ~ Beta(a, b) (Fader, Hardie & Lee 2005); under `value gamma_gamma` a spend rate
nu ~ Gamma(q, gamma); and each probability written `per customer` is drawn once per customer.
Every quantity comes from a stream of its own (`named_generators`), so a scenario compared
with another that adds or drops one of them gives its customers the same other draws.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from sopdsl.scenario.model import Scenario
from sopdsl.scenario.uncertainty import GeneratorFor, per_customer

# The streams of each customer's own draws, by what they draw.
RATE, DROPOUT, SPEND = "purchase.bgnbd.rate", "purchase.bgnbd.dropout", "purchase.gamma_gamma.nu"


@dataclass
class Latent:
    """Each customer's own draws, indexed by customer number (the stock, then arrivals)."""

    rate: np.ndarray | None = None  # BG/NBD purchases per minute while active
    dropout: np.ndarray | None = None  # BG/NBD chance of dropping out after a purchase
    spend: np.ndarray | None = None  # Gamma-Gamma nu: a purchase is worth Gamma(p, nu)
    chances: dict[str, np.ndarray] = field(default_factory=dict)  # `per customer`, by path
    active: np.ndarray | None = None  # BG/NBD: not dropped out yet (changes during a run)


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

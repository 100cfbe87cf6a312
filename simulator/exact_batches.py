"""Staff actions of mass sends and moments posts in the exact forecaster.

A batch (the sends of one step by one sender released at one moment,
`sopdsl.runtime.batches`) is one staff action, however many customers it reaches. The
forecaster follows each customer on their own; the expected number of batches is derived
from them. At a release moment t, sender r makes a batch when at least one of r's customers
is released there:

    E[batches at t] = sum over senders r of (1 - P(none of r's customers is released at t)).

Customers are independent, so that probability is a product: the stock's (1 - q(t))^N_r (N_r
of the stock is r's, round-robin), times the expectation over the Poisson arrivals that
round-robin gives r, computed exactly by following, arrival step by arrival step, how many
arrivals are left until r's next one. Releases that do not fall on a moment of the grid come
from a moment of the customer's own (an arrival, a response, a purchase): each is a batch of
its own, counted per customer.

Whether and when a batch is done does not depend on who is in it, and each member's send
follows it, so a batch's expected completions are its members' completions, each weighed by
E[batches] / E[members] of its release moment.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from sopdsl.runtime.customer import Customer
from simulator.exact_model import ExactModel
from sopdsl.errors import SopdslError

# Releases this close to a grid moment happened at it (random moments are EARLIER before).
ALIGNED = 1e-7
RELEASE, DONE, EXPIRED = "batch_release", "batch_done", "batch_expired"
# Records counted by release moment and step (a batch's members' completions and expiries).
PAIRED = frozenset((DONE, EXPIRED))


class Unbatchable(SopdslError):
    """A mass send whose release follows the moment an earlier one was confirmed: the
    customers of that earlier batch share the moment, which the method does not track."""


class Copies(Protocol):
    """A trajectory as the counting needs it (`simulator.exact_tally.Trajectory`)."""

    recorder: Any  # with `releases`: per series, cohort (0: the stock, else the arrival
    # step) and step, the customers released into batches
    shifts: list[int]
    weight: float


def group_of(model: ExactModel, c: Customer, journey: str | None, step: str | None,
             role: str) -> tuple[str, str, str, str]:
    """The batches a send joins: its step, and whether its sender is the customer's owner
    (each owner's own batch) or `role`'s shared queue (one batch for the role)."""
    staff = model.scenario.staff.get(role)
    own = c.owner == role and staff is not None and staff.count > 0
    return (journey or "", step or "", "owner" if own else "shared", role)


def on_grid(model: ExactModel, t: float) -> bool:
    """True for a release at a moment of the grid, which every customer shares."""
    return abs(t - round(t / model.dt) * model.dt) < ALIGNED


@dataclass
class BatchCounts:
    """Expected batches per grid step: made, done and expired per role, made per step."""

    series: dict[tuple, np.ndarray] = field(default_factory=dict)

    def add(self, key: tuple, values: np.ndarray) -> None:
        """Add a series (per grid step) to `key`."""
        if key in self.series:
            self.series[key] = self.series[key] + values
        else:
            self.series[key] = values


def batch_counts(model: ExactModel, trajectories: Sequence[Copies]) -> BatchCounts:
    """The staff actions of every batched step, as series keyed like the tally's:
    (`tasks`, role), (`done`, role), (`expired`, role) and (`step_actions`, journey, step)."""
    last = model.horizon_steps
    counts = BatchCounts()
    groups = {key[1:] for t in trajectories for key in t.recorder.series if key[0] == RELEASE}
    for group in sorted(groups):
        members = np.zeros(last + 1)
        for t in trajectories:
            series = t.recorder.series.get((RELEASE, *group))
            if series is not None:
                for shift in t.shifts:
                    members[shift:] += t.weight * series[: last + 1 - shift]
        batches = _expected_batches(model, trajectories, group, members)
        weight = np.divide(batches, members, out=np.zeros_like(batches), where=members > 0)
        journey, step, _, role = group
        counts.add(("tasks", role), batches)
        counts.add(("step_actions", journey, step), batches)
        counts.add(("done", role), _weighted(trajectories, DONE, group, weight, last))
        counts.add(("expired", role), _weighted(trajectories, EXPIRED, group, weight, last))
    return counts


def _expected_batches(model: ExactModel, trajectories: Sequence[Copies], group: tuple,
                      members: np.ndarray) -> np.ndarray:
    """E[batches] at each step: senders less the chance each sender has none to send."""
    population = model.scenario.population
    senders = model.scenario.staff[group[3]].count if group[2] == "owner" else 1
    stock = population.size
    per_step = population.arrivals_per_day / model.steps_per_day
    last = model.horizon_steps
    q_stock = np.zeros(last + 1)
    arrivals: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for t in trajectories:
        cohorts = t.recorder.releases.get((RELEASE, *group), {})
        for origin, row in cohorts.items():
            if origin == 0:
                for step, mass in row.items():
                    q_stock[step] += t.weight / stock * mass
                continue
            share = t.weight / per_step
            for shift in t.shifts:
                k = origin + shift
                for step, mass in row.items():
                    if step + shift <= last:
                        arrivals[step + shift][k] += share * mass
    flow = _RoundRobin(per_step, senders) if per_step > 0 else None
    # Sender r owns stock customers r, r + S, ...; arrival j goes to sender (stock + j) mod S,
    # so r's next arrival is (r - stock) mod S arrivals away at the start.
    owned = np.array([stock // senders + (r < stock % senders) for r in range(senders)])
    by_distance = np.array([owned[(d + stock) % senders] for d in range(senders)])
    out = np.zeros(last + 1)
    for t in np.nonzero(members)[0]:
        none = (1.0 - min(1.0, q_stock[t])) ** by_distance
        if flow is not None and t in arrivals:
            none = flow.run(none, sorted(arrivals[t].items()))
        out[t] = senders - none.sum()
    return out


class _RoundRobin:
    """Poisson arrivals per grid step, given round-robin to S senders: a vector over the
    distance d (arrivals left until a sender's next one) carries, for each sender, the
    chance none of its arrivals so far is released."""

    def __init__(self, per_step: float, senders: int) -> None:
        self.mean, self.senders = per_step, senders
        self.pmf = _poisson(per_step)
        n = np.arange(len(self.pmf))[:, None]
        d = np.arange(senders)[None, :]
        self.to = ((d - n) % senders).ravel()
        self.got = np.where(n > d, (n - 1 - d) // senders + 1, 0)

    def run(self, none: np.ndarray, steps: list[tuple[int, float]]) -> np.ndarray:
        """After the arrival steps (step, chance an arrival of that step is released), in
        order; steps in between only move the distance."""
        at = 0
        for k, q in steps:
            if k - 1 > at:
                none = self._skip(none, k - 1 - at)
            weights = self.pmf[:, None] * (1.0 - min(1.0, q)) ** self.got * none[None, :]
            none = np.bincount(self.to, weights=weights.ravel(), minlength=self.senders)
            at = k
        return none

    def _skip(self, none: np.ndarray, steps: int) -> np.ndarray:
        wrap = _circular(self.mean * steps, self.senders)
        d = np.arange(self.senders)
        return (none[(d[:, None] + d[None, :]) % self.senders] * wrap[None, :]).sum(axis=1)


def _poisson(mean: float) -> np.ndarray:
    """P(n) of a Poisson count, n = 0 .. far into the tail."""
    if mean <= 0:
        return np.ones(1)
    from scipy.stats import poisson

    return poisson.pmf(np.arange(int(mean + 12 * math.sqrt(mean) + 20) + 1), mean)


@lru_cache(maxsize=4096)
def _circular(mean: float, senders: int) -> np.ndarray:
    """P(n mod S = j) of a Poisson count n."""
    pmf = _poisson(mean)
    return np.bincount(np.arange(len(pmf)) % senders, weights=pmf, minlength=senders)


def _weighted(trajectories: Sequence[Copies], name: str, group: tuple, weight: np.ndarray,
              last: int) -> np.ndarray:
    """Members' completions (or expiries) of a group, each weighed by its release moment's
    batches per member."""
    out = np.zeros(last + 1)
    for t in trajectories:
        shifts = np.array(t.shifts)
        for key, row in t.recorder.pairs.items():
            if key[0] != name or key[1:-1] != group:
                continue
            released = key[-1] + shifts
            keep = released <= last
            steps = np.fromiter(row, dtype=int)
            masses = np.fromiter(row.values(), dtype=float)
            where = steps[None, :] + shifts[keep][:, None]
            amounts = t.weight * weight[released[keep]][:, None] * masses[None, :]
            inside = where <= last
            np.add.at(out, where[inside], amounts[inside])
    return out

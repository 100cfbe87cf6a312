"""Probability mass flowing through customer states, one grid step at a time.

A trajectory follows the customers who start in one state at one moment (the stock at the
start, or the friends arriving in one step) to the horizon, and counts the expected tally
per grid step. States where nothing random can happen sleep until their next wake-up;
their organic purchases are counted in pools, so long quiet stretches cost nothing.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np

from simulator.behaviour import ResponseChances
from simulator.exact_batches import PAIRED
from simulator.exact_model import ExactModel
from simulator.exact_play import Action, TransitionOutcome, explore
from simulator.exact_states import AutoSend, FollowUp, PendingResponse, State, Work

# States holding less of a customer than this are dropped: following them costs time and
# changes no figure by more than this times the number of states.
NEGLIGIBLE = 1e-12
# Entries: a state, and by cohort its mass (expected customers) and the part of it with no
# purchase yet.
Entry = list  # [State, dict[int, list[float]]]


class Recorder:
    """Expected counts of one trajectory, per series and grid step."""

    def __init__(self, model: ExactModel) -> None:
        self.model = model
        self.length = model.horizon_steps + 1
        self.series: dict[tuple, np.ndarray] = {}
        # Batch completions by (name, group..., release step): step -> mass.
        self.pairs: dict[tuple, dict[int, float]] = {}
        # Counts spread over later steps by a kernel, by (series, kernel): what starts at
        # each step, spread once at the end (`settle`) instead of at every start.
        self.starts: dict[tuple, np.ndarray] = {}
        # Customers released into batches, by series and cohort (0: the stock, else the
        # arrival step): step -> mass. The batches' round-robin reads each arrival step apart.
        self.releases: dict[tuple, dict[int, dict[int, float]]] = {}

    def _array(self, key: tuple) -> np.ndarray:
        found = self.series.get(key)
        if found is None:
            found = self.series[key] = np.zeros(self.length)
        return found

    def add(self, key: tuple, k: int, amount: float) -> None:
        """Count `amount` at step k."""
        if k < self.length:
            self._array(key)[k] += amount

    def apply(self, outcome: TransitionOutcome, k: int, mass: float) -> None:
        """Count an outcome's records for `mass` customers at step k."""
        if k < self.length:
            for key, amount in outcome.now:
                self._array(key)[k] += mass * amount
        for key, amount, at, kernel in outcome.records:
            j = k if at is None else self.model.step_of(at)
            if key[0] in PAIRED:
                row = self.pairs.setdefault(key, {})
                row[j] = row.get(j, 0.0) + mass * amount
            elif kernel is None:
                self.add(key, j, mass * amount)
            else:
                self.start(key, kernel, j, mass * amount)

    def release(self, outcome: TransitionOutcome, k: int, origin: int, mass: float) -> None:
        """Count an outcome's releases into batches for `mass` customers of a cohort at step k."""
        if not mass:
            return
        for key, amount, at, _ in outcome.releases:
            j = k if at is None else self.model.step_of(at)
            if j < self.length:
                row = self.releases.setdefault(key, {}).setdefault(origin, {})
                row[j] = row.get(j, 0.0) + mass * amount

    def start(self, key: tuple, kernel: Any, k: int, amount: float) -> None:
        """Count `amount` starting at step k, spread over the later steps by `kernel`."""
        if k < self.length:
            found = self.starts.get((key, kernel))
            if found is None:
                found = self.starts[(key, kernel)] = np.zeros(self.length)
            found[k] += amount

    def settle(self) -> None:
        """Spread what started at each step over the later steps by its kernel."""
        for (key, kernel), starts in self.starts.items():
            self._array(key)[:] += np.convolve(starts, self.model.kernel(kernel))[: self.length]
        self.starts = {}


class Pool:
    """Sleeping customers of one cohort with the same daily purchase chance `per_day`.

    Without outcomes a purchase only counts; with outcomes (the same for every state in the
    pool, and tied to no moment) it changes the customer, and that mass moves on each step.
    """

    __slots__ = ("per_day", "outcomes", "origin", "m", "m0")

    def __init__(self, per_day: float, outcomes: list[TransitionOutcome] | None,
                 origin: int) -> None:
        self.per_day, self.outcomes, self.origin = per_day, outcomes, origin
        self.m, self.m0 = 0.0, 0.0


class MassFlow:
    """The states of one flow of customers: awake ones, sleeping ones by wake-up step, and
    pools.

    Customers may start at several steps (cohorts, each named by its start step). A state
    is explored once for every cohort in it, while each cohort keeps its own mass: its days
    begin at its start (daily chances read the step of the customer's day), and batches count
    each arrival step apart (`Recorder.releases`).
    """

    def __init__(self, model: ExactModel, recorder: Recorder) -> None:
        self.model, self.rec = model, recorder
        self.awake: dict[int, Entry] = {}
        self.next: dict[int, Entry] = {}
        # By wake-up step and state key: [state, {cohort: [mass, purchase-free mass, pool]}],
        # masses relative to their pool's scale.
        self.sleeping: dict[int, dict[int, list]] = {}
        self.pools: dict[tuple, Pool] = {}
        # Cohorts' shares held beyond each state's (and pool's) first, while sleeping: what
        # merging cohorts costs in memory (`StateCount.hold`).
        self.shared_asleep = 0
        self._pooled: set[tuple] = set()

    def _day_step(self, k: int, origin: int) -> int:
        """Step k's place in the day of customers who started at `origin`, 1 .. steps_per_day."""
        return (k - origin - 1) % self.model.steps_per_day + 1

    def _scale(self, pool: Pool, k: int) -> float:
        """The share of a pool's mass left after step k (relative to its cohort's start)."""
        return self.model.daily_left(pool.per_day, k - pool.origin)

    def run(self, state: State, mass: float, k0: int, actions: list[Action]) -> None:
        """Follow `mass` customers from `state` at step k0 to the horizon."""
        self.run_cohorts({k0: state}, mass, actions)

    def run_cohorts(self, starts: dict[int, State], mass: float, actions: list[Action]) -> None:
        """Follow `mass` customers from each starting state, at its step, to the horizon, with
        the actions at their start."""
        self.awake = {}
        for k in range(min(starts), self.model.horizon_steps + 1):
            self._wake(k)
            self.next = {}
            self._pool_step(k)
            for state, parts in self.awake.values():
                self._advance(state, parts, k)
            start = starts.get(k)
            if start is not None:
                self._start(start, mass, k, actions)
            self.awake = self.next
            if self.model.count is not None and len(starts) > 1:
                self.model.count.hold(self._shared())
        self.rec.settle()

    def _shared(self) -> int:
        """The cohorts' shares of the states and pools held now, beyond each one's first."""
        return self.shared_asleep + sum(len(parts) - 1 for _, parts in self.awake.values())

    def _start(self, state: State, mass: float, k: int, actions: list[Action]) -> None:
        self.rec.add(("stage", state.customer.stage), k, mass)
        if actions:
            self._branch(state, {k: [mass, mass]}, 1.0, k, actions, None, None)
        else:
            self._put(state, k, mass, mass, k)

    # ---- sleeping and pools --------------------------------------------------------

    def _put(self, state: State, origin: int, m: float, m0: float, k: int) -> None:
        if m < NEGLIGIBLE:
            return
        if state.hazards or state.events or (state.wake is not None and state.wake <= k):
            _merge(self.next, state, origin, m, m0)
            return
        key = self._pool_key(state, origin, k)
        if key is None:
            _merge(self.next, state, origin, m, m0)
            return
        pool = self.pools[key]
        pool.m += m
        pool.m0 += m0
        if state.wake is not None:
            scale = self._scale(pool, k)
            norm = m / scale if pool.outcomes is not None else m
            bucket = self.sleeping.setdefault(state.wake, {})
            found = bucket.get(state.key)
            if found is None:
                bucket[state.key] = [state, {origin: [norm, m0 / scale, key]}]
                return
            part = found[1].get(origin)
            if part is None:
                found[1][origin] = [norm, m0 / scale, key]
                self.shared_asleep += 1
            else:
                part[0] += norm
                part[1] += m0 / scale

    def _pool_key(self, state: State, origin: int, k: int) -> tuple | None:
        """The pool a sleeping state of a cohort joins (None: it must stay awake)."""
        if not state.daily:
            outcomes = None
            key: tuple = (state.daily_tally, None, origin)
        else:
            moment = _moment(self.model, state, (k + 1) * self.model.dt)
            outcomes, reusable = self._explore(state, k + 1, [("daily", None, True)], moment)
            if not reusable:
                return None
            key = (state.daily, id(outcomes), origin)
        if key not in self.pools:
            self.pools[key] = Pool(key[0], outcomes, origin)
            if key[:2] in self._pooled:
                self.shared_asleep += 1  # never freed: pools last to the horizon
            self._pooled.add(key[:2])
        return key

    def _wake(self, k: int) -> None:
        bucket = self.sleeping.pop(k, None)
        if not bucket:
            return
        for state, parts in bucket.values():
            self.shared_asleep -= len(parts) - 1
            for origin, (norm, norm0, key) in parts.items():
                pool = self.pools[key]
                scale = self._scale(pool, k - 1)
                m = norm * scale if pool.outcomes is not None else norm
                m0 = norm0 * scale
                pool.m = max(0.0, pool.m - m)
                pool.m0 = max(0.0, pool.m0 - m0)
                _merge(self.awake, state, origin, m, m0)

    def _pool_step(self, k: int) -> None:
        for pool in list(self.pools.values()):
            if not pool.per_day or pool.m <= 0:
                continue
            q = self.model.daily_step(pool.per_day, self._day_step(k, pool.origin))
            bought0 = pool.m0 * q
            pool.m0 -= bought0
            if pool.outcomes is None:
                self.rec.add(("purchases",), k, pool.m * pool.per_day / self.model.steps_per_day)
                self.rec.add(("purchasers",), k, bought0)
                continue
            bought = pool.m * q
            pool.m -= bought
            parts = {pool.origin: [bought, bought0]}
            for outcome in pool.outcomes:
                self._follow(outcome, parts, 1.0, k)

    def _advance(self, state: State, parts: dict[int, list[float]], k: int) -> None:
        model, now = self.model, k * self.model.dt
        if state.daily_tally and not state.daily:
            bought = 0.0
            for origin, part in parts.items():
                q = model.daily_step(state.daily_tally, self._day_step(k, origin))
                self.rec.add(("purchases",), k, part[0] * state.daily_tally / model.steps_per_day)
                bought += part[1] * q
                part[1] *= 1 - q
            self.rec.add(("purchasers",), k, bought)
        due = state.wake is not None and state.wake <= k
        fixed = _fixed_actions(model, state, k) if due else []
        # Daily chances read the step of each cohort's day: cohorts at the same step of their
        # day have the same hazards, and share the transitions explored for any of them.
        days: dict[int, dict[int, list[float]]] = {0: parts}
        if state.daily or state.events:
            days = {}
            for origin, part in parts.items():
                days.setdefault(self._day_step(k, origin), {})[origin] = part
        explored: dict[tuple, list[TransitionOutcome]] | None = {} if len(days) > 1 else None
        for n, cohorts in days.items():
            hazards = [h for h in ([(a, p) for a, p in alternatives if p > 0]
                                   for alternatives in _hazards(model, state, k, n)) if h]
            quiet = [1 - sum(p for _, p in h) for h in hazards]
            none = math.prod(quiet)
            # A transition with fixed moments due is not reused: it is explored afresh.
            moment = None if due or not hazards else _moment(model, state, now)
            for chosen in itertools.product(*([None, *h] for h in hazards)):
                if all(c is None for c in chosen):
                    continue
                prob = math.prod(q if c is None else c[1] for q, c in zip(quiet, chosen))
                actions = [c[0] for c in chosen if c is not None]
                self._branch(state, cohorts, prob, k, actions + fixed, moment, explored)
            if due:
                self._branch(state, cohorts, none, k, fixed, None, explored)
            elif none > 0:
                for origin, (m, m0) in cohorts.items():
                    self._put(state, origin, m * none, m0 * none, k)

    def _branch(self, state: State, parts: dict[int, list[float]], prob: float, k: int,
                actions: list[Action], moment: tuple | None,
                explored: dict[tuple, list[TransitionOutcome]] | None) -> None:
        """Follow the cohorts' masses, times `prob`, through the outcomes of the actions
        (`explored`: the transitions of this state at this step so far, when cohorts at
        different steps of their day may ask for the same one)."""
        if explored is None:
            found = self._explore(state, k, actions, moment)[0]
        else:
            found = explored.get(tuple(actions))
            if found is None:
                found = explored[tuple(actions)] = self._explore(state, k, actions, moment)[0]
        for outcome in found:
            self._follow(outcome, parts, prob, k)

    def _follow(self, outcome: TransitionOutcome, parts: dict[int, list[float]], prob: float,
                k: int) -> None:
        """Count an outcome for the cohorts' masses times `prob` at step k and put them in its
        state."""
        total, bought = 0.0, 0.0
        later = [0.0] * len(outcome.later)
        for origin, (m, m0) in parts.items():
            w, w0 = m * prob * outcome.prob, m0 * prob * outcome.prob
            total += w
            kept = w0 * outcome.keep
            spread = 0.0
            for i, (_, share) in enumerate(outcome.later):
                later[i] += w0 * share
                spread += w0 * share
            if w0 > kept + spread:
                bought += w0 - kept - spread
            self._put(outcome.state, origin, w, kept, k)
            if outcome.releases:
                self.rec.release(outcome, k, origin, w)
        self.rec.apply(outcome, k, total)
        for (kernel, _), amount in zip(outcome.later, later):
            self.rec.start(("purchasers",), kernel, k, amount)
        if bought:
            self.rec.add(("purchasers",), k, bought)

    def _explore(self, state: State, k: int, actions: list[Action],
                 moment: tuple | None) -> tuple[list[TransitionOutcome], bool]:
        """The outcomes, and whether they are the same at any moment of the state alike in
        `moment` (`_moment`; None: explored afresh, never reused)."""
        model = self.model
        now = k * model.dt
        if moment is None:
            return explore(model, state, now, actions), False
        key = (state.key, tuple(actions), moment)
        found = model.memo.get(key)
        if found is not None and found[1]:
            return found
        outcomes = explore(model, state, now, actions)
        if found is None:
            timeless = all(o.timeless for o in outcomes)
            model.memo[key] = (outcomes if timeless else None, timeless)
            return outcomes, timeless
        return outcomes, False


def _merge(into: dict[int, Entry], state: State, origin: int, m: float, m0: float) -> None:
    found = into.get(state.key)
    if found is None:
        into[state.key] = [state, {origin: [m, m0]}]
        return
    part = found[1].get(origin)
    if part is None:
        found[1][origin] = [m, m0]
    else:
        part[0] += m
        part[1] += m0


def _hazards(model: ExactModel, state: State, k: int,
             day_step: int) -> list[list[tuple[Action, float]]]:
    """What may happen at random in step k (step `day_step` of the customer's day): for
    each independent source, its mutually exclusive outcomes with their chances."""
    found: list[list[tuple[Action, float]]] = []
    now = k * model.dt
    since_ok = now - model.dt
    for proc in state.hazards:
        if isinstance(proc, Work) and proc.doing:
            found.append([(("work", proc, True),
                           model.service_step(proc.role, proc.since, now))])
        elif isinstance(proc, Work) and proc.since <= since_ok:
            ready, done = model.delay_step(proc.role, now)
            found.append([(("ready", proc, True), ready), (("work", proc, True), done)])
        elif isinstance(proc, PendingResponse) and proc.since <= since_ok:
            step = model.response_step(proc.channel)
            found.append([(("respond", (proc, combo), True), step * p)
                          for combo, p in responses(proc.behaviour)])
        elif isinstance(proc, FollowUp):
            # At the step's end, where the moment drawn in the step is handled.
            found.append([(("follow", proc, False),
                           model.follow_up_step(proc.within, k - proc.clicked))])
    if state.daily:
        found.append([(("daily", None, True), model.daily_step(state.daily, day_step))])
    found.extend([(("happen", name, True), model.daily_step(p, day_step))]
                 for name, p in state.events)
    return found


@functools.lru_cache(maxsize=4096)
def responses(b: ResponseChances) -> list[tuple[tuple[bool, bool, bool, bool], float]]:
    """The ways a customer can respond to a message (opened, clicked, replied, unfriended)."""
    found = []
    for opened, clicked, replied, unfriended in itertools.product((True, False), repeat=4):
        if not opened and (clicked or replied):
            continue
        p = (b.open if opened else 1 - b.open) * (b.unfriend if unfriended else 1 - b.unfriend)
        if opened:
            p *= (b.click if clicked else 1 - b.click) * (b.reply if replied else 1 - b.reply)
        if p > 0:
            found.append(((opened, clicked, replied, unfriended), p))
    return found


def _fixed_actions(model: ExactModel, state: State, k: int) -> list[Action]:
    """Pending work and messages whose fixed moment falls in step k, in time order."""
    due: list[tuple[float, Action]] = []
    for proc in state.procs:
        if isinstance(proc, Work):
            if proc.deadline is not None and model.step_of(proc.deadline) <= k:
                due.append((proc.deadline, ("expire" if proc.kind == "send" else "overdue",
                                            proc, False)))
        elif isinstance(proc, PendingResponse) and proc.at is not None \
                and model.step_of(proc.at) <= k:
            due.append((proc.at, ("respond", (proc, None), False)))
        elif isinstance(proc, AutoSend) and model.step_of(proc.at) <= k:
            due.append((proc.at, ("auto", proc, False)))
    due.sort(key=lambda item: item[0])
    return [action for _, action in due]


def _moment(model: ExactModel, state: State, now: float) -> tuple:
    """What about `now` a reusable transition of this state depends on."""
    c = state.customer
    journeys = model.interpreter.journeys
    goals = tuple(tuple(now - r.entered_at <= g.within for g in r.journey.goals)
                  for r in c.runs.values())
    reentry = tuple(now - last >= journeys[name].reentry_after
                    for name, (_, last) in c.entries.items()
                    if journeys[name].reentry == "after")
    day = model.day(now) if c.sends.staff_days else None
    return goals, reentry, day

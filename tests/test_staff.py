"""Tests for staff members as resources: queueing, capacity, working hours and expiry."""

from __future__ import annotations

import math
import random

import numpy as np
import simpy

from simulator.behaviour import DrawStream
from simulator.distributions import Distribution
from simulator.scenario import Hours, Staff
from simulator.staff import Shifts, StaffOutcome, Staffing, WorkItem
from tests.runtime_kit import CLOCK, at

DAY = 24 * 60


def staff(count: int, capacity: float, completion: float, delay: Distribution) -> Staff:
    return Staff(count=count, capacity_per_day=capacity, completion=completion, delay=delay,
                 hours=Hours(start="09:00", end="21:00"))


def staffing(env: simpy.Environment, member: Staff, shifts: Shifts, horizon: float,
             done: list[WorkItem], expired: list[WorkItem], seed: int = 1) -> Staffing:
    draws = np.random.default_rng(seed)
    return Staffing(env, {"r": (member, shifts)}, random.Random(seed),
                    lambda s: DrawStream(s.delay, draws), horizon,
                    StaffOutcome(lambda item, _: done.append(item), expired.append))


def erlang_c_wait(arrival_rate: float, service_mean: float, servers: int) -> float:
    """The mean wait in queue of an M/M/c queue (Erlang C).

    With a = lambda / mu offered load and rho = a / c:
    C(c, a) = (a^c / c! / (1 - rho)) / (sum_{k<c} a^k / k! + a^c / c! / (1 - rho)),
    Wq = C(c, a) / (c mu - lambda).
    """
    mu = 1 / service_mean
    a = arrival_rate / mu
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    chance_to_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return chance_to_wait / (servers * mu - arrival_rate)


def test_shared_pool_mean_wait_matches_erlang_c() -> None:
    """Poisson tasks at a pool of 3 always-working members wait as Erlang C predicts (Wq = 26.7m)."""
    servers, service_mean, rate = 3, 60.0, 1 / 30  # a = 2 erlangs, rho = 2/3
    tasks, warmup, batches = 24_000, 2_000, 20
    horizon = tasks / rate * 1.2
    env = simpy.Environment()
    done: list[WorkItem] = []
    member = staff(servers, 1e9, 1.0,
                   Distribution(kind="exponential", params=(service_mean,), unit="minutes"))
    days = math.ceil(horizon / DAY)
    full_days = Shifts([(k * DAY, (k + 1) * DAY) for k in range(days + 1)])
    pool = staffing(env, member, full_days, horizon, done, [])
    arrivals = random.Random(7)

    def arrive():
        for _ in range(tasks):
            yield env.timeout(arrivals.expovariate(rate))
            pool.assign(WorkItem(0, "task", env.now, None), None, "r", send=False)

    env.process(arrive())
    env.run(until=horizon)
    waits = sorted(done, key=lambda item: item.created)[warmup:]
    waits = np.array([item.started - item.created for item in waits])
    expected = erlang_c_wait(rate, service_mean, servers)
    # Waits are correlated; the spread of batch means gives an honest standard error.
    means = np.array([b.mean() for b in np.array_split(waits, batches)])
    standard_error = means.std(ddof=1) / math.sqrt(batches)
    assert standard_error < 0.08 * expected  # enough tasks for the check to have power
    assert abs(waits.mean() - expected) < 4 * standard_error


def test_capacity_limits_and_expiry_match_the_hand_count() -> None:
    """10 tasks a day for 5 days, 6 a day done, due in 47h: 36 done and 14 expire (see the body)."""
    # One member, 09:00-21:00, at most 6 items a day, 30 minutes each; tasks arrive at 09:00.
    # FIFO: d0 does 6 of d0; d1 the last 4 of d0 and 2 of d1; d2 6 of d1; d3 (after the last
    # 2 of d1 expire at 08:00) 6 of d2; d4 (4 of d2 expire) 6 of d3; d5 (4 of d3 expire) 6 of
    # d4; d6 at 08:00 the last 4 of d4 expire. Done 6 x 6 = 36, expired 2 + 4 + 4 + 4 = 14.
    # The backlog peaks at 09:00 on d3, d4 and d5: 10 left from the day before plus 10 new.
    env = simpy.Environment()
    done: list[WorkItem] = []
    expired: list[WorkItem] = []
    member = staff(1, 6, 1.0, Distribution(kind="fixed", params=(30,), unit="minutes"))
    horizon = 10 * DAY
    pool = staffing(env, member, Shifts.daily(9 * 60, 12 * 60, CLOCK, horizon), horizon,
                    done, expired)
    first = at("11-30 09:00")

    def arrive():
        yield env.timeout(first)
        for day in range(5):
            for _ in range(10):
                pool.assign(WorkItem(0, "task", env.now, env.now + 47 * 60), None, "r", False)
            yield env.timeout(DAY)

    env.process(arrive())
    env.run(until=horizon)
    assert (len(done), len(expired)) == (36, 14)
    tally = pool.tallies()["r"]
    assert (tally.tasks, tally.done, tally.expired, tally.max_backlog) == (50, 36, 14, 20)
    assert tally.busy_minutes == 36 * 30
    assert tally.available_minutes == 10 * 12 * 60


def test_work_pauses_outside_working_hours() -> None:
    """A 3-hour item started at 20:00 with hours 09:00-21:00 is done at 11:00 the next day."""
    env = simpy.Environment()
    done: list[WorkItem] = []
    member = staff(1, 60, 1.0, Distribution(kind="fixed", params=(180,), unit="minutes"))
    pool = staffing(env, member, Shifts.daily(9 * 60, 12 * 60, CLOCK, 5 * DAY), 5 * DAY,
                    done, [])
    finished: list[float] = []
    pool.outcome.done = lambda item, who: finished.append(env.now)

    def arrive():
        yield env.timeout(at("11-30 20:00"))
        pool.assign(WorkItem(0, "task", env.now, None), "r-1", None, send=False)

    env.process(arrive())
    env.run(until=5 * DAY)
    assert finished == [at("12-01 11:00")]
    assert pool.tallies()["r"].busy_minutes == 180


def test_items_never_done_expire_at_their_due_time() -> None:
    """With completion 0% a send expires at the end of the working day after it arrived."""
    env = simpy.Environment()
    expired: list[WorkItem] = []
    moments: list[float] = []
    member = staff(2, 60, 0.0, Distribution(kind="fixed", params=(5,), unit="minutes"))
    pool = staffing(env, member, Shifts.daily(9 * 60, 12 * 60, CLOCK, 5 * DAY), 5 * DAY,
                    [], expired)
    pool.outcome.expired = lambda item: moments.append(env.now)

    def arrive():
        yield env.timeout(at("11-30 10:00"))
        pool.assign(WorkItem(0, "send", env.now, None), "r-2", None, send=True)

    env.process(arrive())
    env.run(until=5 * DAY)
    assert moments == [at("12-01 21:00")]
    assert pool.tallies()["r"].expired == 1


def test_owner_outside_the_role_sends_work_to_the_shared_queue() -> None:
    """Work for a role the owner is not in goes to that role's members; undated work left
    at the horizon counts as expired."""
    env = simpy.Environment()
    done: list[tuple[WorkItem, str]] = []
    draws = np.random.default_rng(1)
    fixed = Distribution(kind="fixed", params=(10,), unit="minutes")
    shifts = Shifts.daily(9 * 60, 12 * 60, CLOCK, DAY)
    pool = Staffing(env, {"guide": (staff(1, 60, 1.0, fixed), shifts),
                          "sales": (staff(2, 1, 1.0, fixed), shifts)},
                    random.Random(1), lambda s: DrawStream(s.delay, draws), DAY,
                    StaffOutcome(lambda item, who: done.append((item, who)), lambda item: None))
    for _ in range(3):
        pool.assign(WorkItem(0, "task", 0.0, None), "guide-1", "sales", send=False)
    env.run(until=DAY)
    assert sorted(who for _, who in done) == ["sales-1", "sales-2"]  # one a day each
    sales = pool.tallies()["sales"]
    assert (sales.tasks, sales.done, sales.expired) == (3, 2, 1)
    assert pool.tallies()["guide"].tasks == 0


def test_handoffs_go_round_robin() -> None:
    """Successive handoffs to a role pick its members in turn."""
    env = simpy.Environment()
    fixed = Distribution(kind="fixed", params=(10,), unit="minutes")
    pool = staffing(env, staff(3, 60, 1.0, fixed), Shifts.daily(0, 60, CLOCK, DAY), DAY, [], [])
    assert [pool.next_owner("r") for _ in range(4)] == ["r-1", "r-2", "r-3", "r-1"]
    assert pool.next_owner("unknown") is None

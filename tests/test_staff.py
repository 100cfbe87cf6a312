"""Tests for staff members as resources: queueing, capacity, working hours and expiry."""

from __future__ import annotations

import math
import random

import numpy as np
import simpy

from simulator.behaviour import DrawStream
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import Hours, Staff
from simulator.staff import Shifts, StaffOutcome, Staffing, WorkItem
from sopdsl.builtins import MINUTES_PER_DAY as DAY
from sopdsl.runtime.hours import ClockHours, DailyHours
from tests.runtime_kit import CLOCK, at

AROUND_THE_CLOCK = ClockHours(DailyHours(0, DAY), CLOCK)
NINE_TO_NINE = ClockHours(DailyHours(9 * 60, 21 * 60), CLOCK)


def staff(count: int, capacity: float, completion: float, delay: Distribution) -> Staff:
    return Staff(count=count, capacity_per_day=capacity, completion=completion, delay=delay,
                 hours=Hours(start="09:00", end="21:00"))


def staffing(env: simpy.Environment, member: Staff, shifts: Shifts, horizon: float,
             done: list[WorkItem], expired: list[WorkItem], seed: int = 1) -> Staffing:
    draws = np.random.default_rng(seed)
    return Staffing(env, {"r": (member, shifts)}, random.Random(seed),
                    lambda law: DrawStream(law, draws), horizon,
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
    # capacity 12/day over a 12-hour day: exponential working time with mean 60 minutes.
    servers, service_mean, rate = 3, 60.0, 1 / 30  # a = 2 erlangs, rho = 2/3
    tasks, warmup, batches = 24_000, 2_000, 20
    horizon = tasks / rate * 1.2
    env = simpy.Environment()
    done: list[WorkItem] = []
    member = staff(servers, 12, 1.0, Distribution(kind="fixed", params=(0,), unit="minutes"))
    full_days = Shifts(AROUND_THE_CLOCK, horizon)
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


def erlang_a(arrival_rate: float, service_mean: float, servers: int,
             patience_mean: float) -> tuple[float, float]:
    """The chance an arrival abandons and the mean wait in queue of an M/M/c+M queue
    (Erlang-A), from its birth-death chain: in state n the death rate is
    min(n, c) mu + max(n - c, 0) theta; P(abandon) = theta E[Lq] / lambda, E[Wq] = E[Lq] / lambda.
    """
    mu, theta = 1 / service_mean, 1 / patience_mean
    weights, weight = [1.0], 1.0
    for n in range(1, 400):  # the tail beyond 400 customers is below 1e-100 here
        weight *= arrival_rate / (min(n, servers) * mu + max(n - servers, 0) * theta)
        weights.append(weight)
    total = sum(weights)
    queued = sum(max(n - servers, 0) * w for n, w in enumerate(weights)) / total
    return theta * queued / arrival_rate, queued / arrival_rate


def _batch_interval(values: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """The mean and the standard error from the spread of batch means (values correlate)."""
    means = np.array([b.mean() for b in np.array_split(values, batches)])
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches))


def test_abandonment_and_waits_match_erlang_a() -> None:
    """With `patience` (exponential, counted from creation), 3 members abandon and wait as
    the M/M/c+M closed form says (P(abandon) 15.4%, E[Wq] 9.2 minutes)."""
    servers, service_mean, rate, patience = 3, 60.0, 1 / 25, 60.0  # a = 2.4 erlangs
    tasks, warmup = 24_000, 2_000
    horizon = tasks / rate * 1.2
    env = simpy.Environment()
    done: list[WorkItem] = []
    dropped: list[WorkItem] = []
    member = staff(servers, 12, 1.0, Distribution(kind="fixed", params=(0,), unit="minutes"))
    member = member.model_copy(update={"patience": Distribution(
        kind="exponential", params=(patience,), unit="minutes")})
    pool = staffing(env, member, Shifts(AROUND_THE_CLOCK, horizon), horizon, done, dropped)
    arrivals = random.Random(11)
    items: list[WorkItem] = []

    def arrive():
        for _ in range(tasks):
            yield env.timeout(arrivals.expovariate(rate))
            items.append(WorkItem(0, "task", env.now, None))
            pool.assign(items[-1], None, "r", send=False)

    env.process(arrive())
    env.run(until=horizon)
    measured = items[warmup:]
    abandoned = np.array([item.state == "abandoned" for item in measured], dtype=float)
    waits = np.array([(item.started if item.started is not None else item.expires)
                      - item.created for item in measured])
    chance, wait = erlang_a(rate, service_mean, servers, patience)
    mean, error = _batch_interval(abandoned)
    assert error < 0.1 * chance and abs(mean - chance) < 4 * error
    mean, error = _batch_interval(waits)
    assert error < 0.1 * wait and abs(mean - wait) < 4 * error
    tally = pool.tallies()["r"]
    assert tally.abandoned == len(dropped) == sum(item.state == "abandoned" for item in items)


def test_late_tasks_are_done_late_and_the_on_time_share_is_the_mm1_sojourn() -> None:
    """A task past its due is done late, not dropped: with one member (M/M/1, FIFO) the
    share done within its due D is P(sojourn <= D) = 1 - exp(-(mu - lambda) D)."""
    service_mean, rate, due = 60.0, 1 / 90, 60.0
    tasks, warmup = 20_000, 1_000
    horizon = tasks / rate * 1.2
    env = simpy.Environment()
    done: list[WorkItem] = []
    member = staff(1, 12, 1.0, Distribution(kind="fixed", params=(0,), unit="minutes"))
    pool = staffing(env, member, Shifts(AROUND_THE_CLOCK, horizon), horizon, done, [])
    finished: dict[int, float] = {}
    pool.outcome.done = lambda item, _: (done.append(item), finished.setdefault(id(item), env.now))
    arrivals = random.Random(5)
    items: list[WorkItem] = []

    def arrive():
        for _ in range(tasks):
            yield env.timeout(arrivals.expovariate(rate))
            items.append(WorkItem(0, "task", env.now, env.now + due))
            pool.assign(items[-1], None, "r", send=False)

    env.process(arrive())
    env.run(until=horizon)
    assert len(done) == tasks  # nothing is dropped at its due time
    on_time = np.array([finished[id(item)] <= item.due for item in items[warmup:]], dtype=float)
    mean, error = _batch_interval(on_time)
    expected = 1 - math.exp(-(1 / service_mean - rate) * due)
    assert error < 0.1 * expected and abs(mean - expected) < 4 * error
    tally = pool.tallies()["r"]
    assert (tally.on_time + tally.late, tally.missed, tally.expired) == (tasks, 0, 0)
    assert tally.on_time == sum(finished[id(item)] <= item.due for item in items)
    assert tally.sla_hit_rate == tally.on_time / tasks


def test_delay_is_latency_and_work_pauses_outside_working_hours() -> None:
    """An item got to at 22:00 waits for 09:00; work stopped at 21:00 resumes the next morning."""
    env = simpy.Environment()
    done: list[WorkItem] = []
    # capacity 6/day: 120-minute items on average, so one started at 20:59 runs past 21:00.
    member = staff(1, 6, 1.0, Distribution(kind="fixed", params=(0,), unit="minutes"))
    pool = staffing(env, member, Shifts(NINE_TO_NINE, 9 * DAY), 9 * DAY,
                    done, [])
    late = staff(1, 60, 1.0, Distribution(kind="fixed", params=(120,), unit="minutes"))
    late_done: list[WorkItem] = []
    later = staffing(env, late, Shifts(NINE_TO_NINE, 9 * DAY), 9 * DAY,
                     late_done, [])
    finished: list[float] = []
    pool.outcome.done = lambda item, who: finished.append(env.now)

    def arrive():
        yield env.timeout(at("11-30 20:00"))
        later.assign(WorkItem(0, "task", env.now, None), "r-1", None, send=False)
        yield env.timeout(59)
        pool.assign(WorkItem(0, "task", env.now, None), "r-1", None, send=False)

    env.process(arrive())
    env.run(until=9 * DAY)
    assert [item.ready for item in late_done] == [at("11-30 22:00")]
    assert [item.started for item in late_done] == [at("12-01 09:00")]
    assert later.tallies()["r"].busy_minutes > 0
    assert len(finished) == 1 and at("12-01 09:00") < finished[0] < at("12-01 21:00")
    # One minute worked before 21:00, the rest from 09:00: nothing counted overnight.
    assert pool.tallies()["r"].busy_minutes == 1 + (finished[0] - at("12-01 09:00"))


def test_items_never_done_expire_at_their_due_time() -> None:
    """With completion 0% a send expires at the end of the working day after it arrived."""
    env = simpy.Environment()
    expired: list[WorkItem] = []
    moments: list[float] = []
    member = staff(2, 60, 0.0, Distribution(kind="fixed", params=(5,), unit="minutes"))
    pool = staffing(env, member, Shifts(NINE_TO_NINE, 5 * DAY), 5 * DAY,
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
    shifts = Shifts(NINE_TO_NINE, DAY)
    pool = Staffing(env, {"guide": (staff(1, 60, 1.0, fixed), shifts),
                          "sales": (staff(2, 60, 1.0, fixed), shifts),
                          "idle": (staff(1, 0, 1.0, fixed), shifts)},
                    random.Random(1), lambda law: DrawStream(law, draws), DAY,
                    StaffOutcome(lambda item, who: done.append((item, who)), lambda item: None))
    for _ in range(3):
        pool.assign(WorkItem(0, "task", 0.0, None), "guide-1", "sales", send=False)
        pool.assign(WorkItem(0, "task", 0.0, None), "guide-1", "idle", send=False)
    env.run(until=DAY)
    # Both sales members start at 09:00 on the shared queue; whoever is free takes the third.
    assert len(done) == 3 and {who for _, who in done} == {"sales-1", "sales-2"}
    assert pool.tallies()["guide"].tasks == 0
    idle = pool.tallies()["idle"]  # capacity 0: nothing is ever started
    assert (idle.tasks, idle.done, idle.expired) == (3, 0, 3)


def test_handoffs_go_round_robin() -> None:
    """Successive handoffs to a role pick its members in turn."""
    env = simpy.Environment()
    fixed = Distribution(kind="fixed", params=(10,), unit="minutes")
    first_hour = Shifts(ClockHours(DailyHours(0, 60), CLOCK), DAY)
    pool = staffing(env, staff(3, 60, 1.0, fixed), first_hour, DAY, [], [])
    assert [pool.next_owner("r") for _ in range(4)] == ["r-1", "r-2", "r-3", "r-1"]
    assert pool.next_owner("unknown") is None

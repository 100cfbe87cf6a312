"""Simulations from real customers: each customer's BG/NBD process given their own history
against the conditional expectation of Fader, Hardie & Lee (2005, eq. 10), and responses given
their own sends and answers against the Beta-Bernoulli posterior."""

from __future__ import annotations

import datetime as dt
import gc
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy.special import hyp2f1

import simulator
from simulator.latent import Evidence, draw_posterior, named_generators
from simulator.real_base import frequency_segments, read_base
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of
from tests.test_latent import A, ALPHA, B, R, quiet_program

START = dt.date(2026, 1, 1)
# Histories by day: the first purchase, then repeat purchases, in days before START.
HISTORIES = {"quiet": [-273], "early": [-273, -260, -250], "recent": [-273, -200, -100, -10, -3],
             "late": [-100, -30], "never_again": [-150]}


def conditional_expectation_of(params: tuple[float, float, float, float], t: float, x: float,
                               t_x: float, T: float) -> float:
    """E[Y(t) | x, t_x, T] of the BG/NBD model, Fader, Hardie & Lee (2005), equation 10."""
    r, alpha, a, b = params
    head = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
        * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
    alive = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return head / alive


def conditional_expectation(t: float, x: float, t_x: float, T: float) -> float:
    """Equation 10 with the CDNOW parameters."""
    return conditional_expectation_of((R, ALPHA, A, B), t, x, t_x, T)


def _write(folder: Path, copies: int) -> tuple[Path, Path]:
    """`copies` customers of each history, as customers and events CSV files."""
    people, events = [], []
    for kind, days in HISTORIES.items():
        for k in range(copies):
            customer = f"{kind}{k:05d}"
            people.append(customer)
            events += [f"{customer},{START + dt.timedelta(days=d)},purchase,20"
                       for d in days]
    customers, log = folder / "customers.csv", folder / "events.csv"
    customers.write_text("customer_id\n" + "".join(f"{c}\n" for c in sorted(people)))
    log.write_text("customer_id,time,event,amount\n" + "\n".join(sorted(events)) + "\n")
    return customers, log


def test_each_history_buys_as_the_bgnbd_conditional_expectation_says(tmp_path: Path) -> None:
    """Customers with the same history buy, per customer over 26 weeks, what equation 10 gives
    for their x, t_x and T (weeks; T to the last whole day before the start), within Monte
    Carlo error."""
    copies, replications, weeks = 600, 5, 26
    program, scenario = quiet_program(weeks, 1, replications)
    scenario = scenario.model_copy(update={"start": START})
    customers, events = _write(tmp_path, copies)
    base, problems = read_base(program, customers, events, start=dt.datetime.combine(
        START, dt.time()))
    assert problems == [] and base is not None
    forecast = simulator.forecast(program, scenario, base=base, baseline=False)
    kinds = list(HISTORIES)
    assert all(tally.arrivals == 0 for tally in forecast.tallies)
    # Per number of repeat purchases: the purchases of its customers in each replication.
    segments = frequency_segments(base.evidence.x)
    for kind in kinds:
        x = len(HISTORIES[kind]) - 1
        same_x = [k for k in kinds if len(HISTORIES[k]) - 1 == x]
        assert segments.count(str(x)) == copies * len(same_x)
    for x in sorted({len(days) - 1 for days in HISTORIES.values()}):
        histories = [k for k in kinds if len(HISTORIES[k]) - 1 == x]
        expected = sum(conditional_expectation(weeks, x, (days[-1] - days[0]) / 7,
                                               (-1 - days[0]) / 7)
                       for days in (HISTORIES[k] for k in histories)) * copies
        per_run = np.array([t.segments.get(str(x), 0.0) for t in forecast.tallies])
        error = max(per_run.std(ddof=1), math.sqrt(expected)) / math.sqrt(replications)
        assert abs(per_run.mean() - expected) <= 4 * error, (x, per_run.mean(), expected)


def test_a_customers_own_answers_move_their_chance_as_the_beta_posterior() -> None:
    """A `per customer` beta open chance after k opens of n deliveries is Beta(a + k, b + n - k):
    its mean is (a + k) / (a + b + n); arrivals keep the prior."""
    program = program_of("""scenario s {
  population 10 { arrivals 0/day }
  channel private_chat { open beta(2, 6) per customer }
}
""")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    n = 20000
    opens = np.r_[np.zeros(n), np.full(n, 9.0)]
    sends = np.full(2 * n, 10.0)
    zero = np.zeros(2 * n)
    evidence = Evidence(zero, zero, zero, zero, zero, {("private_chat", "delivered"): sends,
                                                     ("private_chat", "open"): opens})
    latent = draw_posterior(scenario, evidence, 3 * n,
                            named_generators(np.random.SeedSequence(4)))
    drawn = latent.chances["channels.private_chat.open"]
    for chunk, mean in zip(np.split(drawn, 3), (2 / 18, 11 / 18, 2 / 8)):
        assert chunk.mean() == pytest.approx(mean, abs=0.005)


def _held_bytes(folder: Path, customers: int, per_customer: int) -> int:
    """Bytes still allocated once a base of `customers` with `per_customer` events is read."""
    program, _ = quiet_program(4, 1, 1)
    people = [f"c{k:05d}" for k in range(customers)]
    rows = [f"{c},2025-12-{1 + n % 28:02d} 10:{n % 60:02d},{name},{content},{amount}"
            for c in people for n in range(per_customer)
            for name, content, amount in [[("friend_added", "", ""), ("purchase", "", "99"),
                                           ("click", "course", "")][n % 3]]]
    customers_file, events_file = folder / "customers.csv", folder / "events.csv"
    customers_file.write_text("customer_id,owner\n" + "".join(f"{c},g1\n" for c in people))
    events_file.write_text("customer_id,time,event,content,amount\n" + "\n".join(rows) + "\n")
    gc.collect()
    tracemalloc.start()
    try:
        base, problems = read_base(program, customers_file, events_file,
                                   start=dt.datetime.combine(START, dt.time()))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert problems == [] and base is not None and base.size == customers
    return held


def test_a_base_holds_a_few_bytes_per_event_not_an_object(tmp_path: Path) -> None:
    """Between replications an event before the start is a time, an amount and two codes:
    reading ten more events per customer holds under 40 bytes more per event (an `Event`
    object alone is 64, its strings more)."""
    customers = 400
    few = _held_bytes(tmp_path, customers, 2)
    many = _held_bytes(tmp_path, customers, 12)
    assert (many - few) / (customers * 10) < 40

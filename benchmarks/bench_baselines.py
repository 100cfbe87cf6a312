"""Reference points for simulator speed: a bare SimPy funnel and a vectorised NumPy day-step model.

The simulator's own figures are judged against these two. The SimPy funnel has the shape of the
onboarding playbook (welcome, waits, a staff-confirmed send, a wait-for with both arms, a score
gate, a split and a follow-up task): about 21 scheduled events per customer. The NumPy model
steps 1,000,000 customers through 90 days with one random draw per customer per day and
behaviour, which is the fastest a population model can go in Python.

Run: .venv/bin/python benchmarks/bench_baselines.py [--customers 100000] [--days 90]
"""

from __future__ import annotations

import argparse
import gc
import random
import time

import numpy as np
import simpy

MINUTES_PER_DAY = 1440


def simpy_funnel(customers: int, days: int, seed: int = 1) -> tuple[float, int]:
    """Run the bare funnel; return (seconds, events processed)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    counters = {"events": 0, "purchases": 0}

    def customer(arrival: float):
        yield env.timeout(arrival)
        counters["events"] += 1
        for _ in range(2):  # welcome, tag
            yield env.timeout(0)
            counters["events"] += 1
        yield env.timeout(MINUTES_PER_DAY)  # d1: wait 1d
        counters["events"] += 1
        yield env.timeout(rng.expovariate(1 / 180))  # staff delay for the private_chat send
        counters["events"] += 1
        clicked = rng.random() < 0.18
        yield env.timeout(rng.expovariate(1 / 120) if clicked else 2 * MINUTES_PER_DAY)
        counters["events"] += 1
        for _ in range(4):  # form link send, wait for form, score changes
            yield env.timeout(rng.expovariate(1 / 600))
            counters["events"] += 1
        for _ in range(6):  # gate, split arm, coupon send, wait 3d, task, untag
            yield env.timeout(rng.random() * MINUTES_PER_DAY)
            counters["events"] += 1
        for _ in range(5):  # goal window checks over the following days
            yield env.timeout(MINUTES_PER_DAY)
            counters["events"] += 1
            if rng.random() < 0.01:
                counters["purchases"] += 1
                break

    for _ in range(customers):
        env.process(customer(rng.random() * days * MINUTES_PER_DAY * 0.1))
    started = time.perf_counter()
    env.run(until=days * MINUTES_PER_DAY)
    return time.perf_counter() - started, counters["events"]


def numpy_day_step(customers: int, days: int, seed: int = 1) -> float:
    """Step a population day by day with vectorised draws; return seconds."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    score = np.zeros(customers, dtype=np.int16)
    friends = np.ones(customers, dtype=bool)
    purchases = np.zeros(customers, dtype=np.int32)
    for day in range(days):
        draw = rng.random(customers, dtype=np.float32)
        sent = friends & ((day % 7) == 0)
        opened = sent & (draw < 0.7)
        clicked = opened & (draw < 0.18 * 0.7)
        score += clicked.astype(np.int16) * 10
        bought = friends & ((draw > 0.998) | (clicked & (draw < 0.01)))
        purchases += bought
        friends &= ~(sent & (draw > 0.998))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--numpy-customers", type=int, default=1_000_000)
    args = parser.parse_args()

    seconds, events = simpy_funnel(args.customers, args.days)
    gc.disable()
    try:
        seconds_nogc, _ = simpy_funnel(args.customers, args.days)
    finally:
        gc.enable()
    numpy_seconds = numpy_day_step(args.numpy_customers, args.days)

    customer_days = args.customers * args.days
    print(f"bare SimPy funnel, {args.customers:,} customers x {args.days} days, "
          f"{events / args.customers:.1f} events/customer")
    print(f"  gc on : {seconds:6.2f} s  {events / seconds:10,.0f} events/s  "
          f"{customer_days / seconds:12,.0f} customer-days/s")
    print(f"  gc off: {seconds_nogc:6.2f} s  {events / seconds_nogc:10,.0f} events/s  "
          f"{customer_days / seconds_nogc:12,.0f} customer-days/s")
    numpy_days = args.numpy_customers * args.days
    print(f"NumPy day-step, {args.numpy_customers:,} customers x {args.days} days: "
          f"{numpy_seconds:6.2f} s  {numpy_days / numpy_seconds:14,.0f} customer-days/s")


if __name__ == "__main__":
    main()

"""Tests for the replication's wake-ups: own moments per customer, shared moments once."""

from __future__ import annotations

import simpy

from simulator.wakes import Wakes


class Told:
    """An interpreter stand-in: each customer's (own, shared) next moments, as set."""

    def __init__(self, moments: tuple[float, ...] = (10.0, 20.0, 30.0)) -> None:
        self.next: dict[int, tuple[float | None, float | None]] = {}
        self.moments = moments  # the shared moments, whoever is due at them

        self.quiet: dict[int, float | None] = {}  # customers a shared moment finds quiet

    def next_wakeups(self, customer: int) -> tuple[float | None, float | None]:
        return self.next[customer]

    def next_shared_moment(self, after: float) -> float | None:
        return next((t for t in self.moments if t > after), None)

    def advance_quietly(self, customer: int, now: float) -> tuple[bool, float | None]:
        if customer in self.quiet:
            return True, self.quiet.pop(customer)
        return False, None


def test_a_shared_moment_is_one_event_waking_its_customers_in_the_order_of_their_indexes():
    """Three customers due at the same broadcast moment are one SimPy event, woken in the
    order of their indexes whatever the order they were told in; a customer's own moment is
    their own event."""
    env, told, woken = simpy.Environment(), Told(), []
    wakes = Wakes(env, told, 100.0, [0, 1, 2, 3], lambda index: woken.append((env.now, index)))
    told.next = {2: (None, 10.0), 0: (5.0, 10.0), 1: (None, 10.0), 3: (None, 100.0)}
    for index in (2, 0, 1, 3):
        wakes.schedule(index, index)
    assert len(env._queue) == 2  # the own moment and the one shared moment (100: the horizon)
    env.run()
    assert woken == [(5.0, 0), (10.0, 0), (10.0, 1), (10.0, 2)]


def test_a_customer_moved_off_a_shared_moment_is_not_woken_there():
    """Told of a later shared moment (woken meanwhile), the customer is skipped at the
    earlier one and woken at the later."""
    env, told, woken = simpy.Environment(), Told(), []
    wakes = Wakes(env, told, 100.0, [0, 1], lambda index: woken.append((env.now, index)))
    told.next = {0: (None, 10.0), 1: (None, 10.0)}
    wakes.schedule(0, 0)
    wakes.schedule(1, 1)
    told.next[0] = (None, 20.0)
    wakes.schedule(0, 0)
    env.run()
    assert woken == [(10.0, 1), (20.0, 0)]


def test_a_quiet_customer_is_not_woken_and_waits_for_their_next_shared_moment():
    """A customer the interpreter finds quiet at a shared moment is not woken there but is
    told their next shared moment; the others at it are woken in order."""
    env, told, woken = simpy.Environment(), Told(), []
    wakes = Wakes(env, told, 100.0, [0, 1], lambda index: woken.append((env.now, index)))
    told.next = {0: (None, 10.0), 1: (None, 10.0)}
    told.quiet = {0: 30.0}
    wakes.schedule(0, 0)
    wakes.schedule(1, 1)
    told.next[1] = (None, None)
    env.run()
    assert woken == [(10.0, 1), (30.0, 0)]


def test_a_shared_moment_is_made_before_it_is_due_for_anyone_and_steps_in_a_fixed_order():
    """Each shared moment's event is made when the one before it is stepped (the first at
    once), whoever is due then: a moment nobody is due at still passes the chain on, and a
    broadcast at 20 comes before a customer's own moment at 20 made after 10 even when it was
    made before anyone was told of the broadcast."""
    env, told, woken = simpy.Environment(), Told(), []
    wakes = Wakes(env, told, 100.0, [0, 1], lambda index: woken.append((env.now, index)))
    assert len(env._queue) == 1  # the first shared moment, 10, due for no one yet
    env.run(until=15.0)  # 10 steps, nobody due, and makes 20's event
    told.next = {0: (20.0, None), 1: (None, 20.0)}
    wakes.schedule(0, 0)
    wakes.schedule(1, 1)
    env.run()
    assert woken == [(20.0, 1), (20.0, 0)]

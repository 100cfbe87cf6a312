"""When each customer next needs the interpreter: a SimPy timer per customer for their own
moments, and one per moment for the triggers whose moments are the same for everyone."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import simpy

from sopdsl.runtime.customer import Customer
from sopdsl.runtime.interpreter import Interpreter
from simulator.timers import Timer, after


class Wakes:
    """Wake-ups of a replication's customers (`wake(index)` runs what is due for one)."""

    def __init__(self, env: simpy.Environment, interpreter: Interpreter, horizon: float,
                 customers: Sequence[Customer | None], wake: Callable[[int], None]) -> None:
        """Wake-ups of `customers` (by index, each there once told) before `horizon`, none
        pending yet."""
        self.env, self.interpreter, self.horizon, self.wake = env, interpreter, horizon, wake
        self.next_wakeups = interpreter.next_wakeups
        self.customers = customers
        size = len(customers)
        self.own: list[float | None] = [None] * size
        self.shared: list[float | None] = [None] * size
        # Per moment of a trigger the same for everyone: the customers to wake then (a
        # broadcast such as `every day at 11:00` is one SimPy event), woken in the order of
        # their indexes: the same whenever each was told, as a broadcast may leave a customer
        # out until their next change (`Dues`), which tells them at another time.
        self.moments: dict[float, list[int]] = {}
        # The latest such moment whose SimPy event is made: each one's is made when the one
        # before it is stepped (the first's now), whoever is due then, so among the events of
        # the same instant it comes in an order that does not depend on who is due.
        self.chained = -math.inf
        self._chain(env.now)

    def schedule(self, index: int, customer: Customer) -> None:
        """Wake the customer when they next need the interpreter (earlier wake-ups superseded)."""
        own, shared = self.next_wakeups(customer)
        env, horizon = self.env, self.horizon
        if own is not None and own < horizon and own != self.own[index]:
            self.own[index] = own
            after(env, max(own - env.now, 0.0), (index, own), self._own)
        self._share(index, shared)

    def _share(self, index: int, shared: float | None) -> None:
        """Wake the customer at a moment of a trigger the same for everyone (None: none)."""
        env, horizon = self.env, self.horizon
        if shared is None or shared >= horizon:
            # A broadcast that refuses them until their next event or change: a moment they
            # were queued for is left (their next event or change queues them again).
            self.shared[index] = None
        elif shared != self.shared[index]:
            self.shared[index] = shared
            due = self.moments.get(shared)
            if due is None:
                due = self.moments[shared] = []
                if shared <= self.chained:  # its event was stepped (or was never made): now
                    after(env, max(shared - env.now, 0.0), shared, self._moment)
            due.append(index)

    def _chain(self, moment: float) -> None:
        """Make the event of the first moment after `moment` of the triggers the same for
        everyone (before the horizon)."""
        following = self.interpreter.next_shared_moment(moment)
        if following is not None and following < self.horizon:
            self.chained = following
            self.moments.setdefault(following, [])
            after(self.env, following - self.env.now, following, self._moment)

    def _own(self, timer: Timer) -> None:
        index, wake = timer.value
        if self.own[index] != wake:
            return  # superseded
        self.own[index] = None
        self.wake(index)

    def _moment(self, timer: Timer) -> None:
        moment = timer.value
        if moment == self.chained:
            self._chain(moment)
        shared, customers, quietly = self.shared, self.customers, self.interpreter.advance_quietly
        for index in sorted(self.moments.pop(moment)):
            if shared[index] == moment:  # not already woken, nor moved, since
                shared[index] = None
                # Most of a broadcast's customers are refused by its audience or `reentry`:
                # told from the interpreter's bookkeeping alone, without the effects' round.
                done, shared_next = quietly(customers[index], moment)
                if done:
                    self._share(index, shared_next)  # their own moments are unchanged
                else:
                    self.wake(index)

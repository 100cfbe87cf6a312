"""When each customer next needs the interpreter: a SimPy timer per customer for their own
moments, and one per moment for the triggers whose moments are the same for everyone."""

from __future__ import annotations

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
        # Per moment of a trigger the same for everyone: the customers to wake then, in the
        # order they were told (a broadcast such as `every day at 11:00` is one SimPy event).
        self.moments: dict[float, list[int]] = {}

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
        if shared is not None and shared < horizon and shared != self.shared[index]:
            self.shared[index] = shared
            due = self.moments.get(shared)
            if due is None:
                due = self.moments[shared] = []
                after(env, max(shared - env.now, 0.0), shared, self._moment)
            due.append(index)

    def _own(self, timer: Timer) -> None:
        index, wake = timer.value
        if self.own[index] != wake:
            return  # superseded
        self.own[index] = None
        self.wake(index)

    def _moment(self, timer: Timer) -> None:
        moment = timer.value
        shared, customers, quietly = self.shared, self.customers, self.interpreter.advance_quietly
        for index in self.moments.pop(moment):
            if shared[index] == moment:  # not already woken, nor moved, since
                shared[index] = None
                # Most of a broadcast's customers are refused by its audience or `reentry`:
                # told from the interpreter's bookkeeping alone, without the effects' round.
                done, shared_next = quietly(customers[index], moment)
                if done:
                    self._share(index, shared_next)  # their own moments are unchanged
                else:
                    self.wake(index)

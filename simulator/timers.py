"""Timers on a SimPy environment: a callback called with a value at a later moment, and the
loop that calls them.

Every pending moment of a replication (a customer's wake-up, a delivery, a response, a staff
member's next piece of work) is one timer, a dozen or so per customer. `after` puts the very
entry on the environment's queue that `env.timeout(delay, value)` with the callback appended
would (same time, priority and event number, so the same order), but as a small object made
in one call: a `simpy.Timeout` costs its constructor, `env.schedule` and a list append.
`run_until` steps through the queue as `env.run(until)` does, without a call per event.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class Timer:
    """What `Environment.step` takes from the queue: the callbacks to call, each with the timer,
    and the value they read; a timer never fails (`_ok`)."""

    __slots__ = ("callbacks", "value")
    _ok = True

    def __init__(self, callbacks: list[Callable[[Timer], None]], value: Any) -> None:
        self.callbacks = callbacks
        self.value = value


def after(env: simpy.Environment, delay: float, value: Any,
          callback: Callable[[Timer], None]) -> Timer:
    """Call `callback(timer)` `delay` minutes from now, `timer.value` being `value`."""
    if delay < 0:
        raise ValueError(f"negative delay {delay}")
    timer = Timer([callback], value)
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), timer))
    return timer


def run_until(env: simpy.Environment, until: float) -> None:
    """Process every event before `until` in the queue's order, then set the time to `until`:
    what `env.run(until=until)` does (its stop comes before anything else due at `until`)
    for an environment whose events never fail and have no urgent priority."""
    queue = env._queue
    while queue and queue[0][0] < until:
        env._now, _, _, event = heappop(queue)
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
    env._now = until

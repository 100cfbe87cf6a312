"""Timers against SimPy's own timeouts and `env.run(until)`: the same callbacks, in the same
order, at the same moments, however timers tie or schedule more timers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.timers import after, run_until

# A plan of timers: each (delay, [(delay, ...) of the timers its callback schedules]), delays
# drawn from a few values so that moments tie often.
delays = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 10.0, 0.1 + 0.2])
plans = st.recursive(st.lists(st.tuples(delays, st.just([])), max_size=4),
                     lambda inner: st.lists(st.tuples(delays, inner), max_size=4), max_leaves=30)


def _replay(plan, schedule: Callable, run: Callable, until: float) -> list:
    """The (moment, label) of every callback called, in order, and the time after the run."""
    env = simpy.Environment()
    seen: list = []

    def start(label: str, timers: list) -> None:
        for k, (delay, more) in enumerate(timers):
            schedule(env, delay, (f"{label}.{k}", more), called)

    def called(timer) -> None:
        label, more = timer.value
        seen.append((env.now, label))
        start(label, more)

    start("", plan)
    run(env, until)
    return seen + [env.now]


def _simpy_schedule(env: simpy.Environment, delay: float, value, callback) -> None:
    timer = env.timeout(delay, value)
    timer.callbacks.append(callback)


@settings(max_examples=200, deadline=None)
@given(plan=plans, until=st.sampled_from([1.0, 2.0, 3.5, 25.0]))
def test_timers_run_as_simpy_timeouts_do(plan, until) -> None:
    """`after` and `run_until` call back as `env.timeout` and `env.run(until)` do: nothing due
    at `until` itself, ties in the order scheduled, the time at `until` after."""
    expected = _replay(plan, _simpy_schedule, lambda env, t: env.run(until=t), until)
    assert _replay(plan, after, run_until, until) == expected


def test_a_timer_is_not_set_in_the_past() -> None:
    """A negative delay is refused, as SimPy refuses it."""
    with pytest.raises(ValueError):
        after(simpy.Environment(), -1.0, None, lambda timer: None)

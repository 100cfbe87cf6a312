"""Tests for tracing one replication customer by customer."""

from __future__ import annotations

from sopdsl.runtime.effects import Entered, SendRequested
from simulator.engine import run_replication
from sopdsl.scenario.build import effective_scenario
from simulator.trace import trace_replication
from tests.test_engine import small


def test_a_trace_simulates_what_run_replication_simulates(onboarding) -> None:
    """Tracing changes nothing: the same seed gives the same Tally, and the traced effects and
    steps add up to its counts."""
    program = onboarding
    scenario = small(effective_scenario(program)[0], 60, 8, 12)
    trace = trace_replication(program, scenario, 4)
    assert trace.tally.to_dict() == run_replication(program, scenario, 4).to_dict()
    customers = trace.customers.values()
    effects = [e for c in customers for e in c.effects]
    journey = trace.tally.journeys["onboarding"]
    assert sum(isinstance(e, Entered) and e.journey == "onboarding"
               for e in effects) == journey.entered > 0
    assert sum(isinstance(e, SendRequested) for e in effects) == trace.tally.sends > 0
    reached = sum(1 for c in customers for s in c.steps if s.step == "onboarding/course")
    assert reached == journey.steps["onboarding/course"].reached > 0


def test_a_trace_keeps_profiles_events_and_the_runs_waiting_at_a_moment(onboarding) -> None:
    """Each customer has the profile they were followed with, their events in time order, and
    the runs in a `wait for` at `waiting_at` with the wait's start and deadline."""
    program = onboarding
    scenario = small(effective_scenario(program)[0], 60, 8, 12)
    moment = 6 * 24 * 60.0
    trace = trace_replication(program, scenario, 4, waiting_at=moment)
    arrivals = [c for c in trace.customers.values() if c.followed > 0]
    assert arrivals and all(c.events[0].name == "friend_added"
                            and c.events[0].time == c.followed and not c.history
                            for c in arrivals)
    assert all(c.owner and c.stage for c in trace.customers.values())
    assert all([e.time for e in c.events] == sorted(e.time for e in c.events)
               for c in trace.customers.values())
    waiting = [(c, w) for c in trace.customers.values() for w in c.waiting]
    assert waiting
    for customer, wait in waiting:
        assert wait.since < moment <= wait.deadline
        assert any((s.journey, s.run, s.step, s.time) == (wait.journey, wait.run, wait.step,
                                                          wait.since) for s in customer.steps)

"""Tests for the handoff rule: never the current owner unless they are the role's only member."""

from __future__ import annotations

import random

import simpy
from hypothesis import given
from hypothesis import strategies as st

from simulator.staff import Shifts, StaffOutcome, Staffing
from sopdsl.customers_io import Roster, StaffMember
from sopdsl.runtime.handoff import hand_over
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import Hours, Staff
from tests.test_staff import NINE_TO_NINE

IDS = st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=6, unique=True)


@given(IDS, st.data())
def test_hand_over_never_picks_the_current_owner_of_a_larger_role(members, data) -> None:
    """Whatever the choice, the new owner is a member, and not the current one unless alone."""
    current = data.draw(st.one_of(st.none(), st.sampled_from(members), st.just("outsider")))
    choice = data.draw(st.integers(0, 1000))
    picked = hand_over(members, current, lambda n: choice)
    assert picked in members
    assert picked != current or members == [current]


@given(IDS, st.data())
def test_the_simulator_and_the_planner_follow_the_rule(members, data) -> None:
    """Repeated handoffs in the simulator (in turn) and the planner (by hash) never give a
    customer back to the owner they have, unless the role has one member."""
    current = data.draw(st.sampled_from(members))
    customer = data.draw(st.text("xyz0123", min_size=1, max_size=5))
    staff = Staff(count=len(members), capacity_per_day=10, completion=1.0,
                  delay=Distribution(kind="fixed", params=(0,), unit="minutes"),
                  hours=Hours(start="09:00", end="21:00"))
    pool = Staffing(simpy.Environment(), {"r": (staff, Shifts(NINE_TO_NINE, 1440.0))},
                    random.Random(1), lambda law: None, 1440.0,
                    StaffOutcome(lambda *_: None, lambda *_: None))
    ids = pool.member_ids("r")
    roster = Roster(members={m: StaffMember(id=m, name=m, roles=("r",), email=None) for m in members})
    sim_owner, plan_owner = ids[members.index(current)], current
    for _ in range(4):
        sim_next = pool.next_owner("r", sim_owner)
        plan_next = roster.hand_over("r", customer, plan_owner).id
        assert (sim_next != sim_owner) == (plan_next != plan_owner) == (len(members) > 1)
        sim_owner, plan_owner = sim_next, plan_next

"""Tests for a task's escalation ladder at run time: its timing in working time, reminders,
notices to a manager role and reassignment to another member."""

from __future__ import annotations

import random

import numpy as np
import simpy

from simulator.behaviour import DrawStream
from simulator.escalation import EscalationNotice
from simulator.staff import Shifts, StaffOutcome, Staffing, WorkItem
from sopdsl.runtime.effects import EscalationStep, TaskCreated
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import Hours, Staff
from tests.runtime_kit import at
from tests.test_staff import NINE_TO_NINE

HORIZON = at("12-10 00:00")


def _staff(count: int, completion: float, reminder: float = 0.0) -> Staff:
    return Staff(count=count, capacity_per_day=60, completion=completion,
                 delay=Distribution(kind="fixed", params=(30,), unit="minutes"),
                 hours=Hours(start="09:00", end="21:00"), reminder=reminder)


def _pool(env: simpy.Environment, sales: Staff, done: list) -> Staffing:
    draws = np.random.default_rng(1)
    shifts = Shifts(NINE_TO_NINE, HORIZON)
    return Staffing(env, {"sales": (sales, shifts), "manager": (_staff(1, 1.0), shifts)},
                    random.Random(1), lambda law: DrawStream(law, draws), HORIZON,
                    StaffOutcome(lambda item, who: done.append((item, who, env.now)),
                                 lambda item: None))


def _task(*steps: EscalationStep, wall: bool = False) -> TaskCreated:
    return TaskCreated(time=0.0, customer="c", journey="j", step="j/1", run=1, role="sales",
                       instruction="回电", content=None, due_in=120, due_wall=wall,
                       escalation=steps)


def test_a_task_not_done_escalates_at_its_working_time_offsets() -> None:
    """Made at 20:00 under 09:00-21:00, `after 4h notify` comes at 12:00 the next day (1h that
    evening, 3h the next morning) and `after 8h reassign` at 16:00; with `wall`, at 00:00
    and 04:00."""
    for wall, notice_at, reassign_at in ((False, "12-02 12:00", "12-02 16:00"),
                                         (True, "12-02 00:00", "12-02 04:00")):
        env = simpy.Environment()
        done: list = []
        pool = _pool(env, _staff(2, 0.0), done)
        created = at("12-01 20:00")
        item = WorkItem(0, _task(EscalationStep(240, "notify", "manager"),
                                 EscalationStep(480, "reassign"), wall=wall), created, None)
        env.run(until=created)
        pool.assign(item, "sales-1", "sales", send=False)
        env.run(until=at(notice_at))
        assert pool.roles["manager"].tally.tasks == 0 and item.moved_to is None
        env.run(until=at(notice_at) + 0.01)
        assert pool.roles["manager"].tally.tasks == 1
        env.run(until=at(reassign_at))
        assert item.moved_to is None
        env.run(until=at(reassign_at) + 0.01)
        assert item.moved_to is not None and item.moved_to.where.name == "sales-2"
        env.run(until=HORIZON)
        notices = [entry for entry in done if isinstance(entry[0].what, EscalationNotice)]
        assert [who for _, who, _ in notices] == ["manager-1"]
        assert pool.roles["sales"].tally.tasks == 1  # a reassigned task is still one task


def test_a_reminder_gets_a_member_to_the_task_with_the_scenario_chance() -> None:
    """With `reminder 100%` a member who would never have done the task does it after
    `after 2h remind`; with 0% the reminder changes nothing."""
    for chance, finished in ((1.0, True), (0.0, False)):
        env = simpy.Environment()
        done: list = []
        pool = _pool(env, _staff(1, 0.0, reminder=chance), done)
        created = at("12-01 10:00")
        env.run(until=created)
        item = WorkItem(0, _task(EscalationStep(120, "remind")), created, created + 120)
        pool.assign(item, "sales-1", "sales", send=False)
        env.run(until=HORIZON)
        assert bool(done) == finished
        if finished:
            assert done[0][2] > at("12-01 12:00")  # done late, after the reminder
            assert pool.tallies()["sales"].late == 1


def test_nothing_escalates_once_a_member_started_the_task() -> None:
    """A task started before its first step's offset is neither noticed nor reassigned."""
    env = simpy.Environment()
    done: list = []
    pool = _pool(env, _staff(2, 1.0), done)
    created = at("12-01 10:00")
    env.run(until=created)
    item = WorkItem(0, _task(EscalationStep(240, "notify", "manager"),
                             EscalationStep(480, "reassign")), created, None)
    pool.assign(item, "sales-1", "sales", send=False)
    env.run(until=HORIZON)
    assert item.moved_to is None and pool.roles["manager"].tally.tasks == 0
    assert [who for _, who, _ in done] == ["sales-1"]

"""The journeys `for groups` in one replication: a run per customer group, its posts made to
that group. Each group is a "customer" of its own interpreter whose attributes are the group's
facts (`members`); the engine gives it the replication's staff, counts and posts."""

from __future__ import annotations

from collections.abc import Callable

import simpy

from sopdsl.checker.program import Program
from sopdsl.runtime.arms import ArmChooser
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer
from sopdsl.runtime.effects import Effect, SendRequested, TaskCreated
from sopdsl.runtime.groups import Group, GroupBook
from sopdsl.runtime.interpreter import Interpreter
from simulator.counting import effect_counts, step_reached
from simulator.timers import Timer, after

Count = Callable[[tuple, float], None]
Post = Callable[[Group, SendRequested], None]
Task = Callable[[Group, TaskCreated], None]


class GroupRuns:
    """Every group's runs of the journeys `for groups`, woken by SimPy timeouts."""

    def __init__(self, env: simpy.Environment, program: Program, clock: Clock,
                 arms: ArmChooser, book: GroupBook, horizon: float,
                 count: Count, post: Post, task: Task) -> None:
        self.env, self.horizon, self.book = env, horizon, book
        self.count, self.post, self.task = count, post, task
        self.interpreter = Interpreter(program, clock, arms, for_groups=True)
        self.interpreter.on_step = lambda c, run, step, now: count(
            step_reached(run.journey.name, step), now)
        self.marks: dict[str, tuple[dict[str, float], list]] = {}
        self.wakes: dict[str, float | None] = {}
        self.runs = {group.id: self.interpreter.new_customer(
            group.id, 0.0, owner=group.owner, attributes=self._facts(group))
            for group in book.groups.values()}
        for group_id, entity in self.runs.items():
            self._schedule(group_id, entity)

    @staticmethod
    def _facts(group: Group) -> dict[str, int]:
        return {"members": len(group.members)}

    def _schedule(self, group_id: str, entity: Customer) -> None:
        wake = self.interpreter.next_wakeup(entity)
        if wake is not None and wake < self.horizon and wake != self.wakes.get(group_id):
            self.wakes[group_id] = wake
            after(self.env, max(0.0, wake - self.env.now), (group_id, wake), self._wake)

    def _wake(self, timer: Timer) -> None:
        group_id, wake = timer.value
        if self.wakes.get(group_id) != wake:
            return  # superseded by an earlier wake-up
        self.wakes[group_id] = None
        entity = self.runs[group_id]
        group = self.book.groups[group_id]
        entity.attributes.update(self._facts(group))
        self._apply(group, entity, self.interpreter.advance(entity, self.env.now))

    def _apply(self, group: Group, entity: Customer, effects: list[Effect]) -> None:
        marks = self.marks.pop(group.id, None) or ({}, [])
        for effect in effects:
            for key, at in effect_counts(effect, *marks):
                self.count(key, effect.time if at is None else at)
            if isinstance(effect, SendRequested):
                if effect.earliest > self.env.now:
                    after(self.env, effect.earliest - self.env.now, (group, effect),
                          lambda t: self.post(*t.value))
                else:
                    self.post(group, effect)
            elif isinstance(effect, TaskCreated):
                self.task(group, effect)
        if marks[0] or marks[1]:
            self.marks[group.id] = marks
        self._schedule(group.id, entity)

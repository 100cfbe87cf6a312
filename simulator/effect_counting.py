"""Counting a replication's interpreter effects: the part of `simulator.engine.Replication` that
turns each effect and each step a run reaches into figures (`simulator.counting`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from sopdsl.runtime.customer import Customer, Run
from sopdsl.runtime.effects import Effect
from simulator.counting import READS_RUNS, Plan, effect_counts, response_counts, step_reached

if TYPE_CHECKING:
    from simulator.behaviour import DrawnResponse
    from simulator.engine import Replication

# What effects that leave runs' entries and arms alone are counted with (read-only).
_NO_ENTRIES: Mapping[str, float] = MappingProxyType({})
_NO_ARMS: tuple = ()
# The effect classes whose counting reads or changes runs' entries and arms (`READS_RUNS`).
READS_RUNS_CLASSES = frozenset(cls for cls in Effect.__subclasses__() if cls.kind in READS_RUNS)


class EffectCounting:
    """Counts of a replication's effects, by the customer's runs' entries and arms where they
    read them, else by plans kept per kind of effect and per step."""

    def _step_started(self: Replication, customer: Customer, run: Run, step: str,
                      now: float) -> None:
        if now >= 0:  # a real customer's runs replayed before the start count nothing
            plan = self.step_counts.get(step)  # a step id starts with its journey's name
            if plan is None:
                reached = step_reached(run.journey.name, step)
                plan = self.step_counts[step] = self.counts.plan([reached])
            self.counts.add_planned(plan, now)

    def _count_runs(self: Replication, index: int, effect: Effect) -> None:
        """Count an effect that reads or changes the customer's runs' entries and arms (kept by
        index while there are any)."""
        marks = self.marks.get(index)
        if marks is None:
            marks = self.marks[index] = ({}, [])
        counted = effect_counts(effect, *marks)
        if not (marks[0] or marks[1]):
            del self.marks[index]
        if effect.kind == "arm_chosen":
            self.spend.chosen(index, counted, effect.time)
        for key, at in counted:
            self.counts.add(key, effect.time if at is None else at)

    def _plain_plan(self: Replication, effect: Effect) -> Plan:
        """The figures an effect that reads no runs counts, all at its own moment."""
        return self.counts.plan([key for key, _ in effect_counts(effect, _NO_ENTRIES, _NO_ARMS)])

    def _count_response(self: Replication, journey: str | None, step: str | None,
                        response: DrawnResponse) -> None:
        """Count a drawn response to a delivery of the step at its moment: what
        `response_counts` gives (unfriending counts when its event fires), by a plan kept per
        step and outcome."""
        outcome = (journey, step, response.opened, response.clicked, response.replied)
        plan = self.response_plans.get(outcome)
        if plan is None:
            # Each figure once per unit of its whole amount (a click and a reply are two
            # interactions); in `response_counts`' order, as counting them one by one would.
            plan = self.response_plans[outcome] = self.counts.plan(
                [key for key, amount in response_counts(*outcome, 0) for _ in range(amount)])
        self.counts.add_planned(plan, response.at)

"""Counting one replication into a `Tally`: the interpreter's effects and the customers' behaviour.

Definitions are those of `simulator.results`; docs/simulation.md ("What is counted") explains
them to operators.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from sopdsl.syntax import ast
from sopdsl.runtime.customer import Customer, Run
from sopdsl.runtime.effects import (
    ArmChosen, Completed, Effect, Entered, Exited, GoalReached, SendDelivered, SendDropped,
    SendRequested,
)
from sopdsl.checker.program import Program
from sopdsl.syntax.step_ids import walk_steps
from simulator.results import ArmTally, GoalTally, JourneyTally, StepTally, Tally


class RunRecord:
    """An active run's entry time and the split arms it went through."""

    __slots__ = ("entered_at", "arms")

    def __init__(self, entered_at: float) -> None:
        self.entered_at = entered_at
        self.arms: list[ArmTally] = []


class TallyCounter:
    """Fills a Tally as effects and behaviour happen; `day_starts` bound the daily series."""

    def __init__(self, program: Program, horizon: float, day_starts: list[float],
                 roles: Iterable[str]) -> None:
        self.horizon = horizon
        self.day_starts = day_starts
        days = len(day_starts)
        self.tally = Tally()
        daily = self.tally.daily
        for series in (daily.sends, daily.delivered, daily.clicks, daily.purchases,
                       daily.unfriends):
            series.extend([0.0] * days)
        daily.backlog.update({role: [0.0] * days for role in roles})
        self.goal_windows = {}
        for name, journey in program.journeys.items():
            self.tally.journeys[name] = _journey_tally(journey)
            self.goal_windows[name] = [(c.name.name, c.within.minutes) for c in journey.clauses
                                       if isinstance(c, ast.Goal)]
        self.runs: dict[tuple[int, str], RunRecord] = {}
        self.purchasers: set[int] = set()
        self.handlers = {
            SendRequested: self.requested, SendDelivered: self.delivered,
            SendDropped: self.dropped, Entered: self.entered, ArmChosen: self.arm,
            GoalReached: self.goal, Exited: self.exited, Completed: self.completed,
        }

    def step_started(self, customer: Customer, run: Run, step: str, now: float) -> None:
        """Count a step reached (the interpreter's `on_step`)."""
        self.tally.journeys[run.journey.name].steps[step].reached += 1

    def day(self, t: float) -> int:
        """The index of the simulated day holding `t`."""
        return bisect.bisect_right(self.day_starts, t) - 1

    def count(self, customer: int, effect: Effect) -> None:
        """Count one effect of the interpreter."""
        handler = self.handlers.get(type(effect))
        if handler is not None:
            handler(customer, effect)

    def requested(self, customer: int, e: SendRequested) -> None:
        self.tally.sends += 1
        self._step(e).sent += 1
        self.tally.daily.sends[self.day(e.time)] += 1

    def delivered(self, customer: int, e: SendDelivered) -> None:
        self.tally.delivered += 1
        self._step(e).delivered += 1
        self.tally.daily.delivered[self.day(e.time)] += 1

    def dropped(self, customer: int, e: SendDropped) -> None:
        self.drop(e.reason)

    def drop(self, reason: str) -> None:
        """A send that was not delivered, for `reason`."""
        self.tally.dropped[reason] = self.tally.dropped.get(reason, 0.0) + 1

    def entered(self, customer: int, e: Entered) -> None:
        journey = self.tally.journeys[e.journey]
        journey.entered += 1
        for goal, within in self.goal_windows[e.journey]:
            journey.goals[goal].eligible += e.time + within <= self.horizon
        self.runs[(customer, e.journey)] = RunRecord(e.time)

    def arm(self, customer: int, e: ArmChosen) -> None:
        arm = self.tally.journeys[e.journey].arms[e.split][e.arm]
        arm.entered += 1
        record = self.runs[(customer, e.journey)]
        record.arms.append(arm)
        for goal, within in self.goal_windows[e.journey]:
            arm.goals[goal].eligible += record.entered_at + within <= self.horizon

    def goal(self, customer: int, e: GoalReached) -> None:
        record = self.runs.pop((customer, e.journey))
        within = dict(self.goal_windows[e.journey])[e.goal]
        eligible = record.entered_at + within <= self.horizon
        for goals in (self.tally.journeys[e.journey].goals, *(a.goals for a in record.arms)):
            goals[e.goal].reached += 1
            goals[e.goal].reached_eligible += eligible

    def exited(self, customer: int, e: Exited) -> None:
        self.tally.journeys[e.journey].exited += 1
        self.runs.pop((customer, e.journey), None)

    def completed(self, customer: int, e: Completed) -> None:
        self.tally.journeys[e.journey].completed += 1
        self.runs.pop((customer, e.journey), None)

    def response(self, step: StepTally, opened: bool, clicked: bool, replied: bool,
                 t: float) -> None:
        """A customer's response to a delivered message of `step`."""
        step.opened += opened
        step.clicked += clicked
        self.tally.interactions += clicked + replied
        if clicked:
            self.tally.daily.clicks[self.day(t)] += 1

    def purchase(self, customer: int, amount: float, t: float) -> None:
        """A purchase inside the horizon."""
        self.tally.purchases += 1
        self.tally.gmv += amount
        self.purchasers.add(customer)
        self.tally.daily.purchases[self.day(t)] += 1

    def unfriend(self, t: float) -> None:
        """A customer deleted the friend."""
        self.tally.unfriends += 1
        self.tally.daily.unfriends[self.day(t)] += 1

    def _step(self, e: Effect) -> StepTally:
        return self.tally.journeys[e.journey].steps[e.step]


def funnel(stages: tuple[str, ...], final: Iterable[str | None]) -> dict[str, float]:
    """Customers at or past each stage, from every customer's final stage."""
    at = dict.fromkeys(stages, 0.0)
    for stage in final:
        if stage in at:
            at[stage] += 1
    out, running = {}, 0.0
    for stage in reversed(stages):
        running += at[stage]
        out[stage] = running
    return {stage: out[stage] for stage in stages}


def _journey_tally(journey: ast.Journey) -> JourneyTally:
    goals = [c.name.name for c in journey.clauses if isinstance(c, ast.Goal)]
    tally = JourneyTally(goals={g: GoalTally() for g in goals})
    for ref in walk_steps(journey):
        tally.steps[ref.id] = StepTally()
        if isinstance(ref.step, ast.Split):
            tally.arms[ref.step.name.name] = {
                arm.name.name: ArmTally(goals={g: GoalTally() for g in goals})
                for arm in ref.step.arms}
    return tally

"""Expected counts of every trajectory, shifted to their arrival days, as one `Tally`.

Friends arriving on day d behave like those arriving on day 0, d days later (the playbook
repeats daily, or weekly when it names weekdays), so one trajectory of the arrivals of every
step of the period serves every period; the horizon cuts each copy at its own point. Goal rates count only
entries whose goal window ended inside the horizon (`GoalTally.eligible`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulator.counting import tally_of
from simulator.exact_batches import batch_counts
from simulator.exact_model import ExactModel
from simulator.exact_propagate import Recorder
from simulator.results import StaffTally, Tally
from sopdsl.builtins import MINUTES_PER_DAY


@dataclass
class Trajectory:
    """Expected counts per customer of the cohorts followed in one flow (the stock, or the
    arrivals of each step of the playbook's period), copied to every shift."""

    recorder: Recorder
    shifts: list[int]  # grid steps each copy starts later than the computed one
    weight: float  # customers per copy and cohort
    _sums: dict[tuple, np.ndarray] = field(default_factory=dict)

    def cumulative(self, key: tuple) -> np.ndarray | None:
        """Running totals of a series (None when nothing was counted)."""
        if key not in self._sums:
            series = self.recorder.series.get(key)
            self._sums[key] = None if series is None else np.cumsum(series)
        return self._sums[key]


class Totals:
    """Sums over trajectories and their copies, cut at the horizon."""

    def __init__(self, model: ExactModel, trajectories: list[Trajectory]) -> None:
        self.model, self.trajectories = model, trajectories
        self.last = model.horizon_steps
        self.days = math.ceil(model.scenario.horizon_minutes / MINUTES_PER_DAY)
        # Staff actions of batched sends, already laid on the horizon's steps.
        self.batches = batch_counts(model, trajectories).series
        self._keys = {key for t in trajectories for key in t.recorder.series} | set(self.batches)

    def keys(self) -> set[tuple]:
        """Every figure some trajectory counted."""
        return self._keys

    def total(self, key: tuple, last: int | None = None) -> float:
        """Everything counted up to step `last` of every copy (default: the horizon)."""
        last = self.last if last is None else last
        extra = self.batches.get(key)
        found = 0.0 if extra is None else float(extra[: last + 1].sum())
        for t in self.trajectories:
            sums = t.cumulative(key)
            if sums is not None:
                found += t.weight * sum(sums[last - s] for s in t.shifts if last - s >= 0)
        return found

    def eligible(self, key: tuple, within: int) -> float:
        """Counted by entry step, only for entries whose window of `within` minutes ended."""
        return self.total(key, math.floor((self.model.scenario.horizon_minutes - within)
                                          / self.model.dt + 1e-9))

    def absolute(self, key: tuple) -> np.ndarray:
        """The series of every copy laid on the horizon's own steps."""
        extra = self.batches.get(key)
        out = np.zeros(self.last + 1) if extra is None else extra.copy()
        for t in self.trajectories:
            series = t.recorder.series.get(key)
            if series is None:
                continue
            for s in t.shifts:
                out[s:] += t.weight * series[: self.last + 1 - s]
        return out

    def daily(self, key: tuple) -> list[float]:
        """Per calendar day of the horizon (a step belongs to the day its interval ends in)."""
        steps = self.absolute(key)
        days = np.zeros(self.days)
        index = np.maximum(np.arange(len(steps)) - 1, 0) // self.model.steps_per_day
        np.add.at(days, np.minimum(index, self.days - 1), steps)
        return days.tolist()


def assemble(model: ExactModel, totals: Totals, stock: float, arrivals: float) -> Tally:
    """The tally of a forecast from the totals of its trajectories."""
    scenario = model.scenario
    # Arms' spend is left out: it needs each entry's purchases inside its window, which the
    # exact forecaster's states do not carry.
    tally = tally_of(model.program, scenario, totals, stock + arrivals, arrivals, spend=False)
    tally.seed = None
    tally.funnel = _funnel(model, totals)
    tally.purchasers = totals.total(("purchasers",))
    tally.gmv = tally.purchases * model.value
    tally.staff = {role: _staff(model, totals, role) for role in scenario.staff}
    tally.daily.backlog = {role: _backlog(model, totals, role)[::model.steps_per_day][1:].tolist()
                           for role in scenario.staff}
    return tally


def _funnel(model: ExactModel, totals: Totals) -> dict[str, float]:
    stages = model.program.settings.stages
    counts = [totals.total(("stage", stage)) for stage in stages]
    return {stage: float(sum(counts[i:])) for i, stage in enumerate(stages)}


def _staff(model: ExactModel, totals: Totals, role: str) -> StaffTally:
    staff = model.scenario.staff[role]
    done = totals.total(("done", role))
    per_task = staff.hours.length_minutes / staff.capacity_per_day \
        if staff.capacity_per_day else 0.0
    never = totals.total(("tasks_undated", role)) - totals.total(("done_undated", role))
    overdue = totals.total(("sla_overdue", role))  # past their due time, not done since
    return StaffTally(
        tasks=totals.total(("tasks", role)), done=done,
        expired=totals.total(("expired", role)) + never + overdue,
        on_time=totals.total(("sla_on_time", role)), late=totals.total(("sla_late", role)),
        missed=overdue,
        busy_minutes=done * per_task,
        available_minutes=staff.count * model.working_minutes(
            role, 0, model.scenario.horizon_minutes),
        max_backlog=float(_backlog(model, totals, role).max(initial=0.0)))


def _backlog(model: ExactModel, totals: Totals, role: str) -> np.ndarray:
    """Open work of a role after each step: created, less done, less expired."""
    change = totals.absolute(("tasks", role)) - totals.absolute(("done", role)) \
        - totals.absolute(("expired", role))
    return np.cumsum(change)

"""What the forecasters count: the one mapping from interpreter effects and customers'
responses to tally figures, and the one way from those figures to a `Tally`.

A figure is a key such as `("sends",)` or `("step_sent", journey, step)`, counted at a moment:
the effect's own, or for the figures goal rates read the run's entry, since a rate counts only
entries whose goal window ended inside the horizon. The engine adds whole counts as they
happen (`SampledCounts`); the exact forecaster adds expected counts per grid step
(`simulator.exact_tally.Totals`). Both answer the same three questions (`CountTotals`), and
`tally_of` reads every definition of `simulator.results` from them in one place.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from typing import Protocol

from simulator.results import ArmTally, DailySeries, GoalTally, JourneyTally, StepTally, Tally
from sopdsl.checker.program import Program
from sopdsl.runtime.effects import Effect
from sopdsl.scenario.model import Scenario
from sopdsl.syntax import ast
from sopdsl.syntax.step_ids import walk_steps

Key = tuple
Mark = tuple[str, str, str]  # a split arm a run went through: (journey, split, arm)
Count = tuple[Key, float | None]  # a figure and its moment (None: the effect's own)
# Figures counted together at one moment: each figure's running total (a one-element list) and
# its day series (None: counted in total only).
Plan = tuple[tuple[list[float], list[float] | None], ...]
# Figures counted per simulated day as well as in total.
DAILY = ("sends", "delivered", "clicks", "purchases", "unfriends")
# Figures counted at the run's entry: a goal rate reads them up to the horizon less its window.
BY_ENTRY = frozenset(("entered", "arm_entry", "reached_by_entry", "arm_reached_by_entry",
                      "arm_spend"))
# The kinds of effect whose counting reads or changes the customer's runs' entries and arms;
# `effect_counts` of any other kind touches neither.
READS_RUNS = frozenset(("entered", "arm_chosen", "goal_reached", "milestone_reached", "exited",
                        "completed"))


def effect_counts(e: Effect, entered_at: dict[str, float], arms: list[Mark]) -> list[Count]:
    """The figures one interpreter effect counts. `entered_at` (journey -> entry time of the
    customer's run) and `arms` (the runs' split arms) are the customer's, kept up to date."""
    kind, journey = e.kind, e.journey
    if kind == "send_requested":
        return [(("sends",), None), (("step_sent", journey, e.step), None)]
    if kind == "send_delivered":
        return [(("delivered",), None), (("step_delivered", journey, e.step), None)]
    if kind == "send_dropped":
        return [(("dropped", e.reason), None)]
    if kind == "entered":
        entered_at[journey] = e.time
        _end_arms(arms, journey)
        return [(("entered", journey), None)]
    if kind == "arm_chosen":
        where = (journey, e.split, e.arm)
        arms.append(where)
        return [(("arm", *where), None), (("arm_entry", *where), entered_at[journey])]
    if kind == "goal_reached":
        found = _reached(journey, e.goal, entered_at.pop(journey), arms)
        _end_arms(arms, journey)
        return found
    if kind == "milestone_reached":  # like a goal, but the run goes on
        return _reached(journey, e.goal, entered_at[journey], arms)
    if kind in ("exited", "completed"):
        entered_at.pop(journey, None)
        _end_arms(arms, journey)
        return [((kind, journey), None)]
    return []


def _reached(journey: str, goal: str, entry: float, arms: list[Mark]) -> list[Count]:
    """A goal or milestone reached by a run that entered at `entry`, and by its split arms."""
    found: list[Count] = [(("reached", journey, goal), None),
                          (("reached_by_entry", journey, goal), entry)]
    for name, split, arm in arms:
        if name == journey:
            found += [(("arm_reached", name, split, arm, goal), None),
                      (("arm_reached_by_entry", name, split, arm, goal), entry)]
    return found


def spend_window(journey: ast.Journey) -> float | None:
    """Minutes from a run's entry to the end of its split arms' spend window: the journey's
    longest goal window, so spend is measured on the entries conversion is (None: a journey
    without goals, whose arms' spend runs to the horizon)."""
    windows = [goal.within.minutes for goal in _goals(journey)]
    return max(windows) if windows else None


class ArmSpend:
    """Each customer's split arms inside their spend window: a purchase after the arm was
    chosen and by the window's end counts as the arm's spend, at its run's entry (so it is
    measured on the entries goal rates are)."""

    def __init__(self, program: Program) -> None:
        self.windows = {name: spend_window(journey) for name, journey in program.journeys.items()}
        # customer -> (journey, split, arm), run entry, moment chosen, window end
        self.open: dict[int, list[tuple[Mark, float, float, float]]] = {}

    def chosen(self, customer: int, counted: list[Count], now: float) -> None:
        """Open the window of the arm an `arm_chosen` effect counted (`counted`) at `now`."""
        for key, entry in counted:
            if key[0] == "arm_entry" and entry is not None:
                within = self.windows[key[1]]
                end = math.inf if within is None else entry + within
                self.open.setdefault(customer, []).append((key[1:], entry, now, end))

    def purchased(self, customer: int, at: float) -> list[tuple[Key, float]]:
        """The spend figures a purchase at `at` counts and the moments they count at (purchases
        come in time order: windows that ended before are closed)."""
        windows = self.open.get(customer)
        if not windows:
            return []
        windows[:] = [window for window in windows if window[3] >= at]
        if not windows:
            del self.open[customer]
        # The purchase that made the run choose its arm is not the arm's doing.
        return [(("arm_spend", *mark), entry) for mark, entry, chosen, _ in windows
                if chosen < at]


def step_reached(journey: str, step: str) -> Key:
    """The figure of a run reaching a step."""
    return ("step_reached", journey, step)


def response_counts(journey: str | None, step: str | None, opened: float, clicked: float,
                    replied: float, unfriended: float) -> list[tuple[Key, float]]:
    """The figures a response to a delivered message counts, each by how much: 1 or 0 for a
    drawn response, its chance for an expected one (clicked and replied include the open)."""
    return [(("step_opened", journey, step), opened), (("step_clicked", journey, step), clicked),
            (("clicks",), clicked), (("interactions",), clicked + replied),
            (("unfriends",), unfriended)]


def _end_arms(arms: list[Mark], journey: str) -> None:
    arms[:] = [mark for mark in arms if mark[0] != journey]


class CountTotals(Protocol):
    """The figures of one forecast, as a tally reads them."""

    def keys(self) -> Iterable[Key]: ...

    def total(self, key: Key) -> float: ...

    def eligible(self, key: Key, within: float) -> float: ...

    def daily(self, key: Key) -> list[float]: ...


class SampledCounts:
    """Whole counts of one replication: by figure, per simulated day, and by entry window."""

    def __init__(self, program: Program, horizon: float, day_starts: list[float]) -> None:
        self.horizon, self.day_starts = horizon, day_starts
        # Each figure's total as a one-element list, so that a plan adds to it without a lookup.
        self.cells: dict[Key, list[float]] = {}
        self.days = {name: [0.0] * len(day_starts) for name in DAILY}
        self.windows = {name: sorted({goal.within.minutes for goal in _goals(journey)})
                        for name, journey in program.journeys.items()}
        self.by_entry: dict[tuple[Key, float], float] = {}

    @property
    def totals(self) -> dict[Key, float]:
        """Every figure counted so far (planned ones included) and its total."""
        return {key: cell[0] for key, cell in self.cells.items()}

    def add(self, key: Key, at: float, amount: float = 1.0) -> None:
        """Count `amount` of a figure at moment `at`."""
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = [0.0]
        cell[0] += amount
        name = key[0]
        if name in self.days:
            self.days[name][bisect.bisect_right(self.day_starts, at) - 1] += amount
        elif name in BY_ENTRY and at >= 0:  # a real customer's run entered before the start
            # is not among the entries whose goal rates the window measures
            for within in self.windows[key[1]]:
                if at + within <= self.horizon:
                    found = (key, within)
                    self.by_entry[found] = self.by_entry.get(found, 0.0) + amount

    def plan(self, keys: Sequence[Key]) -> Plan:
        """Figures counted together by `add_planned` (each counted, at 0, from now on): none
        may be counted by entry."""
        assert not any(key[0] in BY_ENTRY for key in keys)
        cells = self.cells
        return tuple((cells.setdefault(key, [0.0]), self.days.get(key[0])) for key in keys)

    def add_planned(self, plan: Plan, at: float, times: float = 1.0) -> None:
        """Count `times` of each planned figure at moment `at` (the totals and day series `add`
        would reach, in the same order)."""
        for cell, days in plan:
            cell[0] += times
            if days is not None:
                days[bisect.bisect_right(self.day_starts, at) - 1] += times

    def keys(self) -> Iterable[Key]:
        return self.cells.keys()

    def total(self, key: Key) -> float:
        cell = self.cells.get(key)
        return 0.0 if cell is None else cell[0]

    def eligible(self, key: Key, within: float) -> float:
        return self.by_entry.get((key, within), 0.0)

    def daily(self, key: Key) -> list[float]:
        return self.days[key[0]]


def tally_of(program: Program, scenario: Scenario, totals: CountTotals, customers: float,
             arrivals: float, spend: bool = True) -> Tally:
    """The tally of what was counted: journeys, goals, steps, split arms (their spend unless
    not `spend`: a forecaster that does not count it), sends, drops, responses, purchases and
    their daily series, and the cost. Staff, the funnel, purchasers and GMV are each
    forecaster's own to add."""
    delivered = totals.total(("delivered",))
    tally = Tally(
        customers=customers, arrivals=arrivals,
        journeys={name: _journey(totals, journey, spend)
                  for name, journey in program.journeys.items()},
        sends=totals.total(("sends",)), delivered=delivered,
        dropped={key[1]: totals.total(key) for key in sorted(totals.keys())
                 if key[0] == "dropped"},
        interactions=totals.total(("interactions",)), purchases=totals.total(("purchases",)),
        unfriends=totals.total(("unfriends",)),
        cost=scenario.cost.per_arrival * arrivals + scenario.cost.per_send * delivered)
    tally.daily = DailySeries(**{name: totals.daily((name,)) for name in DAILY})
    return tally


def step_channel(step: ast.Step) -> str | None:
    """The channel of a send step (None for other steps)."""
    return step.channel.name if isinstance(step, ast.Send) else None


def _goals(journey: ast.Journey) -> list[ast.Goal]:
    return [clause for clause in journey.clauses if isinstance(clause, ast.Goal)]


def _journey(totals: CountTotals, journey: ast.Journey, spend: bool) -> JourneyTally:
    name = journey.name.name
    goals = [(goal.name.name, goal.within.minutes) for goal in _goals(journey)]
    tally = JourneyTally(
        entered=totals.total(("entered", name)), completed=totals.total(("completed", name)),
        exited=totals.total(("exited", name)))
    for goal, within in goals:
        tally.goals[goal] = GoalTally(
            reached=totals.total(("reached", name, goal)),
            eligible=totals.eligible(("entered", name), within),
            reached_eligible=totals.eligible(("reached_by_entry", name, goal), within))
    for ref in walk_steps(journey):
        sid = ref.id
        tally.steps[sid] = StepTally(step_channel(ref.step), *(
            totals.total((what, name, sid)) for what in (
                "step_reached", "step_sent", "step_delivered", "step_opened", "step_clicked",
                "step_actions", "step_groups", "step_customers")))
        if isinstance(ref.step, ast.Split):
            split = ref.step.name.name
            window = spend_window(journey)
            tally.arms[split] = {arm.name.name: _arm(totals, (name, split, arm.name.name), goals,
                                                     spend, window)
                                 for arm in ref.step.arms}
    return tally


def _arm(totals: CountTotals, where: Mark, goals: list[tuple[str, float]], spend: bool,
         window: float | None) -> ArmTally:
    """An arm's figures; with `spend`, its spend over `window` (None: to the horizon, every
    entry)."""
    tally = ArmTally(entered=totals.total(("arm", *where)))
    if spend and window is None:
        tally.spend, tally.measured = totals.total(("arm_spend", *where)), tally.entered
    elif spend and window is not None:
        tally.spend = totals.eligible(("arm_spend", *where), window)
        tally.measured = totals.eligible(("arm_entry", *where), window)
    for goal, within in goals:
        tally.goals[goal] = GoalTally(
            reached=totals.total(("arm_reached", *where, goal)),
            eligible=totals.eligible(("arm_entry", *where), within),
            reached_eligible=totals.eligible(("arm_reached_by_entry", *where, goal), within))
    return tally


def stage_funnel(stages: tuple[str, ...], final: Iterable[str | None]) -> dict[str, float]:
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

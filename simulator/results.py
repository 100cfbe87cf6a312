"""What one forecast of a playbook counts: the contract between engines and reports.

A Monte Carlo replication fills a `Tally` with whole counts; the exact forecaster fills one with
expected counts. Reports aggregate tallies into means and 95% intervals, so both methods share
every definition below (and `docs/simulation.md` explains them to operators).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class GoalTally:
    """A goal's reach; `eligible` entries are those whose goal window ended inside the horizon."""

    reached: float = 0.0  # every entry that reached the goal
    eligible: float = 0.0  # entries whose window (entry + within) ended by the horizon
    reached_eligible: float = 0.0  # of those, the ones that reached it

    @property
    def rate(self) -> float:
        """Share of eligible entries that reached the goal (0 when none were eligible)."""
        return self.reached_eligible / self.eligible if self.eligible else 0.0


@dataclass
class StepTally:
    """How often a step ran, and for sends what became of them."""

    channel: str | None = None  # for sends: the channel (not a count)
    reached: float = 0.0  # runs that executed the step
    sent: float = 0.0  # sends asked for (send steps only)
    delivered: float = 0.0  # sends that reached the customer
    opened: float = 0.0
    clicked: float = 0.0
    # Staff actions for the step's sends: one per mass send or moments post, whatever its reach;
    # one per customer for `chat`; none for automatic channels.
    actions: float = 0.0


@dataclass
class ArmTally:
    """One split arm: how many entered it and how its entries did on each goal."""

    entered: float = 0.0
    goals: dict[str, GoalTally] = field(default_factory=dict)


@dataclass
class JourneyTally:
    """One journey's entries, endings, goals, steps (by stable step id) and split arms."""

    entered: float = 0.0
    completed: float = 0.0  # runs that finished their steps (and goal windows) without a goal
    exited: float = 0.0  # runs ended by `exit`, `exit on` or `exit when`
    goals: dict[str, GoalTally] = field(default_factory=dict)
    steps: dict[str, StepTally] = field(default_factory=dict)
    arms: dict[str, dict[str, ArmTally]] = field(default_factory=dict)  # split -> arm -> tally


@dataclass
class StaffTally:
    """One staff role's workload over the horizon."""

    tasks: float = 0.0  # staff actions for sends (a mass send or post counts once) and tasks
    done: float = 0.0
    expired: float = 0.0  # never done: dropped at their due time or abandoned, or still open
    # at the horizon when undated or past their due time
    busy_minutes: float = 0.0
    available_minutes: float = 0.0  # members x working minutes in the horizon
    max_backlog: float = 0.0  # the most open items at any moment
    # Tasks with a due time (their SLA): done by it, done after it, and not done by the horizon
    # although it passed (dropped, abandoned, or still open).
    on_time: float = 0.0
    late: float = 0.0
    missed: float = 0.0
    abandoned: float = 0.0  # tasks dropped because the role's `patience` ran out

    @property
    def sla_hit_rate(self) -> float:
        """Share of the tasks with a due time, decided in the horizon, done by it (0 when
        there were none, like the goal rate)."""
        decided = self.on_time + self.late + self.missed
        return self.on_time / decided if decided else 0.0

    @property
    def utilisation(self) -> float:
        """Share of the role's working time spent on work."""
        return self.busy_minutes / self.available_minutes if self.available_minutes else 0.0


@dataclass
class DailySeries:
    """Per-day counts over the horizon (index 0 is the first simulated day)."""

    sends: list[float] = field(default_factory=list)
    delivered: list[float] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    purchases: list[float] = field(default_factory=list)
    unfriends: list[float] = field(default_factory=list)
    backlog: dict[str, list[float]] = field(default_factory=dict)  # role -> open items at day end


@dataclass
class Tally:
    """Everything one replication (or one exact forecast) counts."""

    seed: int | None = None
    customers: float = 0.0  # the stock at start plus every arrival
    arrivals: float = 0.0
    journeys: dict[str, JourneyTally] = field(default_factory=dict)
    funnel: dict[str, float] = field(default_factory=dict)  # stage -> customers at or past it at the end
    sends: float = 0.0  # customer-facing sends asked for
    delivered: float = 0.0
    dropped: dict[str, float] = field(default_factory=dict)  # reason -> sends not delivered
    interactions: float = 0.0  # clicks plus replies on delivered sends
    purchases: float = 0.0
    purchasers: float = 0.0  # customers with at least one purchase in the horizon
    gmv: float = 0.0
    unfriends: float = 0.0
    cost: float = 0.0  # per-arrival plus per-send cost from the scenario
    staff: dict[str, StaffTally] = field(default_factory=dict)
    daily: DailySeries = field(default_factory=DailySeries)
    notes: list[str] = field(default_factory=list)  # what the reader should know, in words

    def kpis(self) -> dict[str, float]:
        """The headline figures, each defined once here."""
        tasks = sum(s.tasks for s in self.staff.values())
        done = sum(s.done for s in self.staff.values())
        return {
            "task_completion_rate": _ratio(done, tasks),
            "interaction_rate": _ratio(self.interactions, self.delivered),
            "purchase_rate": _ratio(self.purchasers, self.customers),
            "unfriend_rate": _ratio(self.unfriends, self.customers),
            "gmv": self.gmv,
            "aov": _ratio(self.gmv, self.purchases),
            "revenue_per_customer": _ratio(self.gmv, self.customers),
            "cac": _ratio(self.cost, self.purchasers),
            "roi": _ratio(self.gmv - self.cost, self.cost),
        }

    def to_dict(self) -> dict:
        """Plain data (for process pools, Dask and JSON)."""
        return asdict(self)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0

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
    def rate(self) -> float | None:
        """Share of eligible entries that reached the goal (None when none were eligible)."""
        return ratio(self.reached_eligible, self.eligible)


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
    # Group steps: the distinct groups their posts went to and customers they reached.
    groups: float = 0.0
    customers: float = 0.0


@dataclass
class ArmTally:
    """One split arm: how many entered it, how its entries did on each goal, and what they spent.

    An entry's spend is the value of the customer's purchases after the arm was chosen until
    the journey's spend window ends (`simulator.counting.spend_window`); like goal rates it is
    measured on the entries whose window ended inside the horizon."""

    entered: float = 0.0
    goals: dict[str, GoalTally] = field(default_factory=dict)
    spend: float | None = None  # the measured entries' spend (None: not forecast, exact)
    measured: float | None = None  # entries whose spend window ended inside the horizon

    @property
    def spend_per_entry(self) -> float | None:
        """Mean spend of a measured entry (None when none was measured or spend is not forecast)."""
        return None if self.spend is None or self.measured is None \
            else ratio(self.spend, self.measured)


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
    def sla_hit_rate(self) -> float | None:
        """Share of the tasks with a due time, decided in the horizon, done by it (None when
        there were none)."""
        return ratio(self.on_time, self.on_time + self.late + self.missed)

    @property
    def utilisation(self) -> float | None:
        """Share of the role's working time spent on work (None without working time)."""
        return ratio(self.busy_minutes, self.available_minutes)


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
    # journey -> goal -> times the goal's events happened to any customer, in a run or not
    # (Monte Carlo only: what a baseline without the playbook is compared on)
    goal_events: dict[str, dict[str, float]] = field(default_factory=dict)
    # From real customers: their purchases by how often they bought before the start
    # ("0" to "7+" repeat purchases; `simulator.real_base.frequency_segments`).
    segments: dict[str, float] = field(default_factory=dict)

    def kpis(self) -> dict[str, float | None]:
        """The headline figures, each defined once here (a ratio of nothing is None)."""
        tasks = sum(s.tasks for s in self.staff.values())
        done = sum(s.done for s in self.staff.values())
        return {
            "task_completion_rate": ratio(done, tasks),
            "interaction_rate": ratio(self.interactions, self.delivered),
            "purchase_rate": ratio(self.purchasers, self.customers),
            "unfriend_rate": ratio(self.unfriends, self.customers),
            "gmv": self.gmv,
            "aov": ratio(self.gmv, self.purchases),
            "revenue_per_customer": ratio(self.gmv, self.customers),
            "cac": ratio(self.cost, self.purchasers),
            "roi": roi(self.gmv, self.cost),
        }

    def to_dict(self) -> dict:
        """Plain data (for process pools, Dask and JSON)."""
        return asdict(self)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator; None when there is nothing to divide by (nothing eligible),
    which reports show as null and "n/a", never as 0."""
    return numerator / denominator if denominator else None


def roi(gain: float, cost: float) -> float | None:
    """Return on `cost` of revenue `gain`: (gain - cost) / cost; None without cost."""
    return ratio(gain - cost, cost)

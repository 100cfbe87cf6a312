"""The effective scenario: every simulation assumption, defaults applied, as pydantic models.

A `Scenario` is what the simulator runs with. It is complete (nothing is left to
guess) and JSON-serialisable; durations are minutes, probabilities fractions (0.7 for 70%),
rates per day. `sopdsl scenario show` prints it; docs/scenarios.md explains every field.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.syntax import ast
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.joint import JointLognormal

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Minutes = Annotated[int, Field(gt=0)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]

# The behaviours a multiplier can scale (purposes, fatigue, effects); docs/scenarios.md.
MULTIPLIER_KEYS = ("open", "click", "reply", "unfriend", "purchase")
# Events whose behaviour other blocks describe: arrivals, channels, purchases, staff work.
OWN_BEHAVIOUR = frozenset((
    "friend_added", "friend_deleted", "delivered", "open", "click", "reply", "purchase",
    "task_done",
))
# Shares that should add up to 1 may be off by rounding in the source.
SHARE_TOLERANCE = 1e-6


class ScenarioModel(BaseModel):
    """Base of the scenario models: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Multipliers(ScenarioModel):
    """Factors on the base behaviour where a purpose, fatigue rule or effect applies."""

    open: NonNegative = 1.0
    click: NonNegative = 1.0
    reply: NonNegative = 1.0
    unfriend: NonNegative = 1.0
    purchase: NonNegative = 1.0  # both the daily and the after-click purchase chance


class DistributionAttribute(ScenarioModel):
    """A number attribute drawn from a (possibly truncated) distribution."""

    kind: Literal["distribution"] = "distribution"
    distribution: Distribution


class CalendarAttribute(ScenarioModel):
    """A date attribute whose day of the year is uniform over the calendar (`birthday: uniform`)."""

    kind: Literal["calendar"] = "calendar"


class DateRangeAttribute(ScenarioModel):
    """A date attribute uniform over a range of days, both included (`uniform(2026-01-01,
    2026-06-30)`)."""

    kind: Literal["date_range"] = "date_range"
    first: dt.date
    last: dt.date


class AgeAttribute(ScenarioModel):
    """A date attribute a drawn number of whole days before the start (`exponential(90d)`):
    a distribution of ages; an age below zero is the start itself."""

    kind: Literal["age"] = "age"
    age: Distribution


class ValueShare(ScenarioModel):
    """One value of an attribute and the share of customers who have it."""

    value: Union[bool, float, str]
    share: Probability


class SharesAttribute(ScenarioModel):
    """An attribute drawn from listed values with their shares (adding up to 100%)."""

    kind: Literal["shares"] = "shares"
    shares: list[ValueShare]

    @model_validator(mode="after")
    def _adds_up(self) -> SharesAttribute:
        if abs(sum(s.share for s in self.shares) - 1) > SHARE_TOLERANCE:
            raise ValueError("shares must add up to 100%")
        return self


AttributeModel = Annotated[
    Union[DistributionAttribute, CalendarAttribute, SharesAttribute, DateRangeAttribute,
          AgeAttribute], Field(discriminator="kind")
]


class HistorySpec(ScenarioModel):
    """Past events per customer at the start: how many, spread uniformly over `within`."""

    count: Distribution
    within_minutes: Minutes


class PopulationSpec(ScenarioModel):
    """Customers in the private domain at the start, and the friends who arrive later."""

    size: Annotated[int, Field(ge=0)]
    arrivals_per_day: NonNegative
    owner: str | None  # the role whose members own customers, round-robin
    attributes: dict[str, AttributeModel]
    tags: dict[str, Probability]
    stages: dict[str, Probability]
    history: dict[str, HistorySpec]

    @model_validator(mode="after")
    def _stages_add_up(self) -> PopulationSpec:
        if self.stages and abs(sum(self.stages.values()) - 1) > SHARE_TOLERANCE:
            raise ValueError("stage shares must add up to 100%")
        return self


class Hours(ScenarioModel):
    """A staff working window `start`-`end`; it wraps past midnight when end <= start."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> Hours:
        if self.start == self.end:
            raise ValueError("working hours of zero length")
        return self

    @property
    def start_minute(self) -> int:
        return _minute_of_day(self.start)

    @property
    def end_minute(self) -> int:
        return _minute_of_day(self.end)

    @property
    def length_minutes(self) -> int:
        """The working time per day."""
        return (self.end_minute - self.start_minute) % MINUTES_PER_DAY


class Staff(ScenarioModel):
    """The members of one role and how they work through their tasks."""

    count: Annotated[int, Field(ge=0)]
    capacity_per_day: NonNegative  # tasks one member does in a working day when busy all day
    completion: Probability  # chance a task is ever done
    delay: Distribution  # minutes from a task's creation until its member gets to it
    hours: Hours
    # Minutes from a task's creation after which it is abandoned when nobody has started it;
    # None: late tasks wait until they are done.
    patience: Distribution | None = None
    # The chance an escalation's `remind` gets the member to the task at once (also a task
    # they would never have done).
    reminder: Probability = 0.5


class Channel(ScenarioModel):
    """How customers respond to a delivered message on one channel."""

    open: Probability
    click: Probability  # given open
    reply: Probability  # given open
    unfriend: Probability  # per delivered message
    delay: Distribution  # minutes from delivery to the response


class Drawn(ScenarioModel):
    """A value written as a distribution over it: drawn once per replication (parameter
    uncertainty), or once per customer (`per customer`: heterogeneity)."""

    distribution: Distribution  # truncated to the values the setting takes
    per_customer: bool = False


class BgNbd(ScenarioModel):
    """The BG/NBD purchase process (Fader, Hardie & Lee 2005): while active a customer buys as a
    Poisson process of rate lambda ~ Gamma(shape r, rate alpha) per `per_minutes`; after each
    purchase they drop out for good with probability p ~ Beta(a, b). Each customer draws both."""

    r: Positive
    alpha: Positive
    a: Positive
    b: Positive
    per_minutes: Minutes = MINUTES_PER_DAY  # the time unit of lambda (and of alpha)


class GammaGamma(ScenarioModel):
    """The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): each customer's
    nu ~ Gamma(shape q, rate gamma); each of their purchases is worth Gamma(shape p, rate nu)."""

    p: Positive
    q: Positive
    gamma: Positive

    @property
    def mean(self) -> float:
        """The population's mean purchase value p * gamma / (q - 1); infinite when q <= 1."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else math.inf


class Purchase(ScenarioModel):
    """Buying: a spontaneous daily chance (or the BG/NBD process), the chance a click converts,
    and the basket value (or the Gamma-Gamma model)."""

    daily: Probability  # 0 under `bgnbd`
    after_click: Probability
    within_minutes: Minutes  # the after-click purchase happens uniformly inside this window
    value: Distribution  # unused under `gamma_gamma`
    bgnbd: BgNbd | None = None
    gamma_gamma: GammaGamma | None = None

    @property
    def mean_value(self) -> float:
        """The mean value of one purchase."""
        return self.gamma_gamma.mean if self.gamma_gamma is not None else self.value.mean


class EventBehaviour(ScenarioModel):
    """How often an event with no behaviour of its own happens (`form_submitted { ... }`)."""

    daily: Probability = 0.0  # each customer's chance per day, message or not
    after_click: Probability = 0.0  # the chance a click on any message leads to it
    # After a click it happens uniformly inside this window.
    within_minutes: Minutes = 3 * MINUTES_PER_DAY


class FatigueRule(ScenarioModel):
    """Above `above` customer-facing sends in the window, these multipliers apply."""

    above: Annotated[int, Field(ge=0)]
    window_minutes: Minutes
    multipliers: Multipliers


class ScenarioEffect(ScenarioModel):
    """Multipliers for the customers an expression holds for (`effect vip { purchase x2.5 }`)."""

    condition: str  # the expression as written in the playbook
    multipliers: Multipliers
    # The expression itself, for the simulator; a playbook always has it, JSON leaves it out.
    expression: SkipJsonSchema[ast.Expr | None] = Field(default=None, exclude=True)


class Cost(ScenarioModel):
    """Money per new friend (acquisition) and per customer-facing send."""

    per_arrival: NonNegative
    per_send: NonNegative


class GroupsSpec(ScenarioModel):
    """The customer groups (客户群) at the start: who runs them, how many, how full."""

    owner: str | None  # the role whose members own the groups (the population's owner role)
    per_owner: Annotated[int, Field(ge=0)] | None = None  # groups each member of the role runs
    total: Annotated[int, Field(ge=0)] | None = None  # or this many groups, round-robin
    capacity: Annotated[int, Field(ge=1)] = 500  # members a group holds (WeCom's limit)
    members: Probability = 0.0  # the share of the stock in a group at the start

    @model_validator(mode="after")
    def _one_count(self) -> GroupsSpec:
        if self.per_owner is not None and self.total is not None:
            raise ValueError("give `per_owner` or `total`, not both")
        return self


class Scenario(ScenarioModel):
    """Every assumption a simulation runs with."""

    name: str
    declared_at: str | None = None  # file:line of the scenario block; None for the built-in
    start: dt.date
    horizon_minutes: Minutes
    replications: Annotated[int, Field(ge=1)]
    seed: Annotated[int, Field(ge=0)]
    population: PopulationSpec
    staff: dict[str, Staff]
    channels: dict[str, Channel]
    purposes: dict[str, Multipliers]
    purchase: Purchase
    fatigue: list[FatigueRule]
    effects: list[ScenarioEffect]
    cost: Cost
    # Events that follow no channel, purchase or staff behaviour, by name (docs/scenarios.md).
    events: dict[str, EventBehaviour] = Field(default_factory=dict)
    # The customer groups; None when the scenario describes none (docs/scenarios.md).
    groups: GroupsSpec | None = None
    # Values written as distributions, by where they are (`channels.sms.open`,
    # `purchase.bgnbd.r`); the fields above hold their means.
    drawn: dict[str, Drawn] = Field(default_factory=dict)
    # Latent models whose parameters are drawn together (`log_covariance`), by where they are
    # (`purchase.gamma_gamma`); their fields above hold the means of the allowed draws.
    drawn_jointly: dict[str, JointLognormal] = Field(default_factory=dict)

    def sampled(self, fraction: float) -> Scenario:
        """This scenario for `fraction` of its customers, staff alike: each role's members
        rounded (one at least) and their capacity set so the role's capacity is `fraction` of
        its whole; a `total` of customer groups scaled alike (one at least)."""
        if not 0 < fraction <= 1:
            raise ValueError("a sample is a fraction in (0, 1]")
        population = self.population.model_copy(update={
            "size": round(self.population.size * fraction),
            "arrivals_per_day": self.population.arrivals_per_day * fraction})
        staff = {}
        for role, spec in self.staff.items():
            members = max(1, round(spec.count * fraction)) if spec.count else 0
            per_member = (spec.capacity_per_day * spec.count * fraction / members
                          if members else spec.capacity_per_day)
            staff[role] = spec.model_copy(update={"count": members,
                                                  "capacity_per_day": per_member})
        groups = self.groups
        if groups is not None and groups.total:  # `per_owner` follows the scaled staff
            groups = groups.model_copy(update={"total": max(1, round(groups.total * fraction))})
        return self.model_copy(update={"population": population, "staff": staff,
                                       "groups": groups})

    def overridden(self, *, replications: int | None = None, seed: int | None = None,
                   customers: int | None = None) -> Scenario:
        """This scenario with a run's own replications, root seed or customers at the start
        (None keeps the scenario's)."""
        if (replications is not None and replications < 1) or (seed is not None and seed < 0) \
                or (customers is not None and customers < 0):
            raise ValueError("replications must be at least 1, seed and customers at least 0")
        update: dict[str, object] = {}
        if replications is not None:
            update["replications"] = replications
        if seed is not None:
            update["seed"] = seed
        if customers is not None:
            update["population"] = self.population.model_copy(update={"size": customers})
        return self.model_copy(update=update)



def _minute_of_day(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)

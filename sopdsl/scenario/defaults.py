"""The built-in default scenario: what a simulation assumes where a scenario says nothing.

Every number is explained in docs/scenarios.md ("The built-in default scenario"); change
both together. Parts depend on the playbook: its roles get staff, its first role owns
the customers, its first stage holds the stock, its enum attributes get equal shares.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from sopdsl.builtins import DEFAULT_STAFF_HOURS, DEFAULT_STAGES, MINUTES_PER_DAY
from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import (
    CalendarAttribute, Channel, Cost, DistributionAttribute, EventBehaviour, FatigueRule,
    HistorySpec, Hours, Multipliers, PopulationSpec, Purchase, Scenario, SharesAttribute, Staff,
    ValueShare,
)

if TYPE_CHECKING:
    from sopdsl.checker.program import Program

BUILTIN_NAME = "default"

HORIZON_MINUTES = 90 * MINUTES_PER_DAY
REPLICATIONS = 20
SEED = 42

POPULATION_SIZE = 10_000
ARRIVALS_PER_DAY = 50.0
BUILTIN_ATTRIBUTE_DEFAULTS = {
    "gender": SharesAttribute(shares=[ValueShare(value="female", share=0.6),
                                      ValueShare(value="male", share=0.4)]),
    "age": DistributionAttribute(
        distribution=Distribution(kind="normal", params=(32, 8), low=18, high=70)),
    "birthday": CalendarAttribute(),
}
PURCHASE_HISTORY = HistorySpec(count=Distribution(kind="poisson", params=(0.4,)),
                               within_minutes=365 * MINUTES_PER_DAY)

# Customers per member of the owning role at the start; other roles get a fixed team.
CUSTOMERS_PER_OWNER = 400
OTHER_ROLE_MEMBERS = 5
STAFF_WORK = {
    "capacity_per_day": 60.0,
    "completion": 0.85,
    "delay": Distribution(kind="exponential", params=(120,), unit="minutes"),
    "hours": Hours(start=DEFAULT_STAFF_HOURS[0], end=DEFAULT_STAFF_HOURS[1]),
}


def _channel(open_: float, click: float, reply: float, unfriend: float,
             delay_minutes: float) -> Channel:
    delay = Distribution(kind="exponential", params=(delay_minutes,), unit="minutes")
    return Channel(open=open_, click=click, reply=reply, unfriend=unfriend, delay=delay)


CHANNEL_DEFAULTS = {
    "welcome": _channel(0.90, 0.20, 0.15, 0.001, 10),
    "private_chat": _channel(0.45, 0.15, 0.08, 0.003, 120),
    "chat": _channel(0.60, 0.18, 0.20, 0.002, 90),
    "group": _channel(0.30, 0.04, 0.01, 0.001, 240),
    "moments": _channel(0.20, 0.03, 0.005, 0.0, 360),
    "sms": _channel(0.35, 0.015, 0.002, 0.0, 60),
    "email": _channel(0.18, 0.02, 0.001, 0.0, 720),
}
PURPOSE_DEFAULTS = {
    "awareness": Multipliers(purchase=0.8),
    "nurture": Multipliers(reply=1.2),
    "choice": Multipliers(click=1.2, purchase=1.5),
    "advocacy": Multipliers(reply=1.3, purchase=1.2),
}
PURCHASE = Purchase(
    daily=0.001, after_click=0.06, within_minutes=3 * MINUTES_PER_DAY,
    value=Distribution(kind="lognormal", params=(200, 0.7)),
)
FATIGUE = [
    FatigueRule(above=3, window_minutes=7 * MINUTES_PER_DAY,
                multipliers=Multipliers(open=0.8, unfriend=2)),
    FatigueRule(above=6, window_minutes=7 * MINUTES_PER_DAY,
                multipliers=Multipliers(open=0.6, unfriend=4)),
]
COST = Cost(per_arrival=20, per_send=0.02)
# Built-in events that get a behaviour without a scenario saying so; others never happen.
EVENT_DEFAULTS = {
    "form_submitted": EventBehaviour(after_click=0.2, within_minutes=MINUTES_PER_DAY),
    "store_visit": EventBehaviour(daily=0.005, after_click=0.02,
                                  within_minutes=3 * MINUTES_PER_DAY),
}


def builtin_scenario(program: Program | None = None, *, today: dt.date | None = None) -> Scenario:
    """The built-in default scenario, fitted to the playbook's roles, stages and attributes."""
    values = default_values(program, today=today)
    population = values["population"]
    values["staff"] = {
        role: default_staff(role, population["size"], population["owner"])
        for role in _roles(program)
    }
    return Scenario.model_validate(values)


def default_values(program: Program | None = None, *, today: dt.date | None = None) -> dict:
    """The built-in default as plain data, without staff (they depend on the final population)."""
    roles = _roles(program)
    stages = program.settings.stages if program else DEFAULT_STAGES
    population = PopulationSpec(
        size=POPULATION_SIZE,
        arrivals_per_day=ARRIVALS_PER_DAY,
        owner=roles[0] if roles else None,
        attributes={**BUILTIN_ATTRIBUTE_DEFAULTS, **_enum_attributes(program)},
        tags={},
        stages={stages[0]: 1.0} if stages else {},
        history={"purchase": PURCHASE_HISTORY},
    )
    scenario = {
        "name": BUILTIN_NAME,
        "start": today or dt.date.today(),
        "horizon_minutes": HORIZON_MINUTES,
        "replications": REPLICATIONS,
        "seed": SEED,
        "population": population,
        "channels": CHANNEL_DEFAULTS,
        "purposes": PURPOSE_DEFAULTS,
        "purchase": PURCHASE,
        "fatigue": FATIGUE,
        "effects": [],
        "cost": COST,
        "events": EVENT_DEFAULTS,
    }
    return {key: _plain(value) for key, value in scenario.items()}


def default_staff(role: str, population_size: int, owner: str | None) -> dict:
    """Staff defaults for a role the scenario does not staff, as plain data."""
    if role == owner:
        count = max(1, math.ceil(population_size / CUSTOMERS_PER_OWNER))
    else:
        count = OTHER_ROLE_MEMBERS
    return _plain(Staff(count=count, **STAFF_WORK))


def _roles(program: Program | None) -> list[str]:
    return list(program.roles) if program else []


def _enum_attributes(program: Program | None) -> dict[str, SharesAttribute]:
    if program is None:
        return {}
    return {
        info.name: SharesAttribute(shares=[
            ValueShare(value=value, share=1 / len(info.values)) for value in info.values
        ])
        for info in program.attributes.values()
        if info.type == "enum" and info.values
    }


def _plain(value: object) -> object:
    """Models as dicts (shallow containers of models too), ready to merge and revalidate."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return value

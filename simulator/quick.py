"""Quick forecasts: a sample of the customers with staff scaled alike, counts scaled back.

Rates need far fewer customers than a whole population to be known well, so a what-if can be
answered while the operator waits. Counts (sends, purchases, GMV, staff work) are the sample's
times the inverse of the fraction; rates are the sample's. What the sample cannot show is how
work queues at full scale: fewer members with fewer customers each do not wait in line the same
way, and mass sends reach fewer customers each. The report says so.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from simulator.results import Tally
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.scenario.model import Scenario

# Customers (stock and arrivals) a quick forecast simulates: rates within about a percentage
# point for events that happen to a few percent of customers, over its replications.
QUICK_CUSTOMERS = 2_000
# Fields that are not counts: they are not scaled.
_NOT_COUNTS = frozenset(("seed", "channel", "notes"))

T = TypeVar("T")


def sample_fraction(scenario: Scenario, customers: int = QUICK_CUSTOMERS) -> float:
    """The share of the scenario's customers a quick forecast simulates (1: all of them)."""
    population = scenario.population
    whole = population.size + population.arrivals_per_day * scenario.horizon_minutes / \
        MINUTES_PER_DAY
    return min(1.0, customers / whole) if whole > 0 else 1.0


def scaled(tally: Tally, factor: float) -> Tally:
    """The tally with every count multiplied by `factor` (ratios of counts are unchanged)."""
    return _scaled(tally, factor)


def _scaled(value: T, factor: float) -> T:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value * factor  # type: ignore[return-value]
    if isinstance(value, list):
        return [_scaled(item, factor) for item in value]  # type: ignore[return-value]
    if isinstance(value, dict):
        return {key: _scaled(item, factor) for key, item in value.items()}  # type: ignore
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _scaled(getattr(value, f.name), factor)
                   for f in dataclasses.fields(value) if f.name not in _NOT_COUNTS}
        return dataclasses.replace(value, **changes)
    return value

"""What actually happened after a back-test's date: the events of the days it forecasts, counted
as the forecast counts them."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.customers_io import EventRecord

# Event rows that answer a send, as the step figure they count in.
STEP_FIGURES = {"delivered": "delivered", "open": "opened", "click": "clicked"}


@dataclass
class Actual:
    """The events from the start for `days` days: purchases by day and customer, their value,
    unfriends, and each step's deliveries, opens and clicks (rows naming journey and step)."""

    days: int
    daily_purchases: list[float] = field(default_factory=list)
    purchases_of: Counter = field(default_factory=Counter)  # customer number -> purchases
    gmv: float = 0.0
    unfriends: float = 0.0
    arrivals: float = 0.0
    steps: Counter = field(default_factory=Counter)  # (journey, step, figure) -> count
    _days_bought: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.daily_purchases = [0.0] * self.days

    def add(self, number: int, record: EventRecord, by_day: bool) -> None:
        """One event row at or after the start of customer `number` (-1: arrived after it).

        With data by day (no purchase has a time of day) a customer's purchases of one day
        are one transaction, as calibration reads them."""
        event = record.event
        day = math.floor(event.time / MINUTES_PER_DAY)
        if day >= self.days:
            return
        if event.name == "purchase":
            self.gmv += event.amount or 0.0
            if by_day and (number, record.customer, day) in self._days_bought:
                return
            self._days_bought.add((number, record.customer, day))
            self.daily_purchases[day] += 1
            self.purchases_of[number] += 1
        elif event.name == "friend_deleted":
            self.unfriends += 1
        elif event.name == "friend_added" and number < 0:
            self.arrivals += 1
        figure = STEP_FIGURES.get(event.name)
        if figure is not None and record.journey and record.step:
            self.steps[(record.journey, record.step, figure)] += 1

    @property
    def purchases(self) -> float:
        """Every purchase (transaction) in the window."""
        return float(sum(self.daily_purchases))

    @property
    def purchasers(self) -> float:
        """Customers with at least one purchase in the window."""
        return float(sum(1 for count in self.purchases_of.values() if count))

    def per_customer(self, size: int) -> np.ndarray:
        """Purchases of each of the base's `size` customers."""
        out = np.zeros(size)
        for number, count in self.purchases_of.items():
            if 0 <= number < size:
                out[number] = count
        return out

"""Buyers' purchases: which are the latent process's (not after-click), and BG/NBD's and
Gamma-Gamma's statistics of them, for one buyer or for a batch of customers at once."""

from __future__ import annotations

import bisect
import math
from array import array

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calibration.nearest import last_before

WEEK = 7 * MINUTES_PER_DAY
# How long after a click a purchase or another event counts as the click's doing
# (the scenario's default `within` for `after_click`).
AFTER_CLICK_WINDOW = 3 * MINUTES_PER_DAY
Reading = tuple[list[float], list["float | None"], float]


def latent_purchases(purchases: list, clicks: list[float]) -> list:
    """The purchases, in time order, that are not after-click candidates: a click's first
    purchase within its window, each purchase claimed by one click at most. The simulator adds
    after-click purchases to the latent process, so the latent fit must not count them."""
    purchases = sorted(purchases, key=lambda event: event.time)
    claimed = claimed_purchases([event.time for event in purchases], clicks)
    return [event for index, event in enumerate(purchases) if index not in claimed]


def claimed_purchases(times: list[float], clicks: list[float],
                      window: float = AFTER_CLICK_WINDOW) -> set[int]:
    """Which of the purchases at `times` (sorted) clicks claim: each click, in time order, the
    first purchase after it not claimed yet, when it falls within the click's window."""
    claimed: set[int] = set()
    for click in sorted(clicks):
        at = bisect.bisect_right(times, click)
        while at < len(times) and at in claimed:
            at += 1
        if at < len(times) and click < times[at] <= click + window:
            claimed.add(at)
    return claimed


def readings(purchases: list, midnight: float) -> tuple[Reading, Reading, bool]:
    """A buyer's purchases before the cut-off (`midnight` minutes into its day) read by day and
    by time, each as `Purchases.add` takes them, and whether any has a time of day.

    By day (dates without a time of day, as in the papers' data): a day's purchases are one
    transaction and T runs to the last whole day before the cut-off. By time: each purchase
    counts at its moment and T runs to the cut-off.
    """
    days: dict[int, float | None] = {}
    timed = False
    purchases = sorted(purchases, key=lambda event: event.time)
    for event in purchases:
        local = event.time + midnight
        timed = timed or bool(local % MINUTES_PER_DAY)
        day = math.floor(local / MINUTES_PER_DAY)
        known = days.get(day, 0.0)
        days[day] = None if known is None or event.amount is None else known + event.amount
    order = sorted(days)
    last_day = math.ceil(midnight / MINUTES_PER_DAY) - 1
    return (([day / 7 for day in order], [days[day] for day in order], last_day / 7),
            ([event.time / WEEK for event in purchases],
             [event.amount for event in purchases], 0.0), timed)


class Purchases:
    """Per buyer: BG/NBD's x (repeat purchases), t_x and T (weeks), and for repeat buyers the
    number and mean value of their repeat purchases (Gamma-Gamma)."""

    def __init__(self) -> None:
        self.x, self.t_x, self.T = array("d"), array("d"), array("d")
        self.repeat_x, self.repeat_mean = array("d"), array("d")

    def add(self, times: list[float], values: list[float | None], end: float) -> None:
        """One buyer's purchase times (sorted, weeks) and values, watched until `end`."""
        self.x.append(len(times) - 1)
        self.t_x.append(times[-1] - times[0])
        self.T.append(end - times[0])
        repeats = values[1:]
        if repeats and all(value is not None and value > 0 for value in repeats):
            self.repeat_x.append(len(repeats))
            self.repeat_mean.append(sum(repeats) / len(repeats))

    def extend(self, customer: np.ndarray, times: np.ndarray, values: np.ndarray,
               end: float) -> None:
        """Buyers' purchases as `add` takes them, buyer after buyer (`customer` grouped, each
        buyer's times sorted; a NaN value is none), as many `add` calls would add them."""
        start = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
        stop = np.r_[start[1:], len(customer)]
        last = stop - 1
        _append(self.x, (stop - start - 1).astype(float))
        _append(self.t_x, times[last] - times[start])
        _append(self.T, end - times[start])
        # Repeat buyers whose every repeat value is positive.
        bad = np.cumsum(~(values > 0))
        repeat = np.flatnonzero((stop - start >= 2) & (bad[last] == bad[start]))
        listed = values.tolist()
        for first, end_at in zip((start[repeat] + 1).tolist(), stop[repeat].tolist()):
            repeats = listed[first:end_at]
            self.repeat_x.append(len(repeats))
            self.repeat_mean.append(sum(repeats) / len(repeats))


def _append(to: array, values: np.ndarray) -> None:
    to.frombytes(np.ascontiguousarray(values, dtype=float).tobytes())


def latent_rows(customer: np.ndarray, times: np.ndarray, click_customer: np.ndarray,
                click_times: np.ndarray, window: float) -> np.ndarray:
    """Which purchases (grouped by customer, each's sorted) are the latent process's, as
    `latent_purchases` picks them. Only a customer with a purchase within a click's window
    may have one claimed: those are read one at a time."""
    latent = np.ones(len(customer), dtype=bool)
    click = last_before(customer, times, click_customer, click_times, inclusive=False)
    near = click >= 0
    near[near] = times[near] <= click_times[click[near]] + window
    for who in np.unique(customer[near]).tolist():
        first, end = np.searchsorted(customer, (who, who + 1))
        low, high = np.searchsorted(click_customer, (who, who + 1))
        claimed = claimed_purchases(times[first:end].tolist(),
                                    click_times[low:high].tolist(), window)
        latent[[first + index for index in claimed]] = False
    return latent


def by_day(customer: np.ndarray, times: np.ndarray, values: np.ndarray, midnight: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, bool]:
    """Buyers' purchases read by day as `readings` reads them: each day's buyer, day (weeks),
    value (NaN: none), the end in weeks, and whether any purchase has a time of day."""
    local = times + midnight
    timed = bool(np.any(np.mod(local, MINUTES_PER_DAY) != 0))
    day = np.floor(local / MINUTES_PER_DAY)
    start = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])])
    stop = np.r_[start[1:], len(customer)]
    value = 0.0 + values[start]
    listed = values.tolist()
    for at in np.flatnonzero(stop - start > 1).tolist():
        total = 0.0
        for amount in listed[start[at]:stop[at]]:  # in order, as a day's sum is kept
            total += amount
        value[at] = total
    last_day = math.ceil(midnight / MINUTES_PER_DAY) - 1
    return customer[start], day[start] / 7, value, last_day / 7, timed

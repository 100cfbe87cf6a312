"""What real customers' histories tell of their behaviour, read off their rows' columns a batch
of customers at a time, as calibration reads its tallies.

A customer's rows before the start are read in time order (rows of the same minute in the order
given). Their purchases are read as calibration reads them (after-click purchases left out, by
day and by time); a customer who never bought was watched from being added as a friend (0 when
not known). Each delivery, open, click and reply is counted on its row's channel, or on the
channel of the latest delivery before it when it names none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sopdsl.calibration.batch import Sorted, before_cut_off, on_channels
from sopdsl.calibration.buyers import AFTER_CLICK_WINDOW, WEEK, by_day, latent_rows
from sopdsl.calibration.rows import NONE, GatheredRows, Numbering
from sopdsl.checker.program import Program
from sopdsl.customers_io import EventRecord
from sopdsl.event_blocks import BlockRows
from simulator.latent import ANSWERS, Evidence

COUNTED = tuple(dict.fromkeys(kind for _, asked, answer in ANSWERS for kind in (asked, answer)))
_BATCH = 8192  # customers whose rows are gathered and read at once


class EvidenceReader:
    """Evidence gathered a customer at a time and read a batch at a time; both readings of
    purchases kept until the data's resolution is known."""

    def __init__(self, program: Program, midnight: float) -> None:
        self.midnight = midnight
        self.numbering = Numbering(program)
        self.batch = GatheredRows(self.numbering)
        self.first = 0  # the number of the batch's first customer
        self.by_day: list[np.ndarray] = []
        self.by_time: list[np.ndarray] = []
        self.timed = False
        self.counts: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}

    def add(self, rows: Sequence[EventRecord] | Sequence[BlockRows]) -> None:
        """The next customer's rows (those at or after the start are not read)."""
        self.batch.add(rows)
        if self.batch.customers == _BATCH:
            self._read()

    def evidence(self) -> Evidence:
        """The evidence of every customer added, by number."""
        self._read()
        rows = np.concatenate([np.zeros(0), *(self.by_time if self.timed else self.by_day)]
                              ).reshape(-1, 5)
        size = rows.shape[0]
        counts = {}
        for key, parts in self.counts.items():
            column = np.zeros(size)
            for who, many in parts:
                column[who] = many
            counts[key] = column
        return Evidence(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4], counts)

    def _read(self) -> None:
        batch, size = self.batch, self.batch.customers
        if not size:
            return
        customer, coded = batch.columns()
        rows, _ = before_cut_off(customer, coded)
        by_day_rows, by_time_rows = self._purchases(rows, size)
        self.by_day.append(by_day_rows)
        self.by_time.append(by_time_rows)
        self._count(rows)
        self.first += size
        self.batch = GatheredRows(self.numbering)

    def _purchases(self, rows: Sorted, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Each customer's (x, t_x, T, repeats valued, their sum) read by day and by time."""
        customer, coded = rows.customer, rows.rows
        events = self.numbering.events
        bought = np.flatnonzero(rows.named(events, "purchase"))
        clicks = np.flatnonzero(rows.named(events, "click"))
        latent = bought[latent_rows(customer[bought], coded.time[bought], customer[clicks],
                                    coded.time[clicks], AFTER_CLICK_WINDOW)]
        # A customer who bought nothing (of the latent process's) is watched from being added.
        added = np.zeros(size)
        friends = np.flatnonzero(rows.named(events, "friend_added"))
        seen = np.zeros(size, dtype=bool)
        if len(friends):
            # max(): the latest addition, rows in time order so the last of each customer's.
            who = customer[friends]
            last = np.r_[who[1:] != who[:-1], True]
            added[who[last]] = coded.time[friends][last]
            seen[who[last]] = True
        watched = np.zeros((size, 5))
        watched[:, 2] = np.where(seen, -added, -0.0) / WEEK
        day, time = watched.copy(), watched
        if len(latent):
            buyer, times, amounts = customer[latent], coded.time[latent], coded.amount[latent]
            _buyers(time, buyer, times / WEEK, amounts, 0.0)
            day_buyer, days, day_values, end, timed = by_day(buyer, times, amounts,
                                                             self.midnight)
            _buyers(day, day_buyer, days, day_values, end)
            self.timed = self.timed or timed
        return day.ravel(), time.ravel()

    def _count(self, rows: Sorted) -> None:
        """Count each customer's deliveries and answers on their channels."""
        customer = rows.customer
        events, channels = self.numbering.events, self.numbering.channels
        _, on = on_channels(rows, events)
        kinds = np.full(len(customer), -1, dtype=np.int64)
        for index, name in enumerate(COUNTED):
            kinds[rows.named(events, name)] = index
        counted = np.flatnonzero((kinds >= 0) & (on != NONE))
        if not len(counted):
            return
        width = len(COUNTED)
        keys = on[counted] * width + kinds[counted]
        # Keys in the order first met, customer after customer, as one at a time meets them.
        _, first = np.unique(keys, return_index=True)
        names = channels.named()
        for start in np.sort(first).tolist():
            key = int(keys[start])
            mine = counted[keys == key]
            who, many = np.unique(customer[mine], return_counts=True)
            name_key = (names[key // width], COUNTED[key % width])
            self.counts.setdefault(name_key, []).append((who + self.first,
                                                         many.astype(float)))


def _buyers(out: np.ndarray, buyer: np.ndarray, times: np.ndarray, values: np.ndarray,
            end: float) -> None:
    """Write each buyer's x, t_x, T and repeats (each buyer's times sorted, a NaN value none)
    into their row of `out`: the repeat purchases' number and sum only when every repeat
    purchase has a positive value."""
    start = np.flatnonzero(np.r_[True, buyer[1:] != buyer[:-1]])
    stop = np.r_[start[1:], len(buyer)]
    who = buyer[start]
    out[who, 0] = stop - start - 1
    out[who, 1] = times[stop - 1] - times[start]
    out[who, 2] = end - times[start]
    bad = np.cumsum(~(values > 0))
    repeat = np.flatnonzero((stop - start >= 2) & (bad[stop - 1] == bad[start]))
    listed = values.tolist()
    for row, first, last in zip(who[repeat].tolist(), (start[repeat] + 1).tolist(),
                                stop[repeat].tolist()):
        repeats = listed[first:last]
        out[row, 3] = len(repeats)
        out[row, 4] = sum(repeats)

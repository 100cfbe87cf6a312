"""Sends a push recorded in its ledger, added to a customer's event rows that lack them."""

from __future__ import annotations

from collections.abc import Iterable

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.customers_io import EventRecord, Moments
from sopdsl.runtime.customer import Event
from sopdsl.sent import RecordedSend

# How far an events-file `delivered` row may lie from a recorded send's planned time and still
# be that send: a send goes out after its planned start, within its day.
MATCH_WINDOW = MINUTES_PER_DAY


def with_recorded(records: list[EventRecord], sends: Iterable[RecordedSend],
                  moments: Moments) -> list[EventRecord]:
    """The customer's event rows and, as `delivered` rows, the recorded sends before the
    cut-off that none of them already is; each events-file row stands for one send at most.

    Recorded sends that match one another (a batch and its member send, one send pushed to two
    destinations) are one send first.
    """
    distinct = _distinct(sends, moments)
    if not distinct:
        return records
    delivered = [record for record in records if record.event.name == "delivered"]
    matched: set[int] = set()
    added = []
    for record in distinct:
        match = next((index for index, known in enumerate(delivered)
                      if index not in matched and _same(known, record)), None)
        if match is None:
            added.append(record)
        else:
            matched.add(match)
    return records + added if added else records


def _distinct(sends: Iterable[RecordedSend], moments: Moments) -> list[EventRecord]:
    """The sends before the cut-off as `delivered` rows, each once."""
    found: list[EventRecord] = []
    for send in sends:
        time = moments.minutes(send.planned)
        if time >= 0:
            continue  # planned at or after the cut-off: not used, as later events are not
        record = EventRecord(send.customer, Event("delivered", time, send.content), 0,
                             send.channel, send.journey, send.step)
        if not any(_same(known, record) for known in found):
            found.append(record)
    return found


def _same(record: EventRecord, send: EventRecord) -> bool:
    """True when a `delivered` row is the recorded send: same channel within a day, and same
    journey and step (a row without them: the same content)."""
    if record.channel != send.channel or abs(record.event.time - send.event.time) > MATCH_WINDOW:
        return False
    if record.journey is None or record.step is None:
        return record.event.content == send.event.content
    return record.journey == send.journey and record.step == send.step

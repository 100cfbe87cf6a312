"""The block tally of sends against a customer-at-a-time reference: identical statistics."""

from __future__ import annotations

import bisect
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.calibration import collect as collect_module
from sopdsl.calibration.calibrate import builtin_program
from sopdsl.calibration.collect import RESPONSE_WINDOW, Tallies, collect
from sopdsl.calibration.responses import Responses
from sopdsl.customers_io import EventRecord
from sopdsl.data_rows import DataProblems
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData

FILE = "events.csv"
CHANNELS = ("private_chat", "moments", "group_chat")
PURPOSES = ("awareness", "nurture", None)
PROGRAM = builtin_program()


def reference(histories: list[tuple[CustomerData, list[EventRecord]]],
              problems: DataProblems) -> Tallies:
    """Each customer's sends one at a time, the first answer found by bisection (the tally
    before it was done by blocks)."""
    tallies = Tallies()
    for _, records in histories:
        before = sorted((r for r in records if r.event.time < 0), key=lambda r: r.event.time)
        _reference_customer(tallies, before, problems)
    return tallies


def _reference_customer(tallies: Tallies, before: list[EventRecord],
                        problems: DataProblems) -> None:
    sends: dict[str, list[float]] = {}
    purposes: dict[str, list[str | None]] = {}
    answers: dict[tuple[str, str], list[float]] = {}
    deletions: list[float] = []
    latest = None
    for record in before:
        name = record.event.name
        if name == "delivered" and record.channel:
            sends.setdefault(record.channel, []).append(record.event.time)
            purposes.setdefault(record.channel, []).append(record.purpose)
            latest = record.channel
        elif name in ("open", "click", "reply"):
            channel = record.channel or latest
            if channel is None:
                continue
            if channel not in sends:
                problems.report("E615", FILE, record.line,
                                f"`{name}` on {channel} before any send on {channel}")
                continue
            answers.setdefault((channel, name), []).append(record.event.time)
        elif name == "friend_deleted":
            deletions.append(record.event.time)
    if not sends:
        return
    every_send = sorted(t for times in sends.values() for t in times)
    for channel, times in sends.items():
        for index, (sent, purpose) in enumerate(zip(times, purposes[channel])):
            end = min(sent + RESPONSE_WINDOW, 0.0,
                      times[index + 1] if index + 1 < len(times) else math.inf)
            after = bisect.bisect_right(every_send, sent)
            end_any = min(sent + RESPONSE_WINDOW, 0.0,
                          every_send[after] if after < len(every_send) else math.inf)
            keys = [lambda kind, c=channel: tallies.responses(c, kind)]
            if purpose is not None:
                keys.append(lambda kind, c=channel, p=purpose:
                            tallies.purpose_responses(c, p, kind))
            for tally in keys:
                opened = _count(tally("open"), answers.get((channel, "open")), sent, end)
                for kind in ("click", "reply"):
                    _count(tally(kind), answers.get((channel, kind)), sent, end)
                    if opened:
                        _count(tally(f"{kind}_opened"), answers.get((channel, kind)), sent,
                               end)
                    else:
                        tally(f"{kind}_opened")
                _count(tally("unfriend"), deletions, sent, end_any)


def _count(tally: Responses, times: list[float] | None, sent: float, end: float) -> bool:
    if times:
        at = bisect.bisect_left(times, sent)
        if at < len(times) and times[at] < end:
            tally.answer(times[at] - sent)
            return True
    tally.silence(end - sent, RESPONSE_WINDOW)
    return False


def history(rng: random.Random, number: int, line: int) -> tuple[CustomerData, list]:
    """One customer's awkward events: sends close together and near the cut-off, answers
    before any send, on no channel, at the very minute of a send, several sends before one
    answer, deletions, events after the cut-off; some customers have none."""
    records = []
    if rng.random() < 0.1:
        return CustomerData(f"c{number:05d}"), records
    sends = sorted(rng.choice((-3.0, -60.0, -1440.0 * 2, -1440.0 * 6.5, -1440.0 * 8))
                   + rng.choice((0, 0, -rng.randint(0, 30000))) for _ in range(rng.randint(0, 6)))
    for sent in sends:
        channel = rng.choice(CHANNELS[:2] if rng.random() < 0.8 else CHANNELS)
        records.append(EventRecord("c", Event("delivered", sent), 0, channel, None, None,
                                   rng.choice(PURPOSES)))
        for kind in ("open", "click", "reply"):
            if rng.random() < 0.5:
                delay = rng.choice((0.0, 0.2, 30.0, 1440.0 * 3, RESPONSE_WINDOW,
                                    rng.uniform(0, 1440 * 9)))
                records.append(EventRecord("c", Event(kind, sent + delay), 0,
                                           rng.choice((channel, channel, None)), None))
    for _ in range(rng.randint(0, 2)):
        records.append(EventRecord("c", Event(rng.choice(("open", "click", "friend_deleted",
                                                          "reply")),
                                              -rng.uniform(0, 40000)), 0,
                                   rng.choice((*CHANNELS, None)), None))
    rng.shuffle(records)
    for offset, record in enumerate(records):
        record.line = line + offset
    return CustomerData(f"c{number:05d}"), records


def histories(seed: int, customers: int) -> list[tuple[CustomerData, list]]:
    rng = random.Random(seed)
    out, line = [], 2
    for number in range(customers):
        out.append(history(rng, number, line))
        line += len(out[-1][1])
    return out


def assert_same(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, tally in want.items():
        found = got[key]
        assert (found.answered, found.sum_log, found.sum_log2, found.sum_delay, found.censored,
                dict(found.unanswered)) == (tally.answered, tally.sum_log, tally.sum_log2,
                                            tally.sum_delay, tally.censored,
                                            dict(tally.unanswered)), key


@pytest.mark.parametrize("block", [1, 7, 4096])
def test_block_tally_equals_the_customer_at_a_time_tally(monkeypatch, block):
    """Blocks of any size give the very counts, sums, histograms and E615 lines."""
    monkeypatch.setattr(collect_module, "BLOCK", block)
    data = histories(5, 600)
    want_problems, got_problems = DataProblems(), DataProblems()
    want = reference(data, want_problems)
    got = collect(data, PROGRAM, got_problems, FILE)
    assert sum(t.answered for t in want.channels.values()) > 100  # the data has answers
    assert sum(t.censored for t in want.channels.values()) > 100  # and cut-off sends
    assert want.purposes
    assert_same(got.channels, want.channels)
    assert_same(got.purposes, want.purposes)
    assert ([(d.code, d.span.line) for d in got_problems.diagnostics]
            == [(d.code, d.span.line) for d in want_problems.diagnostics])
    assert any(d.code == "E615" for d in want_problems.diagnostics)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10 ** 6), customers=st.integers(0, 30),
       block=st.sampled_from((1, 2, 5, 64)))
def test_block_tally_equals_the_reference_on_any_data(seed, customers, block):
    """The same on small random logs, whatever the block size."""
    data = histories(seed, customers)
    want = reference(data, DataProblems())
    original = collect_module.BLOCK
    collect_module.BLOCK = block
    try:
        got = collect(data, PROGRAM, DataProblems(), FILE)
    finally:
        collect_module.BLOCK = original
    assert_same(got.channels, want.channels)
    assert_same(got.purposes, want.purposes)

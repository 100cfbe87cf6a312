"""The one pass over a customer's rows against a plain reading of each tally on its own."""

from __future__ import annotations

import math
import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.calibration.calibrate import builtin_program
from sopdsl.calibration.buyers import latent_purchases, readings
from sopdsl.calibration.collect import AFTER_CLICK_WINDOW, OWN_BEHAVIOUR, Tallies, collect
from sopdsl.customers_io import EventRecord
from sopdsl.data_rows import DataProblems
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData

PROGRAM = builtin_program()
NAMES = ("friend_added", "friend_deleted", "delivered", "open", "click", "reply", "purchase",
         "task_done", "webinar", "reply", "click")
CHANNELS = ("private_chat", "moments", None)


def reference(histories: list[tuple[CustomerData, list[EventRecord]]]) -> Tallies:
    """Each tally read off a customer's rows by a pass of its own (sends left to
    `tests/test_sends.py`)."""
    tallies = Tallies()
    for customer, records in histories:
        later = [r for r in records if r.event.time >= 0]
        if later and not tallies.later:
            tallies.later_line = later[0].line
        tallies.later += len(later)
        before = sorted((r for r in records if r.event.time < 0), key=lambda r: r.event.time)
        tallies.customers += 1
        if before:
            tallies.first_time = min(tallies.first_time, before[0].event.time)
        added = [r.event.time for r in before if r.event.name == "friend_added"]
        deleted = [r.event.time for r in before if r.event.name == "friend_deleted"]
        tallies.arrivals += len(added)
        tallies.first_arrival = min([tallies.first_arrival, *added])
        if added:
            tallies.joined += 1
            tallies.joined_days += -added[-1] / 1440
        last = max((r for r in before if r.event.name in ("friend_added", "friend_deleted")),
                   key=before.index, default=None)
        if last is None or last.event.name == "friend_added":
            tallies.stock += 1
            tallies.tags.update(set(customer.tags))
            tallies.stages[customer.stage or PROGRAM.settings.stages[0]] += 1
        _purchases(tallies, latent_purchases([r.event for r in before
                                              if r.event.name == "purchase"],
                                             [r.event.time for r in before
                                              if r.event.name == "click"]))
        _after_clicks(tallies, before)
        tallies.events.update(r.event.name for r in before if r.event.name not in OWN_BEHAVIOUR)
    return tallies


def _purchases(tallies: Tallies, purchases: list[Event]) -> None:
    if not purchases:
        return
    for event in purchases:
        if event.amount is not None and event.amount > 0:
            tallies.values[0] += 1
            tallies.values[1] += math.log(event.amount)
            tallies.values[2] += math.log(event.amount) ** 2
    by_day, by_time, timed = readings(purchases, tallies.midnight)
    tallies.timed = tallies.timed or timed
    tallies.by_day.add(*by_day)
    tallies.by_time.add(*by_time)


def _after_clicks(tallies: Tallies, before: list[EventRecord]) -> None:
    clicks = [r for r in before if r.event.name == "click"
              and r.event.time + AFTER_CLICK_WINDOW <= 0]
    if not clicks:
        return
    tallies.clicks += len(clicks)
    names = dict.fromkeys(r.event.name for r in before
                          if r.event.name not in OWN_BEHAVIOUR or r.event.name == "purchase")
    for name in names:
        times = [r.event.time for r in before if r.event.name == name]
        tallies.after_click[name] += sum(
            any(c.event.time < t <= c.event.time + AFTER_CLICK_WINDOW for t in times)
            for c in clicks)
    bought = [r.event.time for r in before if r.event.name == "purchase"]
    for click in clicks:
        sends = [r for r in before if r.event.name == "delivered" and r.channel
                 and r.event.time <= click.event.time
                 and (click.channel is None or r.channel == click.channel)]
        purpose = sends[-1].purpose if sends else None
        if purpose is not None:
            tallies.purpose_clicks[purpose] += 1
            tallies.purpose_bought[purpose] += any(
                click.event.time < t <= click.event.time + AFTER_CLICK_WINDOW for t in bought)


def history(rng: random.Random, number: int, line: int) -> tuple[CustomerData, list]:
    """One customer's rows: every kind of event, some at or after the cut-off, arrivals
    and deletions in any order, purchases with and without amounts, clicks near them."""
    customer = CustomerData(f"c{number:04d}", tags=tuple(rng.sample(("VIP", "new", "x"),
                                                                    rng.randint(0, 2))),
                            stage=rng.choice((None, "visitor", "customer")))
    records = []
    for offset in range(rng.randint(0, 12)):
        name = rng.choice(NAMES)
        time = rng.choice((-rng.uniform(0, 20000), -float(rng.randint(1, 20) * 1440),
                           -rng.choice((1.0, 30.0, 4000.0, AFTER_CLICK_WINDOW)),
                           float(rng.randint(0, 50))))
        amount = rng.choice((None, 0, 12, 99.5)) if name == "purchase" else None
        records.append(EventRecord(customer.id, Event(name, time, None, amount), line + offset,
                                   rng.choice(CHANNELS), None, None,
                                   rng.choice(("nurture", "awareness", None))))
    return customer, records


def tallies_of(tallies: Tallies) -> tuple:
    """What the estimators read, counters with their order."""
    return (tallies.customers, tallies.stock, list(tallies.tags.items()),
            list(tallies.stages.items()), tallies.arrivals, tallies.first_arrival,
            tallies.first_time, tallies.joined_days, tallies.joined,
            *(list(getattr(bought, field)) for bought in (tallies.by_day, tallies.by_time)
              for field in ("x", "t_x", "T", "repeat_x", "repeat_mean")),
            tallies.timed, tallies.values, tallies.clicks, list(tallies.after_click.items()),
            list(tallies.purpose_clicks.items()), list(tallies.purpose_bought.items()),
            list(tallies.events.items()), tallies.later, tallies.later_line)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10 ** 6), customers=st.integers(0, 40))
def test_one_pass_equals_each_tally_read_on_its_own(seed, customers):
    """Stock, arrivals, purchases (both readings), after-click counts by event and purpose,
    other events and later rows are what a pass of their own gives, in the same order."""
    rng = random.Random(seed)
    data = [history(rng, number, 2 + 20 * number) for number in range(customers)]
    got = collect(data, PROGRAM, DataProblems(), "events.csv")
    assert tallies_of(got) == tallies_of(reference(data))


def test_the_data_meets_every_branch():
    """The random histories hold what the property is about."""
    rng = random.Random(3)
    data = [history(rng, number, 2 + 20 * number) for number in range(300)]
    want = reference(data)
    assert want.clicks and want.purpose_clicks and want.later and want.events
    assert len(want.by_time.x) > 20 and want.joined < want.customers
    assert Counter(want.after_click)["purchase"] and want.stock < want.customers

"""The real base held compactly: every customer and event decodes to values equal to, and of
the same types as, those held, also after pickling (as replications on workers get it)."""

from __future__ import annotations

import datetime as dt
import pickle
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.base_store import HeldCustomers, Interned
from sopdsl.lunar import LunarDay
from sopdsl.runtime.customer import Event
from sopdsl.runtime.evaluate import plain_number
from sopdsl.runtime.replay import CustomerData

ATTRIBUTES = ("city", "vip", "spend", "birthday", "lunar")
# Values that are equal across types (1, 1.0, True; 0, 0.0, False) must not be merged.
NUMBERS = st.sampled_from([0, 0.0, 1, 1.0, 2.5, -3, 10**17])
VALUES = {
    "city": st.sampled_from(["上海", "北京", "x"]),
    "vip": st.booleans(),
    "spend": NUMBERS,
    "birthday": st.dates(dt.date(1950, 1, 1), dt.date(2010, 12, 31)),
    "lunar": st.builds(LunarDay, st.integers(1950, 2010), st.integers(1, 12),
                       st.integers(1, 29), st.just(False)),
}
EVENTS = st.lists(st.builds(
    Event, st.sampled_from(["purchase", "click", "reply", "friend_added"]),
    st.floats(-200_000, -0.0001, allow_nan=False), st.none() | st.sampled_from(["a", "b"]),
    st.none() | NUMBERS.map(plain_number)), max_size=6)  # amounts are read as plain numbers
CUSTOMERS = st.lists(st.tuples(st.builds(
    CustomerData, st.text(min_size=1, max_size=8), st.none() | st.sampled_from(["g1", "g2"]),
    st.fixed_dictionaries({}, optional=VALUES), st.lists(st.sampled_from(["VIP", "新客"]),
                                                         max_size=2).map(tuple),
    NUMBERS, st.none() | st.sampled_from(["visitor", "lead"])), EVENTS), max_size=12)


def typed(value: object) -> object:
    """A value with its type, so that `1 == 1.0 == True` no longer holds."""
    if isinstance(value, dict):
        return {key: typed(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [typed(v) for v in value]
    if isinstance(value, (CustomerData, Event)):
        return typed(vars(value) if hasattr(value, "__dict__") else
                     {name: getattr(value, name) for name in value.__slots__})
    return (type(value).__name__, value)


def ordered(data: CustomerData) -> CustomerData:
    """The customer with attributes in the program's order, as `customer_of` reads them."""
    return CustomerData(data.id, data.owner, {name: data.attributes[name] for name in ATTRIBUTES
                                              if name in data.attributes},
                        data.tags, data.score, data.stage)


@settings(max_examples=60, deadline=None)
@given(CUSTOMERS)
def test_customers_decode_to_what_was_held_type_for_type(customers: list) -> None:
    held = HeldCustomers(ATTRIBUTES)
    for data, events in customers:
        held.add(data, events)
    shipped = pickle.loads(pickle.dumps(held))
    expected = [typed((ordered(data), events)) for data, events in customers]
    assert [typed(pair) for pair in held] == expected
    assert [typed(pair) for pair in shipped] == expected
    assert held.size == len(customers)


def test_an_interned_column_holds_each_distinct_value_once() -> None:
    column = Interned()
    for value in ["上海", "北京", "上海", 1, 1.0, True, 1, None, None]:
        column.extend([value])
    assert [typed(column[i]) for i in range(len(column))] == typed(
        ["上海", "北京", "上海", 1, 1.0, True, 1, None, None])
    assert len(column.values) == 6


def test_customers_decoded_many_at_once_are_each_their_own() -> None:
    """Customers are decoded a block at a time: across blocks' edges each customer still gets
    their own profile and events (some have none)."""
    draw = random.Random(3)
    customers = [(CustomerData(f"c{n}", draw.choice([None, "g1"]),
                               {"spend": n} if n % 3 else {}, ("VIP",) if n % 5 == 0 else (),
                               n % 4, "lead" if n % 2 else None),
                  [Event(draw.choice(["click", "purchase"]), -float(n + k), None,
                         draw.choice([None, n, n + 0.5])) for k in range(n % 4)])
                 for n in range(2_100)]  # past two blocks of 1,024
    held = HeldCustomers(ATTRIBUTES)
    for data, events in customers:
        held.add(data, events)
    assert [typed(pair) for pair in held] == [typed(pair) for pair in customers]
    assert [typed(held.events(n)) for n in (0, 1023, 1024, 2099)] == [
        typed(customers[n][1]) for n in (0, 1023, 1024, 2099)]

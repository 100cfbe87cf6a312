"""A small deterministic driver: feed timed events to the interpreter and collect every effect.

Automatic sends (sms, email, welcome) are delivered at their earliest allowed time; staff work
(staff-confirmed sends, tasks) stays pending, since no staff member does it here.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sopdsl.runtime.arms import ArmChooser, stable_arm
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.effects import Effect, SendRequested, TaskCreated
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.checker.program import Program


@dataclass
class CustomerData:
    """A customer as known at the start: profile and past events (times before 0)."""

    id: str
    owner: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    score: float = 0
    stage: str | None = None
    history: list[Event] = field(default_factory=list)


@dataclass
class ReplayResult:
    """Every effect in time order (ties: customer order, then the order they happened)."""

    effects: list[Effect]
    customers: dict[str, Customer]
    clock: Clock

    @property
    def staff_work(self) -> list[Effect]:
        """What staff were asked to do and nobody did here: staff-confirmed sends and tasks."""
        return [e for e in self.effects if isinstance(e, TaskCreated) or (
            isinstance(e, SendRequested) and e.staff_confirmed)]

    def of(self, customer: str) -> list[Effect]:
        """One customer's effects."""
        return [e for e in self.effects if e.customer == customer]


def replay(
    program: Program,
    customers: Iterable[CustomerData],
    events: Iterable[tuple[str, Event]],
    start: dt.datetime,
    until: dt.datetime | float,
    choose_arm: ArmChooser = stable_arm,
) -> ReplayResult:
    """Run customers from `start` (minute 0) to `until` through `(customer id, event)` pairs.

    The program must be valid. Same input, same output.
    """
    clock = Clock(start, program.settings.timezone)
    interpreter = Interpreter(program, clock, choose_arm)
    end = clock.minutes(until) if isinstance(until, dt.datetime) else float(until)
    by_customer: dict[str, list[Event]] = {}
    for customer_id, event in events:
        by_customer.setdefault(customer_id, []).append(event)
    states: dict[str, Customer] = {}
    streams: list[list[Effect]] = []
    for data in customers:
        customer = interpreter.new_customer(
            data.id, 0.0, owner=data.owner, attributes=data.attributes, tags=data.tags,
            score=data.score, stage=data.stage, history=data.history)
        states[data.id] = customer
        timeline = sorted(by_customer.get(data.id, []), key=lambda e: e.time)
        streams.append(drive(interpreter, customer, timeline, end))
    effects = list(heapq.merge(*streams, key=lambda e: e.time))
    return ReplayResult(effects, states, clock)


def follow_customer(interpreter: Interpreter, data: CustomerData, events: Iterable[Event],
                    lookback: float, attributes: dict[str, Any] | None = None,
                    ) -> tuple[Customer, list[Event]]:
    """A customer followed from `lookback` minutes before the start (minute 0), and the events
    to replay through the journeys from then, in time order; older events are history.

    The planner and a simulation of real customers both follow them so: campaign time is
    absolute (a campaign in progress at the start is followed from its first day, whatever the
    lookback), and a friend added inside the lookback is followed from being added, as a
    simulation follows a new friend from their arrival. `attributes` add to the customer's.
    """
    since = interpreter.campaigns.follow_from(-lookback, 0.0)
    history = [*data.history]
    timeline: list[Event] = []
    for event in events:
        (history if event.time < since else timeline).append(event)
    timeline.sort(key=lambda e: e.time)
    if timeline and timeline[0].name == "friend_added" and not was_friend(history):
        since = timeline[0].time
    customer = interpreter.new_customer(
        data.id, since, owner=data.owner, attributes={**data.attributes, **(attributes or {})},
        tags=data.tags, score=data.score, stage=data.stage, history=history)
    return customer, timeline


def was_friend(history: list[Event]) -> bool:
    """Whether past events leave the customer a friend (added and not deleted since)."""
    last = max((e for e in history if e.name in ("friend_added", "friend_deleted")),
               key=lambda e: e.time, default=None)
    return last is not None and last.name == "friend_added"


DeliveryTime = Callable[[SendRequested], "float | None"]
Observer = Callable[[Customer, list[Effect]], None]


def automatic_only(send: SendRequested) -> float | None:
    """Automatic sends go at their earliest time; staff-confirmed ones are never done."""
    return None if send.staff_confirmed else send.earliest


def drive(
    interpreter: Interpreter, customer: Customer, timeline: list[Event], end: float,
    deliver_at: DeliveryTime = automatic_only, observe: Observer | None = None,
) -> list[Effect]:
    """Run one customer to `end`: at each moment that moment's events, then what falls due,
    then the deliveries due (`deliver_at` says when each requested send is delivered, None for
    never). `observe` sees each batch of effects as it happens, before time moves on.
    """
    out: list[Effect] = []
    outbox: list[tuple[float, int, SendRequested]] = []
    order = itertools.count()  # request order breaks ties between equal delivery times

    def happened(produced: list[Effect]) -> None:
        if observe is not None:
            observe(customer, produced)
        out.extend(produced)
        for effect in produced:
            if isinstance(effect, SendRequested):
                at = deliver_at(effect)
                if at is not None:
                    heapq.heappush(outbox, (at, next(order), effect))

    position, due_now = record_quietly(interpreter, customer, timeline, end)
    if due_now:
        happened(interpreter.advance(customer, timeline[position - 1].time))
    while True:
        next_event = timeline[position].time if position < len(timeline) else None
        wakeup = interpreter.next_wakeup(customer)
        delivery = outbox[0][0] if outbox else None
        now = min((t for t in (next_event, wakeup, delivery) if t is not None), default=None)
        if now is None or now > end:
            return out
        if now == next_event:
            produced = interpreter.on_event(customer, timeline[position])
            position += 1
        elif now == wakeup:
            produced = interpreter.advance(customer, now)
        else:
            due = []
            while outbox and outbox[0][0] == now:
                due.append(heapq.heappop(outbox)[2])
            produced = interpreter.deliver_all(customer, due, now)
        happened(produced)


def record_quietly(interpreter: Interpreter, customer: Customer, timeline: list[Event],
                   end: float) -> tuple[int, bool]:
    """Record the first events of `timeline` that can change nothing but the customer's
    history (`Interpreter.only_records`, nothing due before or at them, none after `end`):
    how many, and whether something fell due at the last one by recording it (the rest of
    handling it is then `advance` to its time). Handling them one by one with `on_event`
    gives the same customer and no effects; this is the common case of a customer's past
    (most histories start nothing), at a fraction of the cost."""
    wakeup = interpreter.next_wakeup(customer)
    for position, event in enumerate(timeline):
        at = event.time
        if at > end or (wakeup is not None and wakeup <= at) \
                or not interpreter.only_records(customer, event):
            return position, False
        interpreter.record(customer, event)
        wakeup = interpreter.next_wakeup(customer)
        if wakeup is not None and wakeup <= at:
            return position + 1, True
    return len(timeline), False

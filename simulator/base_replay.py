"""Real customers in a replication: each followed from the lookback to the start through the
journeys, as the planner follows them, and the figures only a real base has."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sopdsl.calendars import Workdays
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.effects import Effect, SendRequested
from sopdsl.runtime.hours import DEFAULT_WORKING_HOURS, ClockHours, WorkingTime
from sopdsl.runtime.replay import drive, follow_customer
from simulator.counting import effect_counts
from simulator.real_base import RealBase, frequency_segments, lookback_minutes
from simulator.results import Tally
from simulator.staff import working_hours

if TYPE_CHECKING:
    from simulator.engine import Replication


class BaseReplay:
    """The part of a replication (`simulator.engine.Replication`) that follows real customers."""

    def _replay_base(self: Replication, base: RealBase) -> None:
        """Follow each real customer from the lookback to the start through the journeys, as
        the planner does; what is still to be sent at the start is sent from then on."""
        lookback = lookback_minutes(base)
        before_start = math.nextafter(0.0, -math.inf)
        owner_role = self.scenario.staff.get(self.scenario.population.owner)
        staff = working_hours(owner_role, self.interpreter.clock, Workdays(
            self.program.settings.workdays)) if owner_role is not None else None
        hours = WorkingTime(staff or ClockHours(DEFAULT_WORKING_HOURS, self.interpreter.clock,
                                                Workdays(self.program.settings.workdays)),
                            self.interpreter.quiet)
        for index, (data, events) in enumerate(base.customers()):
            customer, timeline = follow_customer(self.interpreter, data, events, lookback,
                                                 {"groups": 0})
            self._base_customer(index, customer, timeline)
            pending: list[SendRequested] = []

            def deliver_at(send: SendRequested) -> float | None:
                at = hours.send_window(send.earliest)[0] if send.staff_confirmed \
                    else send.earliest
                if at < 0:
                    return at
                pending.append(send)
                return None

            drive(self.interpreter, customer, timeline, before_start, deliver_at,
                  lambda _, effects, index=index: self._mark(index, effects))
            for send in pending:
                self._requested(index, customer, send)
            self.wakes.schedule(index, customer)

    def _base_customer(self: Replication, index: int, customer: Customer,
                       timeline: list[Event]) -> None:
        """A real customer is followed from the lookback through `timeline`."""
        self.customers[index] = customer

    def _mark(self: Replication, index: int, effects: list[Effect]) -> None:
        """Keep the runs' entries and arms that effects before the start tell, counting none."""
        marks = self.marks.pop(index, None) or ({}, [])
        for effect in effects:
            effect_counts(effect, *marks)
        if marks[0] or marks[1]:
            self.marks[index] = marks

    def _base_figures(self: Replication, base: RealBase, tally: Tally) -> None:
        """The real customers' purchases by how often they bought before the start."""
        assert base.evidence is not None
        segments = frequency_segments(base.evidence.x)
        for segment, bought in zip(segments, self.base_purchases.tolist()):
            tally.segments[segment] = tally.segments.get(segment, 0.0) + bought

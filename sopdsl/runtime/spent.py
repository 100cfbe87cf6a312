"""Triggers that can start nothing more for a customer: all they start is `reentry never`
and already entered; and the daily segment check while it can enter them in no segment."""

from __future__ import annotations

from collections.abc import Sequence

from sopdsl.runtime.customer import Customer
from sopdsl.runtime.journey_program import CompiledJourney
from sopdsl.runtime.triggers import SegmentCheck, Triggers


class SpentTriggers:
    """Which scheduled triggers and segments can no longer start a journey for a customer."""

    def __init__(self, journeys: dict[str, CompiledJourney], triggers: Triggers) -> None:
        """Index the journeys each trigger starts, when each enters a customer only once."""
        self._journeys = journeys
        self.segment_starts = {name: self._once(names)
                               for name, names in triggers.on_segment.items()}
        self.schedule_starts = [self._schedule(schedule.journey)
                                for schedule in triggers.schedules]
        checks = [(i, s) for i, s in enumerate(triggers.schedules) if isinstance(s, SegmentCheck)]
        self.check_index, self._check = checks[0] if checks else (-1, None)
        # Per `reentry never` journey: the scheduled triggers that may be spent by entering it.
        self.schedules_of: dict[str, list[int]] = {}
        for index, starts in enumerate(self.schedule_starts):
            for journey in starts or ():
                self.schedules_of.setdefault(journey, []).append(index)

    def schedule(self, c: Customer, index: int) -> bool:
        """Whether the scheduled trigger can start nothing for the customer any more (the
        daily segment check: until their next event or change of state)."""
        if index == self.check_index:
            return self.check_idle(c)
        starts = self.schedule_starts[index]
        return starts is not None and all(journey in c.entries for journey in starts)

    def check_idle(self, c: Customer) -> bool:
        """Whether the daily segment check can enter the customer in no segment until their
        next event or change of state: each segment is spent for them, or time alone cannot
        bring them in and they are not in it (a member is checked daily to see them leave, as
        entering again needs leaving first)."""
        check = self._check
        assert check is not None
        refunded, segments = c.history.refunded, c.segments
        for name in self.segment_starts:
            if (segments.get(name) or name in check.by_time
                    or refunded and name in check.by_refunds) and not self.segment(c, name):
                return False
        return True

    def segment(self, c: Customer, name: str) -> bool:
        """Whether entering the segment can start nothing for the customer any more."""
        starts = self.segment_starts[name]
        return starts is not None and all(journey in c.entries for journey in starts)

    def _schedule(self, journey: str | None) -> tuple[str, ...] | None:
        if journey is not None:
            return self._once([journey])
        # The daily segment check starts what its segments start.
        starts: list[str] = []
        for journeys in self.segment_starts.values():
            if journeys is None:
                return None
            starts.extend(journeys)
        return tuple(starts)

    def _once(self, names: Sequence[str]) -> tuple[str, ...] | None:
        """`names` when every one of these journeys is `reentry never`, else None."""
        if all(self._journeys[name].reentry == "never" for name in names):
            return tuple(names)
        return None

"""Campaigns on the run-time clock: which phase a moment is in, and the blackouts of journeys.

Campaign time is absolute: a phase is its local days from 00:00 of the first to 24:00 of the
last in the playbook's time zone, the same whichever moment a driver follows customers from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sopdsl.checker.program import Program
from sopdsl.runtime.clock import Clock

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Stretch:
    """A phase, or a blackout of a journey during a phase, in run-time minutes [start, end)."""

    start: float
    end: float
    name: str  # the phase; for a blackout, `pause` or `block`


class CampaignCalendar:
    """Every campaign's phases and every journey's blackouts, on one clock."""

    __slots__ = ("phases", "blackouts")

    def __init__(self, program: Program, clock: Clock) -> None:
        self.phases: dict[str, list[Stretch]] = {}
        self.blackouts: dict[str, list[Stretch]] = {}
        for name, decl in program.campaigns.items():
            phases = {p.name.name: Stretch(clock.at(p.start.value, 0),
                                           clock.at(p.end.value + _ONE_DAY, 0), p.name.name)
                      for p in decl.phases}
            self.phases[name] = sorted(phases.values(), key=lambda s: s.start)
            for blackout in decl.blackouts:
                # Lint compiles playbooks with errors too: an unknown phase (E230) is left out.
                for stretch in filter(None, (phases.get(p.name) for p in blackout.phases)):
                    for journey in blackout.journeys:
                        self.blackouts.setdefault(journey.name, []).append(
                            Stretch(stretch.start, stretch.end, blackout.mode))

    def phase_at(self, campaign: str, t: float) -> str | None:
        """The phase of the campaign that `t` falls in, None outside them all."""
        for stretch in self.phases.get(campaign, ()):
            if stretch.start <= t < stretch.end:
                return stretch.name
        return None

    def phase_start(self, campaign: str, phase: str) -> float:
        """When a phase begins: 00:00 of its first day."""
        return next(s.start for s in self.phases[campaign] if s.name == phase)

    def follow_from(self, since: float, start: float) -> float:
        """`since`, or the first moment of an earlier campaign still in progress at `start`:
        following a customer from there replays every campaign moment leading up to `start`."""
        starts = [p[0].start for p in self.phases.values() if p[0].start <= start < p[-1].end]
        return min([since, *starts])

    def blackout(self, journey: str | None, t: float) -> Stretch | None:
        """The blackout of the journey that `t` falls in (a block before a pause), else None."""
        stretches = self.blackouts.get(journey or "")
        if not stretches:
            return None
        found = [s for s in stretches if s.start <= t < s.end]
        return min(found, key=lambda s: s.name != "block", default=None)

    def paused_until(self, journey: str | None, t: float) -> float:
        """`t`, or the end of the pauses `t` falls in (back to back pauses end together)."""
        while (stretch := self.blackout(journey, t)) is not None and stretch.name == "pause":
            t = stretch.end
        return t

"""When a send may reach a customer: at once, or when the quiet hours and its journey's campaign
pauses it falls in are over (a welcome message never waits; a pause blocks it)."""

from __future__ import annotations

from sopdsl.builtins import CHANNEL_FACTS
from sopdsl.runtime.campaigns import CampaignCalendar
from sopdsl.runtime.hours import ClockHours


class SendRelease:
    """The release of sends under a program's quiet hours and campaign pauses."""

    def __init__(self, campaigns: CampaignCalendar, quiet: ClockHours | None) -> None:
        self.campaigns, self.quiet = campaigns, quiet

    def at(self, channel: str, journey: str | None, now: float) -> float:
        """When a send on `channel` of `journey` may reach the customer from `now` on."""
        if not CHANNEL_FACTS[channel].quiet:
            return now
        t = now
        while True:
            released = self.campaigns.paused_until(journey, t)
            if self.quiet is not None:
                released = self.quiet.release(released)
            if released == t:
                return t
            t = released

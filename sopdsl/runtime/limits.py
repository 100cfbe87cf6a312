"""Delivery limits: the playbook frequency cap, journey caps and WeCom's mass-send limits.

A post to a customer group reaches every member whatever their own limits: the group's quota
binds it instead (sopdsl.runtime.groups).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from sopdsl.builtins import LOGGED_CHANNELS, MASS_CHANNELS, WECOM_CHANNELS
from sopdsl.runtime.campaigns import CampaignCalendar
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, DueSend, insert_time
from sopdsl.runtime.effects import SendRequested
from sopdsl.checker.program import PlaybookSettings, Window


class Limits:
    """Decides whether a send may be delivered now, and records the ones that are."""

    __slots__ = ("clock", "frequency_cap", "mass_quota", "journey_caps", "campaigns")

    def __init__(self, settings: PlaybookSettings, clock: Clock,
                 journey_caps: dict[str, Window], campaigns: CampaignCalendar) -> None:
        self.clock, self.campaigns = clock, campaigns
        self.frequency_cap = settings.frequency_cap
        self.mass_quota = settings.mass_quota
        self.journey_caps = journey_caps

    def refusal(
        self, customer: Customer, send: SendRequested, staff: str | None, now: float,
    ) -> str | None:
        """Why the send cannot be delivered now (None when it can): a campaign blackout of
        its journey, then caps, then WeCom limits (a group post: only a blackout; its quota is
        the group's)."""
        if self.campaigns.blackout(send.journey, now) is not None:
            return "blackout"
        if send.channel not in LOGGED_CHANNELS:
            return None
        log = customer.sends
        if send.channel in WECOM_CHANNELS and not customer.friend:
            return "not_friend"
        if self.frequency_cap and _full(log.times, self.frequency_cap, now):
            return "frequency_cap"
        cap = self.journey_caps.get(send.journey or "")
        if cap and _full(log.by_journey.get(send.journey or "", []), cap, now):
            return "journey_cap"
        if send.channel in MASS_CHANNELS:
            if (staff or "", self._day(now)) in log.staff_days:
                return "staff_daily_limit"
            if self._quota_used(log.mass_times, now) >= self.mass_quota.count:
                return "mass_quota"
        return None

    def record(
        self, customer: Customer, send: SendRequested, staff: str | None, now: float,
    ) -> None:
        """Log a delivered send against every limit it counts for."""
        if send.channel not in LOGGED_CHANNELS:
            return
        log = customer.sends
        insert_time(log.times, now)
        insert_time(log.by_journey.setdefault(send.journey or "", []), now)
        if send.channel in MASS_CHANNELS:
            insert_time(log.mass_times, now)
            log.staff_days.add((staff or "", self._day(now)))

    def _day(self, now: float) -> int:
        return self.clock.period_key(now, "day")[0]

    def _quota_used(self, times: list[float], now: float) -> int:
        quota = self.mass_quota
        if quota.calendar is not None:
            start = self.clock.period_start(now, quota.calendar)
            return bisect.bisect_right(times, now) - bisect.bisect_left(times, start)
        return _in_window(times, quota.minutes or 0, now)


def delivery_order(deliveries: Iterable[DueSend]) -> list[DueSend]:
    """Sends due at the same instant in the order they are decided: higher priority first.

    Equal priorities keep the order they come in.
    """
    return sorted(deliveries, key=lambda delivery: -delivery.send.priority)


def _full(times: list[float], window: Window, now: float) -> bool:
    return _in_window(times, window.minutes or 0, now) >= window.count


def _in_window(times: list[float], minutes: float, now: float) -> int:
    # The sliding window (now - minutes, now].
    return bisect.bisect_right(times, now) - bisect.bisect_right(times, now - minutes)

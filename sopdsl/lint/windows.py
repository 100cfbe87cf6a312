"""Counting sends inside a cap's window along timed paths, for the cap and quota rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sopdsl.builtins import MASS_CHANNELS, MINUTES_PER_DAY
from sopdsl.lint.paths import JourneyPaths, Visit
from sopdsl.checker.program import Window
from sopdsl.runtime import steps

# A calendar period holds sends that are at most this far apart (a 31-day month).
CALENDAR_MINUTES = {
    "day": MINUTES_PER_DAY, "week": 7 * MINUTES_PER_DAY, "month": 31 * MINUTES_PER_DAY}


@dataclass(frozen=True)
class Burst:
    """The most sends one path puts inside one window: those sends, in path order."""

    journey: str
    sends: tuple[Visit, ...]
    window: int

    @property
    def count(self) -> int:
        return len(self.sends)

    def text(self) -> str:
        """The sends as step ids with their earliest times: `j/1 at +0m, j/3 at +1d`."""
        first = self.sends[0].at
        return ", ".join(f"`{v.node}` at +{minutes_text(v.at - first)}" for v in self.sends)


def any_send(send: steps.Send) -> bool:
    """Every send is customer-facing."""
    return True


def mass_send(send: steps.Send) -> bool:
    """Sends that WeCom counts against the per-customer mass-message quota."""
    return send.channel in MASS_CHANNELS


def window_minutes(window: Window) -> int:
    """The window's length in minutes; a calendar period counts as its longest span."""
    if window.minutes is not None:
        return window.minutes
    return CALENDAR_MINUTES.get(window.calendar or "month", 31 * MINUTES_PER_DAY)


def window_text(window: Window) -> str:
    """`3 per 7d` or `4 per month`, as the playbook writes it."""
    per = minutes_text(window.minutes) if window.minutes is not None else window.calendar
    return f"{window.count} per {per}"


def minutes_text(minutes: int) -> str:
    """A duration in the language's notation: `1d12h`, `30m`, `0m`."""
    parts = []
    for unit, size in (("d", MINUTES_PER_DAY), ("h", 60), ("m", 1)):
        amount, minutes = divmod(minutes, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0m"


def _runs(path: tuple[Visit, ...], spacing: int | None, window: int,
          counts: Callable[[steps.Send], bool]) -> list[Visit]:
    """The path's counted sends, repeated every `spacing` for as many runs as one window can
    reach."""
    sends = [v for v in path if isinstance(v.instruction, steps.Send) and counts(v.instruction)]
    if spacing is None or not sends:
        return sends
    runs = (sends[-1].at - sends[0].at + window) // spacing + 1
    return [v._replace(at=v.at + k * spacing) for k in range(runs) for v in sends]


def busiest(paths: JourneyPaths, window: int,
            counts: Callable[[steps.Send], bool]) -> Burst | None:
    """The path and window with the most counted sends (the first such, in walk order); a
    journey entered again at every occurrence of its trigger runs the path again as soon as
    the runtime lets it, so later runs' sends count in the window too."""
    window = max(window, 1)  # a zero window (E309) still counts each send once
    best: tuple[Visit, ...] = ()
    for path, spacing in zip(paths.paths, paths.spacings or [None] * len(paths.paths)):
        sends = _runs(path, spacing, window, counts)
        start = 0
        for end, visit in enumerate(sends):
            while visit.at - sends[start].at >= window:
                start += 1
            if end + 1 - start > len(best):
                best = tuple(sends[start:end + 1])
    return Burst(paths.journey, best, window) if best else None

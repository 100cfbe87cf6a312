"""Which sends are one staff action: a mass send (群发) or a moments post is confirmed once for
every customer it reaches.

The simulator, the exact forecaster and the planner group sends by this one rule, and the
WeCom push sends one request per group the plan names.
"""

from __future__ import annotations

from typing import NamedTuple

from sopdsl.builtins import CHANNEL_FACTS
from sopdsl.runtime.effects import SendRequested


class BatchKey(NamedTuple):
    """One staff action: a step's sends by one sender, released at one moment."""

    journey: str
    step: str
    sender: str | None  # the member (or role queue) who confirms it
    moment: float  # the release moment: the sends' earliest time, after quiet hours


def batch_key(send: SendRequested, sender: str | None) -> BatchKey | None:
    """The staff action a send is part of; None when each customer's send is work of its own.

    Sends of one step by one sender released at the same moment are one action, however many
    customers they reach. Steps are never merged: two steps are two decisions (journeys,
    audiences, priorities and goals of their own), even with the same content at one moment.
    """
    if not CHANNEL_FACTS[send.channel].batched:
        return None
    return BatchKey(send.journey or "", send.step or "", sender, send.earliest)

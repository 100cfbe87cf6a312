"""Which sends are one staff action: a mass send (群发) or a moments post is confirmed once for
every customer it reaches.

The simulator, the exact forecaster and the planner group sends by this one rule, and the
WeCom push sends one request per group the plan names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sopdsl.builtins import CHANNEL_FACTS
from sopdsl.runtime.effects import SendRequested


class BatchKey(NamedTuple):
    """One staff action: a step's sends by one sender, released at one moment."""

    journey: str
    step: str
    sender: str | None  # the member (or role queue) who confirms it
    moment: float  # the release moment: the sends' earliest time, after quiet hours


def role_queue(role: str) -> str:
    """The sender that is a role's shared queue (any of its members confirms the work)."""
    return f"role:{role}"


def sender_of(owner: str | None, role: str | None,
              holds: Callable[[str, str], bool]) -> str | None:
    """Who confirms a customer's staff-confirmed send: the owner when the send names no role
    (`by ROLE`) or the owner holds it (`holds(owner, role)`), else the role's shared queue
    (`role_queue`), one batch for the role; None when nobody does (no owner and no role)."""
    if owner is not None and (role is None or holds(owner, role)):
        return owner
    return None if role is None else role_queue(role)


def batch_key(send: SendRequested, sender: str | None) -> BatchKey | None:
    """The staff action a send is part of; None when each customer's send is work of its own.

    Sends of one step by one sender released at the same moment are one action, however many
    customers they reach. Steps are never merged: two steps are two decisions (journeys,
    audiences, priorities and goals of their own), even with the same content at one moment.
    """
    if not CHANNEL_FACTS[send.channel].batched:
        return None
    return BatchKey(send.journey or "", send.step or "", sender, send.earliest)

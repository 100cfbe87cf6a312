"""A send recorded outside the events file: one customer's message as a push delivered it."""

from __future__ import annotations

from typing import NamedTuple


class RecordedSend(NamedTuple):
    """What was sent to one customer, as the push ledger keeps it."""

    customer: str
    channel: str
    journey: str
    step: str
    content: str | None  # the content's name in the playbook
    planned: str  # the task's due start, RFC 3339

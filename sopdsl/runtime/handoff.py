"""Who a `handoff ROLE` gives the customer to: the one rule the simulator and the planner share."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def hand_over(members: Sequence[str], current: str | None,
              choose: Callable[[int], int]) -> str | None:
    """The member of the role who becomes the customer's owner: one of the members other than
    the current owner (`choose(n)` picks among n of them, in order), the current owner only
    when they are the role's only member; None for a role without members."""
    others = [member for member in members if member != current] or list(members)
    return others[choose(len(others)) % len(others)] if others else None

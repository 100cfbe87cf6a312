"""The scenario's customer groups for one replication: created, then filled from the stock."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sopdsl.checker.program import Program
from sopdsl.runtime.effects import SendRequested
from sopdsl.runtime.groups import Group, GroupBook
from sopdsl.scenario.model import GroupsSpec


class GroupPost(NamedTuple):
    """A staff action: one post to one group, of the send that asked for it."""

    group: Group
    send: SendRequested


def has_group_journeys(program: Program) -> bool:
    """Whether any journey runs `for groups`."""
    return any(journey.for_groups for journey in program.journeys.values())


def group_count(spec: GroupsSpec, owners: int) -> int:
    """How many groups the scenario describes for a role of `owners` members."""
    if spec.total is not None:
        return spec.total
    return (1 if spec.per_owner is None else spec.per_owner) * owners


def build_groups(spec: GroupsSpec, members: list[str], stock_owners: list[str | None],
                 rng: np.random.Generator) -> GroupBook:
    """The groups at the start: round-robin over the owner role's members; each customer of
    the stock is in one with the scenario's `members` chance (one draw per customer)."""
    book = GroupBook()
    for k in range(group_count(spec, len(members))):
        owner = members[k % len(members)] if members else None
        book.add(Group(f"g{k + 1}", owner, f"{owner or 'group'}-{k // max(1, len(members)) + 1}",
                       spec.capacity))
    joining = np.flatnonzero(rng.random(len(stock_owners)) < spec.members)
    for index in joining.tolist():
        book.join(index, stock_owners[index])
    return book

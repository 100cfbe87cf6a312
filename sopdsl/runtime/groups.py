"""Customer groups (客户群): who owns them, who is in them, and the posts they receive.

A post to a group is one staff action of the group's owner and one unit of that group's
monthly company mass-send quota (`group_quota`), and it reaches every member. The simulator,
the exact forecaster and the planner keep groups and decide posts through these classes, so
they cannot disagree about membership, merging or the quota (docs/semantics.md, "Groups").
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import NamedTuple

from sopdsl.builtins import GROUP_CAPACITY, group_quota
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.effects import SendRequested

# Why a post to a customer's groups was not made, as the reports count it.
NO_GROUP = "no_group"  # the customer is in no group of the sender
QUOTA = "quota"  # the group had all the company mass sends its month allows
MERGED = "merged"  # the same post to the group at the same moment was decided already


@dataclass
class Group:
    """One customer group: its WeCom `chat_id`, owner (a staff member), name and members."""

    id: str
    owner: str | None
    name: str = ""
    capacity: int = GROUP_CAPACITY
    members: dict[Hashable, None] = field(default_factory=dict)  # in joining order

    @property
    def room(self) -> int:
        """How many more members the group takes."""
        return self.capacity - len(self.members)


class GroupBook:
    """Every customer group and the groups each customer is in."""

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.of: dict[Hashable, list[str]] = {}  # customer -> their groups, in joining order
        self.by_owner: dict[str | None, list[Group]] = {}

    def add(self, group: Group) -> Group:
        """Add a group (its members join too)."""
        self.groups[group.id] = group
        self.by_owner.setdefault(group.owner, []).append(group)
        for customer in group.members:
            self.of.setdefault(customer, []).append(group.id)
        return group

    def put(self, customer: Hashable, group_id: str) -> bool:
        """Add the customer to a group; False when they are in it already or it is full."""
        group = self.groups[group_id]
        if customer in group.members or group.room <= 0:
            return False
        group.members[customer] = None
        self.of.setdefault(customer, []).append(group_id)
        return True

    def join(self, customer: Hashable, owner: str | None) -> str | None:
        """The customer joins a group of their owner with room, else any group with room (the
        emptiest, first created on a tie); None when every group they are not in is full."""
        mine = self.of.get(customer, ())
        choice = None
        for pool in (self.by_owner.get(owner, []), self.groups.values()):
            choice = min((g for g in pool if g.room > 0 and g.id not in mine),
                         key=lambda g: len(g.members), default=None)
            if choice is not None:
                break
        if choice is None:
            return None
        self.put(customer, choice.id)
        return choice.id

    def leave(self, customer: Hashable, group_id: str | None = None) -> str | None:
        """The customer leaves a group (the one they joined last unless named); None when they
        were not in it (or in none)."""
        mine = self.of.get(customer)
        if not mine or (group_id is not None and group_id not in mine):
            return None
        group_id = group_id or mine[-1]
        mine.remove(group_id)
        self.groups[group_id].members.pop(customer, None)
        return group_id

    def own_unowned(self, customer: Hashable, owner: str | None) -> None:
        """The customer's groups without an owner get theirs (groups known only from events)."""
        for group in self.groups_of(customer, None):
            if group.owner is None and owner is not None:
                self.by_owner[None].remove(group)
                group.owner = owner
                self.by_owner.setdefault(owner, []).append(group)

    def groups_of(self, customer: Hashable, owner: str | None = None) -> list[Group]:
        """The customer's groups, only those `owner` owns when given."""
        return [self.groups[g] for g in self.of.get(customer, ())
                if owner is None or self.groups[g].owner == owner]


class PostKey(NamedTuple):
    """One post: a content to one group at one release moment."""

    group: str
    content: str
    moment: float


def post_key(group: str, send: SendRequested) -> PostKey:
    """The post a send via group asks of a group: its content at the send's release moment
    (its earliest time, after quiet hours), however late staff get to it: sends released at
    different moments are different posts even when staff would confirm them together."""
    return PostKey(group, send.content, send.earliest)


class GroupPosts:
    """The posts made to groups: merged per (group, content, moment), within each group's
    monthly quota."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.decided: set[PostKey] = set()  # posts made or refused
        self.used: dict[tuple[str, int, int], int] = {}  # (group, year, month) -> posts

    def decide(self, key: PostKey) -> str | None:
        """Make the post (None), or say why not: `MERGED` (decided already: a later request
        for the same post joins it, or its refusal) or `QUOTA`."""
        if key in self.decided:
            return MERGED
        self.decided.add(key)
        day = self.clock.date_of(key.moment)
        month = (key.group, day.year, day.month)
        if self.used.get(month, 0) >= group_quota(day):
            return QUOTA
        self.used[month] = self.used.get(month, 0) + 1
        return None

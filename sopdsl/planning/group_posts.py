"""The posts of a plan to customer groups: one `batch` task per group, content and release
moment, with the group's id, name and members, decided in time order within each group's
monthly quota (sopdsl.runtime.groups: the rules the simulator keeps too).

Customers may be planned on workers, so the posts are derived here, in the planning process,
from the customers' sends via group (`add_sends`) by the same rule that decided them there
(`post_targets`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sopdsl.builtins import GROUP_CHANNELS
from sopdsl.customers_io import Roster
from sopdsl.planning.build import clip_title
from sopdsl.planning.model import Assignee, PlanTask, group_post_id
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.groups import QUOTA, Group, GroupBook, GroupPosts, PostKey


def post_targets(book: GroupBook, roster: Roster, customer: str,
                 sender: Assignee) -> list[Group]:
    """The groups a customer's send via group posts to: their groups owned by the send's
    sender, or by a member of its role when it waits in the role's queue."""
    mine = book.groups_of(customer)
    if sender.staff_id is not None:
        return [g for g in mine if g.owner == sender.staff_id]
    return [g for g in mine if sender.role is not None and roster.has_role(g.owner, sender.role)]


class PlanGroupPosts:
    """Collects the posts the plan's sends ask for, then decides them in time order."""

    def __init__(self, clock: Clock, book: GroupBook, roster: Roster) -> None:
        self.clock, self.book, self.roster = clock, book, roster
        self._first: dict[PostKey, tuple[Group, PlanTask]] = {}

    def add_sends(self, tasks: Iterable[PlanTask]) -> None:
        """The posts one customer's sends via group ask for."""
        for task in tasks:
            if task.kind == "send" and task.channel in GROUP_CHANNELS \
                    and task.customer is not None and task.assignee is not None:
                self.add(task, post_targets(self.book, self.roster, task.customer,
                                            task.assignee))

    def add(self, send: PlanTask, groups: Iterable[Group]) -> None:
        """A send asks for a post to each group at its release moment (`post_key`; the first
        asking send describes it)."""
        assert send.released is not None
        moment = self.clock.minutes(dt.datetime.fromisoformat(send.released))
        content = send.content.name if send.content else ""
        for group in groups:
            self._first.setdefault(PostKey(group.id, content, moment), (group, send))

    def tasks(self) -> tuple[list[PlanTask], Counter[str]]:
        """One task per post made, by due time, and the posts the quota skips."""
        posts, skipped = GroupPosts(self.clock), Counter[str]()
        made = []
        for key in sorted(self._first, key=lambda k: (k.moment, k.group, k.content)):
            if posts.decide(key) == QUOTA:
                skipped[QUOTA] += 1
                continue
            group, send = self._first[key]
            made.append(self._post_task(group, send, key))
        return sorted(made, key=lambda task: (task.due.start, task.key)), skipped

    def _post_task(self, group: Group, send: PlanTask, key: PostKey) -> PlanTask:
        members = len(group.members)
        title = f"{send.title} · group post to {group.name or group.id} ({members} member" \
                f"{'s' if members != 1 else ''})"
        member = self.roster.members.get(group.owner or "")
        owner = Assignee(staff_id=group.owner, name=member.name if member else None,
                         role=member.roles[0] if member else None,
                         email=member.email if member else None)
        return send.model_copy(update={
            "key": group_post_id(key.group, key.content, send.released), "kind": "batch",
            "customer": None, "customer_name": None, "entry": None, "round": 1,
            "title": clip_title(title), "assignee": owner, "batch": None,
            "customers": sorted(map(str, group.members)), "reach": members, "group": group.id,
            "group_name": group.name or None, "members": members})

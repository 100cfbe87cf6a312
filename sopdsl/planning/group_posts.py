"""The posts of a plan to customer groups: one `batch` task per group, content and release
moment, with the group's id, name and members, decided in time order within each group's
monthly quota (sopdsl.runtime.groups: the rules the simulator keeps too)."""

from __future__ import annotations

from collections import Counter

from sopdsl.planning.build import clip_title
from sopdsl.planning.model import Assignee, PlanTask, group_post_id
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.groups import QUOTA, Group, GroupPosts, PostKey


class PlanGroupPosts:
    """Collects the posts the plan's sends ask for, then decides them in time order."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._first: dict[PostKey, tuple[Group, PlanTask, Assignee]] = {}

    def add(self, key: PostKey, group: Group, template: PlanTask, owner: Assignee) -> None:
        """A send asks for a post (the first asking send describes it)."""
        self._first.setdefault(key, (group, template, owner))

    def tasks(self) -> tuple[list[PlanTask], Counter[str]]:
        """One task per post made, by due time, and the posts the quota skips."""
        posts, skipped = GroupPosts(self.clock), Counter[str]()
        made = []
        for key in sorted(self._first, key=lambda k: (k.moment, k.group, k.content)):
            if posts.decide(key) == QUOTA:
                skipped[QUOTA] += 1
                continue
            group, template, owner = self._first[key]
            made.append(_post_task(key, group, template, owner))
        return sorted(made, key=lambda task: (task.due.start, task.key)), skipped


def _post_task(key: PostKey, group: Group, template: PlanTask, owner: Assignee) -> PlanTask:
    members = len(group.members)
    label = group.name or group.id
    title = f"{template.title} · group post to {label} ({members} member" \
            f"{'s' if members != 1 else ''})"
    return template.model_copy(update={
        "key": group_post_id(key.group, key.content, template.due.start), "kind": "batch", "customer": None,
        "customer_name": None, "entry": None, "round": 1, "title": clip_title(title),
        "assignee": owner, "batch": None, "customers": sorted(map(str, group.members)),
        "reach": members, "group": group.id, "group_name": group.name or None,
        "members": members})

"""A replication's customer groups: their members, the posts made to them and what the posts
reach (docs/semantics.md, "Customer groups"). The engine hands it the customers' sends via
group, the group calendars' posts and the finished staff actions that are posts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import simpy

from sopdsl.checker.program import Program
from sopdsl.runtime.arms import ArmChooser
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.effects import SendRequested, TaskCreated
from sopdsl.runtime.groups import NO_GROUP, QUOTA, Group, GroupBook, GroupPosts, post_key
from sopdsl.scenario.model import Scenario
from simulator.group_runs import GroupRuns
from simulator.groups import GroupPost, build_groups, has_group_journeys
from simulator.staff import Staffing, WorkItem

Count = Callable[..., None]
# Delivers one post to each (customer number, send), now, done by a member.
Deliver = Callable[[Sequence[tuple[int, SendRequested]], float, str], None]


class GroupPosting:
    """The groups of one replication and the posts made to them."""

    def __init__(self, env: simpy.Environment, program: Program, scenario: Scenario,
                 clock: Clock, arms: ArmChooser, staffing: Staffing, stock_owners: list,
                 rng: np.random.Generator, horizon: float, count: Count) -> None:
        self.env, self.staffing, self.count = env, staffing, count
        spec = scenario.groups
        self.groups = GroupBook() if spec is None else build_groups(
            spec, staffing.member_ids(spec.owner), stock_owners, rng)
        self.posts = GroupPosts(clock)
        self.reach: set[tuple] = set()  # (journey, step, group or customer) reached so far
        self.runs = GroupRuns(
            env, program, clock, arms, self.groups, horizon, count, self.post,
            self._task) if has_group_journeys(program) else None

    def moved(self, index: int, owner: str | None, joined: bool) -> int | None:
        """A customer joins a group (of their owner's first) or leaves their last one: the
        number of groups they are in now, None when nothing changed."""
        moved = self.groups.join(index, owner) if joined else self.groups.leave(index)
        return None if moved is None else len(self.groups.of.get(index, ()))

    def post_to_groups(self, index: int, send: SendRequested, senders: Iterable) -> None:
        """The customer's groups that a sender owns each get the post, once per content and
        moment, within the group's quota; a customer in none of them is counted."""
        owners = {member.id for member in senders}
        targets = [g for g in self.groups.groups_of(index) if g.owner in owners]
        if not targets:
            self.count(("dropped", NO_GROUP), self.env.now)
            return
        for group in targets:
            self.post(group, send)

    def post(self, group: Group, send: SendRequested) -> None:
        """Post to a group now, at the send's release: one action of its owner, unless made
        already or over quota."""
        now = self.env.now
        why = self.posts.decide(post_key(group.id, send))
        if why == QUOTA:
            self.count(("dropped", QUOTA), now)
        where = self.staffing.queue_for(group.owner, None)
        if why is not None:
            return
        if where is None:
            self.count(("dropped", "no_staff"), now)  # the group's owner has no role
            return
        self.count(("step_actions", send.journey, send.step), now)
        self._reached("step_groups", send, group.id, now)
        self.staffing.put(WorkItem(-1, GroupPost(group, send), now, None), where, send=True)

    def done(self, post: GroupPost, member: str, deliver: Deliver) -> None:
        """A post was done: every member of the group gets the send at this moment."""
        group, send = post
        now = self.env.now
        members = list(group.members)
        for index in members:
            self._reached("step_customers", send, index, now)
        deliver([(index, send) for index in members], now, member)

    def expired(self, post: GroupPost) -> None:
        """A post nobody did: each member's send counts as expired."""
        self.count(("dropped", "expired"), self.env.now, len(post.group.members))

    def _reached(self, figure: str, send: SendRequested, whom: object, now: float) -> None:
        """Count a group or customer a group step reaches for the first time."""
        key = (send.journey, send.step, whom)
        if key not in self.reach:
            self.reach.add(key)
            self.count((figure, send.journey, send.step), now)

    def _task(self, group: Group, task: TaskCreated) -> None:
        now = self.env.now
        self.staffing.assign(WorkItem(-1, task, now, self.staffing.task_due(task.role, task, now)),
                             group.owner, task.role, send=False)

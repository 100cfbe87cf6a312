"""Turn one customer's effects into plan tasks: due windows, assignees, rendered text and keys.

The interpreter decides what happens; this module only describes it as work: who does it,
when, with which words, under which idempotency key.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sopdsl.syntax import ast
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.hours import WorkingTime, due_time
from sopdsl.runtime.customer import Customer
from sopdsl.lunar import LunarDay
from sopdsl.customers_io import Roster
from sopdsl.runtime.effects import (
    Effect, Entered, HandoffRequested, Notified, SendDelivered, SendDropped, SendRequested,
    StateChanged, TaskCreated,
)
from sopdsl.runtime.batches import batch_key, role_queue, sender_of
from sopdsl.runtime.groups import NO_GROUP, Group, PostKey, post_key
from sopdsl.builtins import CHANNEL_FACTS, GROUP_CHANNELS
from sopdsl.runtime.evaluate import plain_number
from sopdsl.planning.model import (
    Assignee, DueWindow, PlanChange, PlanContent, PlanTask, TaskKind, batch_id, group_post_id,
    task_key,
)
from sopdsl.checker.placeholders import OWNER_NAME, Placeholder, render
from sopdsl.checker.program import Program
from sopdsl.syntax.step_ids import walk_steps

_TITLE_WIDTH = 80
_Step = TypeVar("_Step", ast.Task, ast.Notify)


@dataclass(frozen=True)
class StepInfo:
    """What the plan says about a step: its source place and its syntax."""

    source: str
    step: ast.Step


def step_infos(program: Program) -> dict[str, StepInfo]:
    """Every step of every journey by stable id."""
    infos = {}
    for journey in program.journeys.values():
        for ref in walk_steps(journey):
            span = ref.step.span
            infos[ref.id] = StepInfo(f"{span.file}:{span.line}", ref.step)
    return infos


class TaskBuilder:
    """Builds one customer's tasks from the effects the interpreter reports, in their order."""

    def __init__(self, program: Program, clock: Clock, hours: WorkingTime, roster: Roster,
                 window_end: float, priorities: dict[str, int]) -> None:
        self.program, self.clock, self.hours, self.roster = program, clock, hours, roster
        self.window_end = window_end
        self.steps = step_infos(program)
        self.priorities = priorities
        # Customer groups: who a group send posts to, and where the posts are collected.
        self.group_targets: Callable[[Customer, Assignee], list[Group]] | None = None
        self.group_posts: Any = None  # a PlanGroupPosts when the plan has groups
        self.for_group = False  # the "customer" is a group running a journey `for groups`
        self.reset(None)

    def reset(self, customer: Customer | None) -> None:
        """Start on a new customer."""
        self.customer = customer
        self.tasks: list[tuple[float, PlanTask]] = []
        self.dropped: Counter[str] = Counter()
        self.entries: dict[tuple[str, int], float] = {}
        self.rounds: Counter[tuple[str, int, str]] = Counter()
        self.sends: dict[tuple[str, int, str], deque[tuple[float, PlanTask | None]]] = {}
        self._starts: dict[int, float] = {}  # by id() of a send asked for in this batch

    # ---- windows ------------------------------------------------------------------------

    def send_start(self, send: SendRequested) -> float:
        """When a send goes out: automatic ones at their earliest time, staff-confirmed ones
        at the start of their window."""
        known = self._starts.pop(id(send), None)
        if known is not None:
            return known
        return self.send_window(send)[0]

    def send_window(self, send: SendRequested) -> tuple[float, float]:
        """When a send is done: automatic ones at their earliest time, staff-confirmed ones
        in staff hours, out of quiet hours."""
        if not send.staff_confirmed:
            return send.earliest, send.earliest
        return self.hours.send_window(send.earliest)

    # ---- effects --------------------------------------------------------------------------

    def take(self, customer: Customer, effects: list[Effect]) -> None:
        """Describe a batch of effects (one moment of the interpreter) as work."""
        for effect in effects:
            if isinstance(effect, Entered):
                self.entries[(effect.journey or "", effect.run)] = effect.time
            elif isinstance(effect, SendRequested):
                self._requested(customer, effect)
            elif isinstance(effect, (SendDelivered, SendDropped)):
                self._decided(effect)
            elif isinstance(effect, TaskCreated):
                due = due_time(effect.time, effect.due_in, effect.due_wall, self.hours.staff)
                self._add(customer, effect, "task", *self.hours.work_window(effect.time, due),
                          self._describe_task)
                self._escalations(customer, effect)
            elif isinstance(effect, Notified):
                self._add(customer, effect, "notify", *self.hours.work_window(effect.time),
                          self._describe_notify)
            elif isinstance(effect, HandoffRequested):
                before = customer.owner
                self._hand_over(customer, effect.role)
                self._add(customer, effect, "handoff", *self.hours.work_window(effect.time),
                          lambda c, e: self._describe_handoff(c, e, before))
            elif isinstance(effect, StateChanged) and effect.journey is not None:
                self._add(customer, effect, "update", effect.time, effect.time,
                          self._describe_update)

    def pending(self, customer: Customer, journey: str, run: int, entered: float, step: str,
                round_: int, condition: str, start: float, end: float) -> None:
        """A step that waits for (or decides on) something the customer may still do."""
        self.entries.setdefault((journey, run), entered)
        self._add(customer, _At(journey, step, run), "pending", start, end,
                  lambda c, e: {"title": condition, "text": None, "condition": condition},
                  round_)

    def finish(self) -> tuple[list[PlanTask], Counter[str]]:
        """The customer's tasks in the plan window, by due time, journey, step and round."""
        self.tasks.sort(key=lambda item: (item[0], item[1].journey, item[1].step,
                                          item[1].round, item[1].kind))
        return [task for _, task in self.tasks], self.dropped

    def _requested(self, customer: Customer, send: SendRequested) -> None:
        start, end = self.send_window(send)
        self._starts[id(send)] = start
        round_ = self._round(send)
        task = None
        if send.channel in GROUP_CHANNELS:
            task = self._group_send(customer, send, start, end, round_)
        elif self._in_window(start, end):
            content = self.content(send.content, customer)
            assignee = self.sender(customer, send) if send.staff_confirmed else None
            task = self._task(customer, send, "send", start, end, round_, {
                "title": f"{send.channel}: {_first_line(content.title or content.name)}",
                "text": content.text, "assignee": assignee, "channel": send.channel,
                "content": content, "batch": self._batch(send, assignee)})
        key = (send.journey or "", send.run, send.step or "")
        self.sends.setdefault(key, deque()).append((start, task))

    def _group_send(self, customer: Customer, send: SendRequested, start: float, end: float,
                    round_: int) -> PlanTask | None:
        """A send via group: one post to each group it targets (none: skipped as no_group).
        The customer's send to list (a group's own run lists only its post)."""
        if not self._in_window(start, end):
            return None
        sender = self.sender(customer, send)
        targets = self.group_targets(customer, sender) if self.group_targets else []
        if not targets:
            self.dropped[NO_GROUP] += 1
            return None
        content = self.content(send.content, customer)
        task = self._task(customer, send, "send", start, end, round_, {
            "title": f"{send.channel}: {_first_line(content.title or content.name)}",
            "text": content.text, "assignee": sender, "channel": send.channel,
            "content": content, "released": self.iso(send.earliest),
            "batch": self.post_id(post_key(targets[0].id, send))})
        if self.for_group:  # a group's own run: its post, and no customer's send
            self.group_posts.add(task, targets)
            return None
        return task  # the plan derives its posts (PlanGroupPosts.add_sends)

    def post_id(self, key: PostKey) -> str:
        """The key of a post to a group, as the plan writes it."""
        return group_post_id(key.group, key.content, self.iso(key.moment))

    def _batch(self, send: SendRequested, assignee: Assignee | None) -> str | None:
        """The key of the batch a mass send or post is part of, None for work of its own."""
        if assignee is None:
            return None
        sender = assignee.staff_id or (role_queue(assignee.role) if assignee.role else None)
        key = batch_key(send, sender)
        return None if key is None else batch_id(key.journey, key.step, key.sender,
                                                 self.iso(key.moment))

    def _decided(self, outcome: SendDelivered | SendDropped) -> None:
        queue = self.sends.get((outcome.journey or "", outcome.run, outcome.step or ""))
        if not queue:
            return
        start, task = queue.popleft()
        if task is None:
            return
        if isinstance(outcome, SendDropped):
            self.dropped[outcome.reason] += 1
        else:
            self.tasks.append((start, task))

    def _hand_over(self, customer: Customer, role: str) -> None:
        """A handoff: the owner becomes another member of the role, when one is known."""
        member = self.roster.hand_over(role, customer.id, customer.owner)
        if member is not None:
            customer.owner = member.id

    def _escalations(self, customer: Customer, task: TaskCreated) -> None:
        """Each escalation step of a task as work due at its moment, should the task still be
        open then: a reminder to the task's assignee, a task for the notified role, a
        reassignment to another member of the task's role."""
        if not task.escalation:
            return
        assignee = self.assignee(customer, task.role)
        syntax = self._step(task, ast.Task)
        for index, (step, written) in enumerate(zip(task.escalation, syntax.escalation), start=1):
            at = due_time(task.time, step.after, task.due_wall, self.hours.staff)
            if at is None or not self._in_window(at, at):
                continue
            if step.action == "notify":
                who = self.assignee(customer, step.role)
                text = self.fill(written.text, customer) if written.text else None
                title = f"escalation: {text or f'task of {task.role} not done'}"
            elif step.action == "reassign":
                member = self.roster.hand_over(task.role, customer.id, assignee.staff_id)
                who = assignee if member is None else Assignee(
                    staff_id=member.id, name=member.name, role=task.role, email=member.email)
                title = f"escalation: take over a task of {assignee.staff_id or task.role}"
                text = None
            else:
                who, title, text = assignee, "escalation: reminder", None
            instruction = self.fill(syntax.instruction, customer)
            round_ = self.rounds[(task.journey or "", task.run, task.step or "")]
            key_step = f"{task.step}@escalate/{index}"
            fields = {"title": title, "text": text or instruction, "assignee": who,
                      "condition": f"if the task is not done by then ({step.action})"}
            plan_task = self._task(customer, task, "escalation", at, at, round_, fields)
            self.tasks.append((at, plan_task.model_copy(update={
                "key": task_key(customer.id, task.journey or "", plan_task.entry, key_step,
                                round_)})))

    def _describe_task(self, customer: Customer, effect: TaskCreated) -> dict[str, Any]:
        instruction = self.fill(self._step(effect, ast.Task).instruction, customer)
        content = self.content(effect.content, customer) if effect.content else None
        return {"title": _first_line(instruction),
                "text": instruction + (f"\n\n{content.text}" if content else ""),
                "assignee": self.assignee(customer, effect.role), "content": content}

    def _describe_notify(self, customer: Customer, effect: Notified) -> dict[str, Any]:
        text = self.fill(self._step(effect, ast.Notify).text, customer)
        return {"title": _first_line(text), "text": text,
                "assignee": self.assignee(customer, effect.role)}

    def _step(self, effect: Effect, kind: type[_Step]) -> _Step:
        """The step an effect came from, as written."""
        step = self.steps[effect.step or ""].step
        assert isinstance(step, kind)
        return step

    def _describe_handoff(self, customer: Customer, effect: HandoffRequested,
                          before: str | None) -> dict[str, Any]:
        name = customer.attributes.get("name")
        who = f"{customer.id} ({name})" if name else customer.id
        return {"title": f"handoff to {effect.role}",
                "text": f"take over customer {who} from {before or 'no owner'}",
                "assignee": self.assignee(customer, effect.role)}

    def _describe_update(self, customer: Customer, effect: StateChanged) -> dict[str, Any]:
        change = PlanChange(field=effect.field, name=effect.name, value=_plain(effect.value),
                            owner=customer.owner)
        return {"title": _change_title(change), "text": None, "change": change}

    def _round(self, effect: Effect | _At) -> int:
        key = (effect.journey or "", effect.run, effect.step or "")
        self.rounds[key] += 1
        return self.rounds[key]

    def _add(self, customer: Customer, effect: Any, kind: TaskKind, start: float, end: float,
             describe: Callable[[Customer, Any], dict[str, Any]],
             round_: int | None = None) -> None:
        """Count the step's round; list the work when it falls in the window."""
        round_ = self._round(effect) if round_ is None else round_
        if self._in_window(start, end):
            task = self._task(customer, effect, kind, start, end, round_,
                              describe(customer, effect))
            self.tasks.append((start, task))

    def _task(self, customer: Customer, effect: Effect | _At, kind: TaskKind, start: float,
              end: float, round_: int, fields: dict[str, Any]) -> PlanTask:
        journey, step = effect.journey or "", effect.step or ""
        entry = self.iso(self.entries[(journey, effect.run)])
        values: dict[str, Any] = dict(
            assignee=None, channel=None, content=None, change=None, condition=None)
        values.update(fields)
        values["title"] = clip_title(values["title"])
        return PlanTask(
            key=task_key(customer.id, journey, entry, step, round_), kind=kind,
            customer=customer.id, customer_name=_str_or_none(customer.attributes.get("name")),
            journey=journey, entry=entry, step=step, round=round_,
            source=self.steps[step].source if step in self.steps else "",
            priority=self.priorities.get(journey, 0), due=DueWindow(
                start=self.iso(start), end=self.iso(end)), **values)

    def _in_window(self, start: float, end: float) -> bool:
        return start < self.window_end and max(start, end) >= 0

    # ---- people and words -----------------------------------------------------------------

    def sender(self, customer: Customer, send: SendRequested) -> Assignee:
        """Who confirms a staff-confirmed send: a mass send or post is the sender's of
        `sender_of` (the owner, or the role's queue: one batch for the role, as simulated);
        other sends are the assignee's work."""
        if not CHANNEL_FACTS[send.channel].batched:
            return self.assignee(customer, send.role)
        if sender_of(customer.owner, send.role, self.roster.has_role) == customer.owner:
            return self.assignee(customer, send.role)
        return Assignee(staff_id=None, name=None, role=send.role, email=None)

    def assignee(self, customer: Customer, role: str | None) -> Assignee:
        """The owner when the work is theirs (no role, or the owner holds it), else the role's
        member for this customer, else the role's queue."""
        owner = customer.owner
        if role is None or self.roster.has_role(owner, role):
            member = self.roster.members.get(owner or "")
            if role is None and member is not None:
                role = member.roles[0]
            if owner is None:
                return Assignee(staff_id=None, name=None, role=role, email=None)
            return Assignee(staff_id=owner, name=member.name if member else None, role=role,
                            email=member.email if member else None)
        picked = self.roster.pick(role, customer.id)
        if picked is None:
            return Assignee(staff_id=None, name=None, role=role, email=None)
        return Assignee(staff_id=picked.id, name=picked.name, role=role, email=picked.email)

    def content(self, name: str, customer: Customer) -> PlanContent:
        """A content item with its placeholders filled for this customer."""
        decl = self.program.contents[name]
        fields = {f.key.name: f.value for f in decl.fields}
        title = self.fill(decl.title, customer) if decl.title else None
        body = fields.get("text")
        url = fields.get("url")
        value, valid = fields.get("value"), fields.get("valid")
        parts = [title, self.fill(body, customer) if isinstance(body, ast.StringLit)
                 else None, url.value if isinstance(url, ast.StringLit) else None]
        return PlanContent(
            name=name, kind=decl.kind.name, title=title,
            text="\n".join(part for part in parts if part),
            url=url.value if isinstance(url, ast.StringLit) else None,
            value=value.value if isinstance(value, ast.Number) else None,
            valid=valid.text if isinstance(valid, ast.Duration) else None)

    def fill(self, string: ast.StringLit, customer: Customer) -> str:
        """The text with `{customer.<attribute>}` and `{owner.name}` filled in; unknown values
        are empty."""
        def value(placeholder: Placeholder) -> str:
            if placeholder.inside == OWNER_NAME:
                member = self.roster.members.get(customer.owner or "")
                return (member.name if member and member.name else customer.owner) or ""
            if placeholder.attribute is None:
                return placeholder.text  # not a placeholder (the checker refuses it)
            return _shown(customer.attributes.get(placeholder.attribute))

        return render(string, value)

    def iso(self, t: float) -> str:
        """A run-time minute as RFC 3339 local time, to the second."""
        return self.clock.local(round(t * 60) / 60).isoformat(timespec="seconds")


@dataclass(frozen=True)
class _At:
    """Where a pending step stands, shaped like the common fields of an effect."""

    journey: str
    step: str
    run: int


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def clip_title(text: str) -> str:
    """A task title cut to the width a CRM subject takes."""
    return text if len(text) <= _TITLE_WIDTH else text[:_TITLE_WIDTH - 1] + "…"


def _change_title(change: PlanChange) -> str:
    if change.field in ("tag", "untag"):
        return f'{change.field} "{change.value}"'
    if change.field == "set":
        return f"set {change.name} = {_shown(change.value)}"
    return f"{change.field} {_shown(change.value)}"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return plain_number(value)
    return value


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, LunarDay):
        return value.month_day  # a lunar birthday is told by its month and day: 八月十五
    return str(_plain(value))


def _str_or_none(value: Any) -> str | None:
    return None if value is None else _shown(value)

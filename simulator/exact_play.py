"""One transition of a customer state: what happens when events fire or wake-ups fall due.

The journey interpreter itself decides every step, so the exact forecaster follows the same
rules as the SimPy engine and the planner. Where the outcome is random (a split arm, whether
staff ever do a task, whether a message is opened), the transition is replayed once per
choice, each replay weighted by that choice's probability.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sopdsl.builtins import BATCHED_CHANNELS, GROUP_CHANNELS, WECOM_CHANNELS
from sopdsl.runtime.customer import Event
from sopdsl.runtime.effects import Effect
from sopdsl.runtime.groups import QUOTA
from simulator.behaviour import PURCHASE_EVENT
from simulator.counting import effect_counts, response_counts, step_reached
from simulator.exact_batches import DONE, EXPIRED, PAIRED, RELEASE, Unbatchable, group_of, on_grid
from simulator.exact_groups import POSTED, decide_post
from simulator.exact_model import ExactModel
from simulator.exact_states import (
    AutoSend, BatchTimed, FollowUp, PendingResponse, Proc, State, Work, clone, state_at,
)
from sopdsl.errors import SopdslError

# Effects that leave no new moment in the state: a transition made only of these can be
# reused at any later moment of the same state.
_TIMELESS = frozenset(("goal_reached", "exited", "completed"))

Record = tuple[tuple, float, float | None, Any]  # series key, amount, at (None: now), kernel
Action = tuple[str, Any, bool]  # what to do, to what, and whether it happened at random
# What a group's post counts once per member it reaches (`ExactModel.members`).
_PER_MEMBER = frozenset(("send_delivered", "send_dropped"))
# Minutes before the end of a step at which its random events are handled (and friends
# arrive). A binary fraction: whole minutes plus it add up exactly, so a friend's timers fall
# at the same point of their step whichever step they arrived in (`exact_clock`).
EARLIER = 2.0 ** -20


class NeedChoice(SopdslError):
    """A random choice the replay script has not made yet."""

    def __init__(self, weights: Sequence[float]) -> None:
        super().__init__("choice")
        self.weights = list(weights)


class Chooser:
    """Makes the choices of one replay from its script and multiplies their probabilities."""

    def __init__(self, script: tuple[int, ...]) -> None:
        self.script, self.position, self.prob = script, 0, 1.0

    def __call__(self, weights: Sequence[float]) -> int:
        if self.position >= len(self.script):
            raise NeedChoice(weights)
        index = self.script[self.position]
        self.position += 1
        self.prob *= weights[index] / sum(weights)
        return index


@dataclass
class TransitionOutcome:
    """One way a transition can turn out, with its probability."""

    prob: float
    state: State
    keep: float  # the share of purchase-free mass that stays purchase-free
    records: list[Record]
    timeless: bool
    # The share of purchase-free mass whose first purchase is one counted by its expected
    # value and spread by a kernel (a response's or a click's delay), by kernel: those
    # customers become purchasers when that purchase comes, not at this step.
    later: tuple[tuple[Any, float], ...] = ()
    # The records counted at the transition's own step, summed per series: an outcome is
    # applied many times (its transition is reused), so they are added up once.
    now: tuple[tuple[tuple, float], ...] = ()
    # The records of releases into batches, counted per cohort as well (`Recorder.release`).
    releases: tuple[Record, ...] = ()

    def __post_init__(self) -> None:
        sums: dict[tuple, float] = {}
        rest = []
        for record in self.records:
            key, amount, at, kernel = record
            if at is None and kernel is None and key[0] not in PAIRED:
                sums[key] = sums.get(key, 0.0) + amount
            else:
                rest.append(record)
        self.now, self.records = tuple(sums.items()), rest
        self.releases = tuple(record for record in rest if record[0][0] == RELEASE)


def explore(model: ExactModel, state: State, now: float,
            actions: list[Action]) -> list[TransitionOutcome]:
    """Every outcome of running the actions, then everything due, on the state at `now`."""
    outcomes: list[TransitionOutcome] = []
    scripts: list[tuple[int, ...]] = [()]
    while scripts:
        script = scripts.pop()
        chooser = Chooser(script)
        model.chooser = chooser
        play = Play(model, state, now, chooser)
        try:
            play.run(actions)
        except NeedChoice as need:
            scripts.extend(script + (i,) for i, w in enumerate(need.weights) if w > 0)
            continue
        outcomes.append(play.outcome(chooser.prob))
    return outcomes


class Play:
    """One replay of a transition on a copy of the state's customer."""

    def __init__(self, model: ExactModel, state: State, now: float, chooser: Chooser) -> None:
        self.model, self.now, self.choose = model, now, chooser
        self.c = clone(state.customer)
        self.procs: list[Proc] = list(state.procs)
        self.arms = list(state.arms)
        self.stage = self.c.stage
        self.entered_at = {name: run.entered_at for name, run in self.c.runs.items()}
        self.records: list[Record] = []
        self.keep = 1.0
        self.later: dict[Any, float] = {}
        self.kinds: set[str] = set()
        self.timed = False
        self.stepped = False
        self.deliveries: list[Effect] = []
        model.steps_log.clear()

    # ---- driving ------------------------------------------------------------------

    def run(self, actions: list[Action]) -> None:
        """Apply the actions in order, then advance the customer to the end of the step."""
        interpreter, end = self.model.interpreter, self.now
        for kind, what, random in actions:
            # Random events fell inside the step, so before anything due at its end.
            self.now = end - EARLIER if random else end
            if kind in ("event", "happen"):
                self.call(interpreter.on_event(self.c, Event(what, self.now)))
            elif kind == "respond":
                self.respond(*what)
            elif kind == "daily":
                self.daily(what)
            elif kind == "post":  # a group's post, released to its owner
                self._work("send", self.c.owner, what, None, what.earliest)
            elif what in self.procs:
                self.procs.remove(what)
                getattr(self, kind)(what)
        self.now = end
        self.call(interpreter.advance(self.c, self.now))

    def outcome(self, prob: float) -> TransitionOutcome:
        """The replay's result as an outcome."""
        self._prune()
        state = state_at(self.model, self.c, tuple(self.procs), tuple(self.arms), self.now)
        timeless = not self.stepped and not self.timed and self.kinds <= _TIMELESS
        return TransitionOutcome(prob, state, self.keep, self.records, timeless,
                                 tuple(self.later.items()))

    def call(self, effects: list[Effect]) -> None:
        """Handle the effects of one interpreter call, then deliver what falls due now."""
        self._steps()
        for effect in effects:
            self.handle(effect)
        while self.deliveries:
            send = self.deliveries.pop(0)
            self.call(self.model.interpreter.deliver(self.c, send, self.now))

    def _steps(self) -> None:
        log = self.model.steps_log
        for journey, step in log:
            self.rec(step_reached(journey, step))
        self.stepped = self.stepped or bool(log)
        log.clear()

    def rec(self, key: tuple, amount: float = 1.0, at: float | None = None,
            kernel: Any = None) -> None:
        """Count something for the tally (per unit of mass)."""
        self.records.append((key, amount, at, kernel))

    def chance(self, p: float) -> bool:
        """A yes/no choice with probability p of yes."""
        if p <= 0:
            return False
        return p >= 1 or self.choose([p, 1 - p]) == 0

    # ---- effects ------------------------------------------------------------------

    def handle(self, e: Any) -> None:
        """Count an effect and start what it asks for."""
        kind = e.kind
        self.kinds.add(kind)
        reach = self.model.members if kind in _PER_MEMBER else 1.0
        for key, at in effect_counts(e, self.entered_at, self.arms):
            self.rec(key, reach, at=at)
        if kind == "send_requested":
            self._requested(e)
        elif kind == "send_delivered":
            self._delivered(e)
        elif kind == "task":
            self._work("task", e.role, e, self.model.task_due(e.role, e, self.now), self.now)
        elif kind == "handoff":
            self.c.owner = e.role
        elif kind == "state_changed" and e.field == "stage":
            self.rec(("stage", self.stage), -1.0)
            self.rec(("stage", e.value))
            self.stage = e.value

    def _requested(self, e: Any) -> None:
        if self.model.for_groups and e.channel in GROUP_CHANNELS:
            self._post(e)
        elif e.staff_confirmed:
            self._send_work(e)
        elif self.model.step_of(e.earliest) <= self.model.step_of(self.now):
            self.deliveries.append(e)
        else:
            self.timed = True
            self.procs.append(AutoSend(e.earliest, e.journey, e.step, e.content, e))

    def _post(self, e: Any) -> None:
        """A journey `for groups` posts to its group at the send's release: one action of the
        group's owner, unless made already at that moment or over the group's quota."""
        why = decide_post(self.c, self.model.clock, e)
        if why == QUOTA:
            self.rec(("dropped", QUOTA), at=e.earliest)
        if why is not None:
            return
        self.rec(("step_actions", e.journey, e.step), at=e.earliest)
        # The post's work and what it reaches do not change the group's path: each post is
        # followed on its own (`exact_group_runs`), from its release.
        self.rec((POSTED, e.journey, e.step), at=e.earliest)
        self.model.posts[(e.journey, e.step, self.model.step_of(e.earliest))] = e

    def _send_work(self, e: Any) -> None:
        """A staff-confirmed send: its customer's part of a batch released at a grid moment
        (counted with the batch's other customers), else a staff action of its own."""
        role = self.model.staff_role(self.c, e.role)
        batch = None
        if role is not None and e.channel in BATCHED_CHANNELS:
            if on_grid(self.model, e.earliest):
                group = group_of(self.model, self.c, e.journey, e.step, role)
                batch = (*group, self.model.step_of(e.earliest))
            elif any(isinstance(p, BatchTimed) for p in self.procs):
                raise Unbatchable(e.journey, e.step)
        if role is not None and batch is None:
            self.rec(("step_actions", e.journey, e.step))
        self._work("send", role, e, None, e.earliest, batch)

    def _work(self, kind: str, role: str | None, e: Any, due: float | None,
              since: float, batch: tuple | None = None) -> None:
        if role is None:
            self.rec(("dropped", "no_staff"))
            return
        if kind == "send":
            due = self.model.send_due(role, since)
        if batch is None:
            self.rec(("tasks", role))
        else:
            self.rec((RELEASE, *batch[:-1]), at=since)
        if due is None:
            self.rec(("tasks_undated", role))
        if not self.chance(self.model.completion(role)):
            if kind == "task":  # it stays open, past its due time when it has one
                if due is not None:
                    self.rec(("sla_overdue", role), at=due)
            elif due is not None:
                self._expired(kind, role, due, batch)
            return
        self.timed = True
        self.procs.append(Work(kind, role, role, since, False, due, e.journey, e.step, e, batch))

    def _expired(self, kind: str, role: str, at: float | None = None,
                 batch: tuple | None = None) -> None:
        self.rec(("expired", role) if batch is None else (EXPIRED, *batch), at=at)
        if kind == "send":
            self.rec(("dropped", "expired"), self.model.members, at=at)

    def _delivered(self, e: Any) -> None:
        b = self.model.behaviour.chances(self.c, self.now, e.channel, e.content)
        # A group's members respond by their expected number: nothing they do changes a path
        # the method follows (`exact_groups.group_reasons`).
        if not self.model.for_groups \
                and self.model.response_matters(self.c, e.channel, e.content, b):
            self.timed = True
            fixed = self.model.fixed_response(e.channel)
            at = None if fixed is None else self.now + fixed
            self.procs.append(PendingResponse(e.channel, e.content, e.journey, e.step, self.now,
                                              at, b))
        else:
            self._count_response(e.journey, e.step, e.channel, b)

    def _count_response(self, journey: str | None, step: str | None, channel: str,
                        b: Any) -> None:
        """Count a response that cannot change the customer's path by its expected value."""
        kernel, buy_kernel = ("response", channel), ("response_buy", channel)
        reach = self.model.members
        for key, amount in response_counts(journey, step, b.open, b.open * b.click,
                                           b.open * b.reply, b.unfriend):
            self.rec(key, reach * amount, kernel=kernel)
        self.rec(("purchases",), reach * b.open * b.click * b.buy, kernel=buy_kernel)
        self._buys_later(b.open * b.click * b.buy, buy_kernel)

    def _prune(self) -> None:
        """Count pending responses and purchases that can no longer change anything."""
        model, c = self.model, self.c
        for proc in list(self.procs):
            if isinstance(proc, PendingResponse) and proc.at is None and not model.response_matters(
                    c, proc.channel, proc.content, proc.behaviour):
                self.procs.remove(proc)
                self._count_response(proc.journey, proc.step, proc.channel, proc.behaviour)

    # ---- what fires ---------------------------------------------------------------

    def respond(self, proc: PendingResponse, how: tuple[bool, bool, bool, bool] | None) -> None:
        """The customer responds to a delivered message: open, click, reply, unfriend.

        `how` says which of these happen; None draws them here.
        """
        if proc not in self.procs:
            return
        self.procs.remove(proc)
        b, content, interpreter = proc.behaviour, proc.content, self.model.interpreter
        if not self.c.friend and proc.channel in WECOM_CHANNELS:
            return  # someone who deleted the friend no longer sees WeCom messages
        if how is None:
            opened = self.chance(b.open)
            how = (opened, opened and self.chance(b.click), opened and self.chance(b.reply),
                   self.chance(b.unfriend))
        opened, clicked, replied, unfriended = how
        for key, amount in response_counts(proc.journey, proc.step, opened, clicked, replied,
                                           unfriended):
            if amount:
                self.rec(key, amount)
        if opened:
            self.call(interpreter.on_event(self.c, Event("open", self.now, content)))
        if clicked:
            self.call(interpreter.on_event(self.c, Event("click", self.now, content)))
            self._after_click(b.buy)
        if replied:
            self.call(interpreter.on_event(self.c, Event("reply", self.now, content)))
        if unfriended:
            self.call(interpreter.on_event(self.c, Event("friend_deleted", self.now)))

    def _after_click(self, buy: float) -> None:
        """What a click leads to (`buy`: this customer's chance of a purchase). A purchase
        that can change no run counts by its expected value; the purchase and events that can
        are drawn: whether, and in which grid step of their window."""
        for follow in self.model.behaviour.after_click:
            event = follow.event
            chance = buy if event == PURCHASE_EVENT else follow.chance
            if not self.model.watch.can_matter(self.c, Event(event, 0.0)):
                if event == PURCHASE_EVENT:
                    self.rec(("purchases",), buy, kernel=("after_click",))
                    self._buys_later(buy, ("after_click",))
            elif chance > 0 and self.chance(chance):
                self._follow_up(event, follow.within)

    def _buys_later(self, chance: float, kernel: Any) -> None:
        """A purchase with `chance`, counted by its expected value, comes after a delay drawn
        from `kernel`: the purchase-free customers it makes purchasers become so then."""
        self.later[kernel] = self.later.get(kernel, 0.0) + self.keep * chance
        self.keep *= 1 - chance

    def _follow_up(self, event: str, within: float) -> None:
        follow_up = FollowUp(event, within, self.model.step_of(self.now))
        now = self.model.follow_up_step(within, 0)
        if self.choose([now, 1 - now]) == 0:
            self.follow(follow_up)  # in the click's own step: before its end
        else:  # in a later step of its window, with its chance there (`_hazards`)
            self.timed = True
            self.procs.append(follow_up)

    def follow(self, proc: FollowUp) -> None:
        """A purchase or event a click led to happens now."""
        if proc.event == "purchase":
            self.daily(None)
        else:
            self.call(self.model.interpreter.on_event(self.c, Event(proc.event, self.now)))

    def daily(self, _: None) -> None:
        """A purchase happens now (an organic one, or one a click led to)."""
        self.rec(("purchases",))
        self.keep = 0.0
        self.later.clear()  # whoever was to buy later has bought now
        event = Event("purchase", self.now, None, self.model.value)
        self.call(self.model.interpreter.on_event(self.c, event))

    def ready(self, proc: Work) -> None:
        """A member gets to a piece of work and starts doing it (in working hours)."""
        self.timed = True
        self.procs.append(dataclasses.replace(proc, since=self.now, doing=True))

    def work(self, proc: Work) -> None:
        """Staff do a piece of work now: a send is delivered, a task is done."""
        self.rec(("done", proc.role) if proc.batch is None else (DONE, *proc.batch))
        if proc.late:
            self.rec(("sla_late", proc.role))
            self.rec(("sla_overdue", proc.role), -1.0)
        elif proc.due is None:
            self.rec(("done_undated", proc.role))
        elif proc.kind == "task":
            self.rec(("sla_on_time", proc.role))
        interpreter = self.model.interpreter
        if proc.kind == "send":
            self.call(interpreter.deliver(self.c, proc.effect, self.now, staff=proc.staff))
            self._note_batch_timed(proc.effect)
        else:
            self.call(interpreter.on_event(self.c, Event("task_done", self.now)))

    def _note_batch_timed(self, e: Any) -> None:
        """Remember when a batched send's delivery moment, shared by its batch, can steer the
        customer's path."""
        if e.channel in BATCHED_CHANNELS and not any(isinstance(p, BatchTimed)
                                                     for p in self.procs) \
                and self.model.watch.can_matter(self.c, Event("delivered", 0.0, e.content)):
            self.procs.append(BatchTimed())

    def expire(self, proc: Work) -> None:
        """Work reached its due time undone."""
        self._expired(proc.kind, proc.role, None, proc.batch)

    def overdue(self, proc: Work) -> None:
        """A task reached its due time undone: it goes on, late."""
        self.rec(("sla_overdue", proc.role))
        self.timed = True
        self.procs.append(dataclasses.replace(proc, due=None, late=True))

    def auto(self, proc: AutoSend) -> None:
        """An automatic send goes out at the end of quiet hours."""
        self.call(self.model.interpreter.deliver(self.c, proc.effect, self.now))

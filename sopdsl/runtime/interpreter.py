"""The journey interpreter: the one step machine that decides what each customer does next.

It knows no clock of its own: drivers (the simulator, the planner, `replay`) pass the time in
run-time minutes and get effects back. Programs must be valid (loaded with no errors).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sopdsl.runtime.admission import Admissions
from sopdsl.runtime.arms import ArmChooser, stable_arm
from sopdsl.builtins import ACTIVITY_EVENTS, CHANNEL_FACTS
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, DueSend, Event, Run, event_key
from sopdsl.runtime.due import Dues
from sopdsl.runtime.effects import (
    Completed, Effect, Entered, EntryRefused, Exited, GoalReached, MilestoneReached,
    SendDelivered, SendDropped, SendRequested, StateChanged,
)
from sopdsl.runtime.evaluate import ExprCompiler
from sopdsl.runtime.hours import ClockHours, DailyHours
from sopdsl.runtime.journey_program import CompiledJourney, compile_program, step_starts
from sopdsl.runtime.limits import Limits, delivery_order
from sopdsl.checker.program import Program
from sopdsl.runtime.quiet import advance_quietly
from sopdsl.runtime.release import SendRelease
from sopdsl.runtime.spent import SpentTriggers
from sopdsl.runtime.steps import Instruction, Send
from sopdsl.runtime.triggers import index_triggers
from sopdsl.runtime.yearly import YearlyAttributes

_ACTIVITY = frozenset((*ACTIVITY_EVENTS, "friend_added"))

# Told when a step of a run starts: (customer, run, step id, now).
StepHook = Callable[[Customer, Run, str, float], None]
# Asked before each instruction of a run executes: True holds the run there for good (it
# never wakes again; goals and exits still end it), False lets the instruction run.
StepGate = Callable[[Customer, Run, Instruction, float], bool]


class Interpreter:
    """Runs a program's journeys for customers; every public call returns the effects it caused."""

    def __init__(self, program: Program, clock: Clock, choose_arm: ArmChooser = stable_arm,
                 for_groups: bool = False):
        """`for_groups`: run the journeys `for groups`, each "customer" being a customer group
        whose attributes are its facts (`members`); otherwise the journeys for customers."""
        self.program = program
        self.clock = clock
        self.choose_arm = choose_arm
        quiet = program.settings.quiet_hours
        self.quiet = ClockHours(DailyHours(*quiet), clock) if quiet else None
        compiler = ExprCompiler(program, clock)
        self.campaigns = compiler.campaigns
        self.release = SendRelease(self.campaigns, self.quiet)
        self.journeys: dict[str, CompiledJourney] = compile_program(program, compiler)
        self.triggers = index_triggers(program, compiler, for_groups)
        self.limits = Limits(program.settings, clock, {
            j.name: j.cap for j in self.journeys.values() if j.cap is not None}, self.campaigns)
        self._spent = SpentTriggers(self.journeys, self.triggers)
        self.dues = Dues(self.triggers, clock, self._spent,
                         Admissions(program, compiler, self.journeys))
        self._normalized = YearlyAttributes(program).normalized
        self.on_step: StepHook | None = None
        self.before_step: StepGate | None = None
        self._step_starts = {name: step_starts(j.code) for name, j in self.journeys.items()}

    # ---- the driver's API ---------------------------------------------------------------

    def new_customer(
        self,
        customer_id: str,
        now: float,
        *,
        owner: str | None = None,
        attributes: dict[str, Any] | None = None,
        tags: Iterable[str] = (),
        score: float = 0,
        stage: str | None = None,
        history: Iterable[Event] = (),
    ) -> Customer:
        """A customer followed from `now`, with past events; earlier moments trigger nothing."""
        customer = Customer(
            customer_id, now, owner=owner, attributes=self._normalized(attributes or {}), tags=tags,
            score=score, stage=stage or self.program.settings.stages[0])
        for event in sorted(history, key=lambda e: e.time):
            self._record(customer, event)
        self.dues.start(customer, now)
        customer.segments = {name: bool(is_in(customer, now))
                             for name, is_in in self.triggers.segments.items()}
        return customer

    def on_event(self, customer: Customer, event: Event) -> list[Effect]:
        """Handle an event at its time, after everything due before it."""
        now = event.time
        out: list[Effect] = []
        self._run_due(customer, now, out, inclusive=False)
        self._handle_event(customer, event, now, out)
        self._run_due(customer, now, out, inclusive=True)
        return out

    def advance(self, customer: Customer, now: float) -> list[Effect]:
        """Run every wait, deadline, goal window and scheduled trigger due up to `now`."""
        out: list[Effect] = []
        self._run_due(customer, now, out, inclusive=True)
        return out

    def advance_quietly(self, customer: Customer, now: float) -> tuple[bool, float | None]:
        """`advance` when all that is due up to `now` is triggers the same for everyone that
        start nothing for the customer: (True, their next such moment; no effects), else
        (False, None) with nothing done."""
        return advance_quietly(self, customer, now)

    def next_wakeup(self, customer: Customer) -> float | None:
        """When the customer next needs `advance`, None when nothing is pending."""
        own, shared = self.next_wakeups(customer)
        return shared if own is None or (shared is not None and shared < own) else own

    def next_wakeups(self, customer: Customer) -> tuple[float | None, float | None]:
        """When the customer next needs `advance`: for what is their own (runs, held sends,
        triggers whose moments read the customer), and for a trigger whose moments are the
        same for everyone (a driver may wake everyone due then together); None: never."""
        return self.dues.next_wakeups(customer)

    def next_shared_moment(self, after: float) -> float | None:
        """The first moment after `after` of any trigger the same for everyone (None: none),
        whoever it is due for: a driver waking everyone due then together can make it once."""
        return self.dues.next_shared_moment(after)

    def schedule_dues(self, customer: Customer) -> tuple[float | None, ...]:
        """When each scheduled trigger next fires for the customer (None: never)."""
        return self.dues.schedule_dues(customer)

    def deliver(
        self, customer: Customer, send: SendRequested, now: float, staff: str | None = None,
    ) -> list[Effect]:
        """Deliver a requested send now (by `staff`, default the owner) or drop it at a limit;
        inside quiet hours it is held until they end."""
        out: list[Effect] = []
        self._run_due(customer, now, out, inclusive=False)
        self._deliver_now(customer, [DueSend(now, send, staff)], now, out)
        self._run_due(customer, now, out, inclusive=True)
        return out

    def deliver_all(
        self, customer: Customer, sends: Sequence[SendRequested], now: float,
    ) -> list[Effect]:
        """Deliver sends due at the same instant, higher priority first (ties in request order)."""
        out: list[Effect] = []
        self._run_due(customer, now, out, inclusive=False)
        self._deliver_now(customer, [DueSend(now, send, None) for send in sends], now, out)
        self._run_due(customer, now, out, inclusive=True)
        return out

    def update(
        self,
        customer: Customer,
        now: float,
        *,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        stage: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> list[Effect]:
        """Apply changes made outside the journeys (a CRM sync, staff tagging); triggers fire."""
        out: list[Effect] = []
        self._run_due(customer, now, out, inclusive=False)
        for tag in add_tags:
            self.change(customer, None, None, "tag", tag, tag, now, out)
        for tag in remove_tags:
            self.change(customer, None, None, "untag", tag, tag, now, out)
        if stage is not None:
            self.change(customer, None, None, "stage", None, stage, now, out)
        for name, value in (attributes or {}).items():
            self.change(customer, None, None, "set", name, value, now, out)
        self._run_due(customer, now, out, inclusive=True)
        return out

    # ---- what steps call (the `Machine` protocol) ---------------------------------------

    def request_send(
        self, c: Customer, run: Run, send: Send, now: float, out: list[Effect],
    ) -> None:
        """Ask the driver for a send, from the end of quiet hours (welcome messages at once)."""
        channel = send.channel
        out.append(SendRequested.make(
            time=now, customer=c.id, journey=run.journey.name, step=send.step, run=run.number,
            content=send.content, channel=channel, role=send.role,
            earliest=self.release.at(channel, run.journey.name, now),
            priority=run.journey.priority,
            staff_confirmed=CHANNEL_FACTS[channel].staff))

    def change(
        self, c: Customer, run: Run | None, step: str | None, field: str, name: str | None,
        value: Any, now: float, out: list[Effect],
    ) -> None:
        """Change the customer's state; a change that changes nothing triggers nothing."""
        fired: list[str] = []
        if field == "tag":
            if value in c.tags:
                return
            c.tags.add(value)
            fired = self.triggers.on_tag.get(value, [])
        elif field == "untag":
            if value not in c.tags:
                return
            c.tags.discard(value)
        elif field == "stage":
            if value == c.stage:
                return
            c.stage = value
            fired = self.triggers.on_stage.get(value, [])
        elif field == "score":
            c.score = value
        else:
            value = self._normalized({name: value})[name]
            c.attributes[name] = value
            self.dues.recompute(c, self.dues.on_attributes)
        self.dues.changed(c, now)
        out.append(StateChanged.make(
            time=now, customer=c.id, journey=run.journey.name if run else None, step=step,
            run=run.number if run else 0, field=field, name=name, value=value))
        label = f"stage becomes {value}" if field == "stage" else f'tag "{value}" added'
        for journey in fired:
            self._try_enter(c, self.journeys[journey], now, out, label)
        if self.triggers.segments:
            self._check_segments(c, now, out)

    def enter_from(
        self, c: Customer, target: str, run: Run, step: str, now: float, out: list[Effect],
    ) -> None:
        """An `enter` step: start the target journey now, or record why it did not start."""
        reason = self._try_enter(c, self.journeys[target], now, out, f"enter from {step}")
        if reason is not None:
            out.append(EntryRefused(time=now, customer=c.id, journey=run.journey.name, step=step,
                                    run=run.number, reason=reason, target=target))

    def end(self, c: Customer, run: Run, effect: Effect, out: list[Effect]) -> None:
        """End a run with its final effect."""
        run.ended = True
        run.wake_at = run.waiting = None
        c.waking = None
        if c.runs.get(run.journey.name) is run:
            del c.runs[run.journey.name]
        out.append(effect)

    # ---- internals ----------------------------------------------------------------------

    def _run_due(self, c: Customer, now: float, out: list[Effect], inclusive: bool) -> None:
        dues = self.dues
        while True:
            # Twice per call: the kept answers are read without a call when there are some.
            best, index = c.soonest or dues.next_schedule(c)
            wake_time, waking = c.waking or dues.next_run(c)
            # A run's wake-up goes before a scheduled trigger due at the same moment.
            if wake_time is not None and (best is None or wake_time <= best):
                best = wake_time
            else:
                waking = None
            # Sends held by quiet hours were done earlier: they go before both.
            held = c.held[0].at if c.held else None
            releasing = held is not None and (best is None or held <= best)
            if releasing:
                best = held
            if best is None or best > now or (best == now and not inclusive):
                if inclusive:
                    c.ran = now  # a broadcast's moment up to now has passed for them
                return
            if releasing:
                self._deliver_now(c, [], best, out)
            elif waking is not None:
                self._wake(c, waking, best, out)
            else:
                self._fire(c, index, best, out)

    def _wake(self, c: Customer, run: Run, now: float, out: list[Effect]) -> None:
        run.wake_at = None
        if run.finished:
            self.end(c, run, Completed.make(time=now, customer=c.id, journey=run.journey.name,
                                            run=run.number), out)
        elif run.waiting is not None:
            timeout_pc = run.waiting.timeout_pc
            run.waiting = None
            self._execute(c, run, timeout_pc, now, out)
        else:
            self._execute(c, run, run.pc, now, out)

    def _fire(self, c: Customer, index: int, now: float, out: list[Effect]) -> None:
        schedule = self.triggers.schedules[index]
        self.dues.fired(c, index, now)
        if schedule.journey is None:
            self._check_segments(c, now, out)
        else:
            self._try_enter(c, self.journeys[schedule.journey], now, out, schedule.label)

    def _execute(self, c: Customer, run: Run, pc: int, now: float, out: list[Effect]) -> None:
        journey = run.journey
        code, exit_when = journey.code, journey.exit_when
        on_step, gate, starts = self.on_step, self.before_step, self._step_starts[journey.name]
        c.waking = None  # the run moves: its wake-up is worked out again when next asked
        # Whether `exit when` must be evaluated at the next step that checks it: false once
        # found false, until a step that may change what it reads (`now` stays the same).
        unchecked = exit_when is not None
        while not run.ended:
            if pc >= len(code):
                self._finish(c, run, now, out)
                return
            instruction = code[pc]
            if instruction.checks_exit and unchecked:
                if exit_when(c, now):
                    self.end(c, run, Exited(time=now, customer=c.id, journey=journey.name,
                                            step=instruction.step, run=run.number,
                                            reason="exit_when"), out)
                    return
                unchecked = False
            run.pc, run.step = pc, instruction.step
            if on_step is not None and starts[pc]:
                on_step(c, run, instruction.step, now)
            if gate is not None and gate(c, run, instruction, now):
                run.wake_at = None
                return
            pc = instruction.execute(self, c, run, now, out)
            if pc < 0:
                return
            if instruction.changes_customer:
                unchecked = exit_when is not None

    def _finish(self, c: Customer, run: Run, now: float, out: list[Effect]) -> None:
        closes = run.entered_at + run.journey.goal_span
        if closes > now:
            run.finished, run.wake_at = True, closes
        else:
            self.end(c, run, Completed.make(time=now, customer=c.id, journey=run.journey.name,
                                            run=run.number), out)

    def _try_enter(
        self, c: Customer, journey: CompiledJourney, now: float, out: list[Effect], trigger: str,
    ) -> str | None:
        """Start a run, or say why not: `active`, `reentry` or `audience`."""
        reason = self.refusal(c, journey, now)
        if reason is not None:
            return reason
        prior = c.entries.get(journey.name)
        number = prior[0] + 1 if prior else 1
        c.entries[journey.name] = (number, now)
        self.dues.changed(c, now)
        run = c.runs[journey.name] = Run(journey, number, now)
        out.append(Entered.make(time=now, customer=c.id, journey=journey.name, run=number,
                                trigger=trigger))
        if journey.reentry == "never":
            self.dues.recompute(c, self._spent.schedules_of.get(journey.name, ()))
        self._execute(c, run, 0, now, out)
        return None

    def refusal(self, c: Customer, journey: CompiledJourney, now: float) -> str | None:
        """Why the journey would not start for the customer now (`active`, `reentry`,
        `audience`), None when it would; changes nothing."""
        if journey.name in c.runs:
            return "active"
        prior = c.entries.get(journey.name)
        if prior is not None and (journey.reentry == "never" or (
                journey.reentry == "after" and now - prior[1] < journey.reentry_after)):
            return "reentry"
        if journey.audience is not None and not journey.audience(c, now):
            return "audience"
        return None

    def _record(self, c: Customer, event: Event) -> None:
        c.history.record(event)
        self.dues.changed(c, event.time)
        if event.name == "friend_deleted":
            c.friend = False
        elif event.name == "friend_added":
            c.friend = True

    def record(self, c: Customer, event: Event) -> None:
        """Handle an event that can do no more than be recorded (`only_records`, nothing due
        up to its time): add it to the customer's history, as handling it does before anything
        reacts, and what it makes due at its time is due then (a driver then `advance`s)."""
        self._note(c, event)
        self.dues.next_schedule(c)  # worked out as handling it would, before its time passes
        c.ran = event.time

    def _note(self, c: Customer, event: Event) -> None:
        """Add an event to the customer's history, as handling it does before anything reacts."""
        self._record(c, event)
        if event.name in _ACTIVITY:
            self.dues.recompute(c, self.dues.on_activity)

    def only_records(self, c: Customer, event: Event) -> bool:
        """Whether handling the event can do no more than `record` it: the customer has no
        runs or held sends, no segment is watched and no trigger starts on its name (what is
        due is the caller's to check)."""
        return not (c.runs or c.held or self.triggers.segments
                    or event.name in self.triggers.on_event)

    def _handle_event(self, c: Customer, event: Event, now: float, out: list[Effect]) -> None:
        self._note(c, event)
        for run in list(c.runs.values()):
            if not run.ended:
                self._event_in_run(c, run, event, now, out)
        for journey, content, label in self.triggers.on_event.get(event.name, ()):
            if content is None or content == event.content:
                self._try_enter(c, self.journeys[journey], now, out, label)
        if self.triggers.segments:
            self._check_segments(c, now, out)

    def _event_in_run(
        self, c: Customer, run: Run, event: Event, now: float, out: list[Effect],
    ) -> None:
        """Goals first, then `exit on`, then `exit when`, then a `wait for` the event ends."""
        journey = run.journey
        if event.name in journey.ending and self._goal_or_exit_on(c, run, event, now, out):
            return
        if journey.exit_when is not None and journey.exit_when(c, now):
            self.end(c, run, Exited(**_where(c, run, now), reason="exit_when",
                                    event=event_key(event.name, event.content)), out)
        elif run.waiting is not None and run.waiting.events.matches(event):
            then_pc = run.waiting.then_pc
            run.waiting = run.wake_at = None
            self._execute(c, run, then_pc, now, out)

    def _goal_or_exit_on(
        self, c: Customer, run: Run, event: Event, now: float, out: list[Effect],
    ) -> bool:
        """The goals the event reaches, then `exit on`; True when they ended the run."""
        journey = run.journey
        for goal in journey.goals:
            if not goal.events.matches(event) or now - run.entered_at > goal.within:
                continue
            if goal.terminal:
                self.end(c, run, GoalReached(**_where(c, run, now), goal=goal.name,
                                             event=event_key(event.name, event.content)), out)
                return True
            if goal.name not in run.milestones:
                run.milestones |= {goal.name}
                out.append(MilestoneReached(**_where(c, run, now), goal=goal.name,
                                            event=event_key(event.name, event.content)))
        if journey.exit_on is not None and journey.exit_on.matches(event):
            self.end(c, run, Exited(**_where(c, run, now), reason="exit_on",
                                    event=event_key(event.name, event.content)), out)
            return True
        return False

    def memberships(self, c: Customer, now: float) -> Iterator[tuple[str, bool]]:
        """Whether the customer is in each segment of a `when enter` trigger now, one at a
        time (those whose entering can start nothing for them left out); changes nothing."""
        for name, is_in in self.triggers.segments.items():
            if not self._spent.segment(c, name):
                yield name, bool(is_in(c, now))

    def _check_segments(self, c: Customer, now: float, out: list[Effect]) -> None:
        """Start the journeys of the segments the customer has just entered; only called when
        some segment is watched (most programs watch none: no call after every change)."""
        # One segment at a time: a journey it starts may change what the next one reads.
        for name, inside in self.memberships(c, now):
            was = c.segments.get(name, False)
            c.segments[name] = inside
            if inside and not was:
                for journey in self.triggers.on_segment[name]:
                    self._try_enter(c, self.journeys[journey], now, out, f"enter {name}")
        self.dues.segments_checked(c, now)

    def _deliver_now(
        self, c: Customer, deliveries: list[DueSend], now: float, out: list[Effect],
    ) -> None:
        """Deliver the given sends and those held until now, highest priority first."""
        held = 0
        while held < len(c.held) and c.held[held].at == now:
            held += 1
        due, c.held[:held] = c.held[:held], []
        batch = [*due, *deliveries] if due else deliveries
        for delivery in delivery_order(batch) if len(batch) > 1 else batch:
            self._deliver(c, delivery.send, now, delivery.staff, out)

    def _deliver(
        self, c: Customer, send: SendRequested, now: float, staff: str | None, out: list[Effect],
    ) -> None:
        if staff is None and send.staff_confirmed:
            staff = c.owner
        release = self.release.at(send.channel, send.journey, now)
        if release > now:
            held = DueSend(release, send, staff)
            bisect.insort_right(c.held, held, key=lambda delivery: delivery.at)
            return
        reason = self.limits.refusal(c, send, staff, now)
        if reason is not None:
            out.append(SendDropped.make(
                time=now, customer=c.id, journey=send.journey, step=send.step, run=send.run,
                content=send.content, channel=send.channel, staff=staff, reason=reason))
            return
        self.limits.record(c, send, staff, now)
        out.append(SendDelivered.make(
            time=now, customer=c.id, journey=send.journey, step=send.step, run=send.run,
            content=send.content, channel=send.channel, staff=staff))
        self._handle_event(c, Event("delivered", now, send.content), now, out)


def _where(c: Customer, run: Run, now: float) -> dict[str, Any]:
    """The common fields of an effect of the run now (no step once every step is done)."""
    return dict(time=now, customer=c.id, journey=run.journey.name,
                step=None if run.finished else run.step, run=run.number)

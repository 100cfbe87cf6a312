"""One replication of a playbook against a scenario: a SimPy model driving the journey interpreter.

SimPy keeps the time (run-time minutes from the scenario's start, 00:00 in the playbook's zone).
Customers are not SimPy processes: each pending moment (a wake-up of the interpreter, a delivery,
a response, an arrival) is one timeout whose callback calls the interpreter, which decides every
journey; a moment of a trigger the same for everyone is one timeout for all due then
(simulator.wakes). Staff members are processes (simulator.staff). docs/simulation.md describes the model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import math
import random
from collections.abc import Callable

import numpy as np
import simpy

from sopdsl.calendars import Workdays
from sopdsl.runtime.arms import seeded_arms
from sopdsl.runtime.batches import BatchKey, batch_key
from sopdsl.builtins import CHANNEL_FACTS, GROUP_CHANNELS, MINUTES_PER_DAY, WECOM_CHANNELS
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.effects import (
    Effect, HandoffRequested, SendDelivered, SendDropped, SendRequested, TaskCreated,
)
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.runtime.journey_program import compile_program
from sopdsl.runtime.steps import EventMatcher
from sopdsl.checker.program import Program
from simulator.behaviour import BehaviourSampler, DrawnResponse, DrawStream
from simulator.daily_chances import PURCHASE, daily_chances
from simulator.latent import named_generators
from simulator.day_clock import DayTableClock
from simulator.group_posting import GroupPosting
from simulator.groups import GroupPost
from simulator.population import Population, generate
from simulator.posts import PostDeliveries
from simulator.base_replay import BaseReplay
from simulator.effect_counting import READS_RUNS_CLASSES, EffectCounting
from simulator.timers import Timer, after, run_until
from simulator.wakes import Wakes
from simulator.real_base import RealBase, base_population, staff_of
from simulator.results import Tally
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.uncertainty import with_replication_draws
from simulator.staff import Shifts, StaffOutcome, Staffing, WorkItem, working_hours
from simulator.counting import (
    ArmSpend, Plan, SampledCounts, stage_funnel, tally_of,
)

Progress = Callable[[int], None]
MOMENTS = "purchase.bgnbd.moments"  # the stream of BG/NBD candidate purchase moments
# A replication's seed spawns its streams: children 0-5 are those of every run; 6 and 7 those
# of values drawn per replication and per customer, by name; 8 the customer groups, 9 posts'
# recipients' draws (adding them changed no other).
STREAMS, PARAMETER_DRAWS, OWN_DRAWS, GROUP_DRAWS, POST_DRAWS = 10, 6, 7, 8, 9


def run_replication(program: Program, scenario: Scenario, seed: int,
                    progress: Progress | None = None, *, baseline: bool = False,
                    base: RealBase | None = None) -> Tally:
    """Simulate one replication; the same seed gives the same Tally, bit for bit.

    `baseline` runs the same customers with the playbook switched off (`switched_off`).
    `base` starts from real customers (`simulator.real_base`) instead of a synthetic stock.
    `progress(days_done)` is called as simulated days pass. The garbage collector is paused
    during the run (it would spend most of the time walking the many live customer objects).
    """
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    replication = None
    try:
        replication = Replication(program, scenario, seed, progress, baseline, base)
        return replication.run()
    finally:
        if replication is not None:  # its cycles broken: freed by reference counts, not
            # by the collector's next pass walking every object the run made
            vars(replication).clear()
        gc.unfreeze()
        if enabled:
            gc.enable()


def run_baseline(program: Program, scenario: Scenario, seed: int,
                 progress: Progress | None = None, *, base: RealBase | None = None) -> Tally:
    """One replication of the baseline: `run_replication` with the playbook switched off."""
    return run_replication(program, scenario, seed, progress, baseline=True, base=base)


def switched_off(program: Program) -> Program:
    """The program without its journeys: nothing triggers, sends, tasks staff or changes a
    customer; its declarations (events, attributes, segments, roles, settings) stay, so the
    population and every random stream are those of the playbook's own run."""
    return dataclasses.replace(program, journeys={})


def replication_scenario(scenario: Scenario, seed: int) -> Scenario:
    """The scenario the replication of `seed` runs with: each value written as a distribution
    drawn once for it (per-customer ones keep their means)."""
    streams = np.random.SeedSequence(seed).spawn(STREAMS)
    return with_replication_draws(scenario, named_generators(streams[PARAMETER_DRAWS]))


class Replication(BaseReplay, EffectCounting, PostDeliveries):
    """The state of one run: the SimPy environment, the customers, staff and the counters."""

    def __init__(self, program: Program, scenario: Scenario, seed: int,
                 progress: Progress | None, baseline: bool = False,
                 base: RealBase | None = None) -> None:
        streams = np.random.SeedSequence(seed).spawn(STREAMS)
        scenario = replication_scenario(scenario, seed)
        own = named_generators(streams[OWN_DRAWS])
        self.program, self.scenario, self.seed, self.progress = program, scenario, seed, progress
        self.env = simpy.Environment()
        self.horizon = float(scenario.horizon_minutes)
        days = max(1, math.ceil(self.horizon / MINUTES_PER_DAY))
        clock = DayTableClock(dt.datetime.combine(scenario.start, dt.time()),
                              program.settings.timezone, scenario.start - dt.timedelta(days=2),
                              days + 4)
        population_rng, draws = (np.random.default_rng(s) for s in streams[:2])
        behaviour_rng, staff_rng = (random.Random(int(s.generate_state(1)[0]))
                                    for s in streams[2:4])
        arms = seeded_arms(int(streams[4].generate_state(1)[0]))
        running = switched_off(program) if baseline else program
        self.interpreter = Interpreter(running, clock, arms)
        goals = (compile_program(program) if baseline else self.interpreter.journeys).values()
        self.goal_watch = [(journey.name, goal.name, goal.events)
                           for journey in goals for goal in journey.goals]
        # The goals an event's name can match, in the order above (most events match none).
        self.goals_by_event: dict[str, list[tuple[str, str, EventMatcher]]] = {}
        for watch in self.goal_watch:
            for name in watch[2].wanted:
                self.goals_by_event.setdefault(name, []).append(watch)
        self.daily_rng = np.random.default_rng(streams[5])
        self.day_starts = [clock.at(scenario.start + dt.timedelta(days=k), 0)
                           for k in range(days)]
        self.counts = SampledCounts(program, self.horizon, self.day_starts)
        self.marks: dict[int, tuple[dict[str, float], list]] = {}  # runs' entries and arms
        self.plain_counts: dict[tuple, tuple[Plan, Callable | None]] = {}  # effects', by class
        self.step_counts: dict[str, Plan] = {}  # a run reaching a step, by step id
        self.response_plans: dict[tuple, Plan] = {}  # responses', by step and outcome
        self.spend = ArmSpend(program)
        self.backlog = {role: [0.0] * days for role in program.roles}
        self.purchasers: set[int] = set()
        self.gmv = 0.0
        self.interpreter.on_step = self._step_started
        workdays = Workdays(program.settings.workdays)
        self.base = base
        named = staff_of(base.roster, program) if base is not None else {}
        roles = {role: (staff.model_copy(update={"count": len(named[role])}) if role in named
                        else staff, Shifts(working_hours(staff, clock, workdays), self.horizon))
                 for role, staff in scenario.staff.items() if role in program.roles}
        self.staffing = Staffing(
            self.env, roles, staff_rng, lambda law: DrawStream(law, draws, floor=0.0),
            self.horizon, StaffOutcome(self._done, self._expired), named)
        owners = self.staffing.member_ids(scenario.population.owner)
        self.population: Population = (
            generate(program, scenario, owners, population_rng, own) if base is None
            else base_population(program, scenario, base, owners, population_rng, own))
        self.base_purchases = np.zeros(base.size if base is not None else 0)
        self.behaviour = BehaviourSampler(program, scenario, behaviour_rng, draws,
                                          self.population.latent, own,
                                          np.random.default_rng(streams[POST_DRAWS]))
        self.latent_moments_rng = own(MOMENTS)
        self.grouped = GroupPosting(
            self.env, running, scenario, clock, arms, self.staffing,
            self.population.stock.owners, np.random.default_rng(streams[GROUP_DRAWS]),
            self.horizon, self.counts.add)
        self.groups, self.posts = self.grouped.groups, self.grouped.posts
        self.customers: list[Customer | None] = [None] * self.population.size
        self.wakes = Wakes(self.env, self.interpreter, self.horizon, self.customers, self._wake)
        self.outbox: dict[tuple[int, float], list[SendRequested]] = {}
        # Staff actions released now that later sends of the same moment join (by batch key).
        self.batches: dict[BatchKey, WorkItem] = {}
        self.batches_at = -1.0
        self.handlers = {SendRequested: self._requested, SendDelivered: self._delivered,
                         TaskCreated: self._task, HandoffRequested: self._handoff}

    # ---- the run -----------------------------------------------------------------------

    def run(self) -> Tally:
        """Create the stock, schedule arrivals, daily chances and day ends, then simulate."""
        self._create_stock()
        self._schedule_arrivals()
        self._schedule_daily_chances()
        for day in range(1, len(self.day_starts)):
            self._at(self.day_starts[day], day, self._day_end)
        run_until(self.env, self.horizon)
        self._day_end_now(len(self.day_starts))
        return self._finish()

    def _at(self, t: float, value: object, callback: Callable[[Timer], None]) -> None:
        after(self.env, t - self.env.now, value, callback)

    def _create_stock(self) -> None:
        if self.base is not None:
            self._replay_base(self.base)
            return
        # Without scheduled triggers a stock customer's state cannot change before their first
        # event, so they are created then, as they were at the start: same result, less memory.
        if self.interpreter.triggers.schedules:
            for index in range(self.population.stock.size):
                self._stock_customer(index)

    def _stock_customer(self, index: int) -> Customer:
        """A customer of the stock, followed from the start."""
        customer = self.customers[index]
        if customer is None:
            stock = self.population.stock
            # `groups`: the groups the customer is in, as an arrival's is (0 to start with).
            attributes = {**stock.attributes_of(index),
                          "groups": len(self.groups.of.get(index, ()))}
            customer = self.interpreter.new_customer(
                str(index), 0.0, owner=stock.owners[index],
                attributes=attributes, tags=stock.tags_of(index),
                stage=stock.stages.get(index),
                history=self.population.history.events_of(index))
            self.customers[index] = customer
            self.wakes.schedule(index, customer)
        return customer

    def _schedule_arrivals(self) -> None:
        if self.population.arrivals.size:
            self._at(float(self.population.arrival_times[0]), 0, self._arrive)

    def _arrive(self, timer: Timer) -> None:
        number = timer.value
        times, arrivals = self.population.arrival_times, self.population.arrivals
        if number + 1 < arrivals.size:
            self._at(float(times[number + 1]), number + 1, self._arrive)
        index = self.population.stock.size + number
        now = self.env.now
        customer = self.interpreter.new_customer(
            str(index), now, owner=arrivals.owners[number],
            attributes=arrivals.attributes_of(number), tags=arrivals.tags_of(number),
            stage=arrivals.stages.get(number))
        customer.attributes["groups"] = 0
        self.customers[index] = customer
        self._fire(index, customer, Event("friend_added", now))

    def _schedule_daily_chances(self) -> None:
        self.daily_queue = daily_chances(self.population, self.scenario, self.behaviour,
                                         self.horizon, self.daily_rng, self.latent_moments_rng)
        if self.daily_queue.times:
            self._at(self.daily_queue.times[0], 0, self._daily_chance)

    def _daily_chance(self, timer: Timer) -> None:
        position = timer.value
        times, who, what, names, uniforms, amounts = self.daily_queue
        if position + 1 < len(times):
            self._at(times[position + 1], position + 1, self._daily_chance)
        index, now = who[position], self.env.now
        customer = self.customers[index] or self._stock_customer(index)
        if names[what[position]] != PURCHASE:
            self._fire(index, customer, Event(names[what[position]], now))
        elif self.behaviour.organic_purchase(customer, now, index, uniforms[position]):
            # Under Gamma-Gamma the amount follows the customer's own mean spend, drawn from
            # the behaviour's stream; otherwise it was drawn with the candidate.
            amount = (self.behaviour.amount(index) if self.behaviour.latent.spend is not None
                      else amounts[position])
            self._fire(index, customer, Event(PURCHASE, now, None, amount))

    def _day_end(self, timer: Timer) -> None:
        self._day_end_now(timer.value)

    def _day_end_now(self, days_done: int) -> None:
        for role, series in self.backlog.items():
            series[days_done - 1] = float(self.staffing.backlog(role))
        if self.progress is not None:
            self.progress(days_done)

    # ---- driving the interpreter ---------------------------------------------------------

    def _apply(self, index: int, customer: Customer, effects: list[Effect]) -> None:
        """Count and act on a call's effects; automatic sends allowed now are delivered at once."""
        plans, now = self.plain_counts, self.env.now
        sends_now: list[SendRequested] = []
        for effect in effects:
            cls = type(effect)
            if cls in READS_RUNS_CLASSES:
                self._count_runs(index, effect)
                handler = self.handlers.get(cls)
            else:
                # What these count depends on their kind, journey, step and drop reason alone
                # (kept with their class's handler: one look-up).
                plain = (cls, effect.journey, effect.step,
                         effect.reason if cls is SendDropped else None)
                found = plans.get(plain)
                if found is None:
                    found = plans[plain] = (self._plain_plan(effect), self.handlers.get(cls))
                plan, handler = found
                if plan:
                    self.counts.add_planned(plan, effect.time)
            if cls is SendRequested and not effect.staff_confirmed and effect.earliest <= now:
                sends_now.append(effect)
            elif handler is not None:
                handler(index, customer, effect)
        if sends_now:
            self._apply(index, customer, self.interpreter.deliver_all(customer, sends_now, now))
        else:
            self.wakes.schedule(index, customer)

    def _wake(self, index: int) -> None:
        customer = self.customers[index]
        self._apply(index, customer, self.interpreter.advance(customer, self.env.now))

    def _fire(self, index: int, customer: Customer, event: Event) -> None:
        """A behaviour event happens now: count it, then let the journeys see it."""
        if event.name == PURCHASE:
            self.counts.add(("purchases",), event.time)
            self.gmv += event.amount or 0.0
            for key, entry in self.spend.purchased(index, event.time):
                self.counts.add(key, entry, event.amount or 0.0)
            self.purchasers.add(index)
            self.behaviour.purchased(index)
            if index < self.base_purchases.size:
                self.base_purchases[index] += 1
        elif event.name == "friend_deleted":
            self.counts.add(("unfriends",), event.time)
        elif event.name in ("joined_group", "left_group") and self.scenario.groups is not None:
            groups = self.grouped.moved(index, customer.owner, event.name == "joined_group")
            if groups is None:
                return  # every group is full, or the customer is in none to leave
            customer.attributes["groups"] = groups
        for journey, goal, events in self.goals_by_event.get(event.name, ()):
            if events.matches(event):
                self.counts.add(("goal_events", journey, goal), event.time)
        self._apply(index, customer, self.interpreter.on_event(customer, event))

    # ---- effects -----------------------------------------------------------------------

    def _requested(self, index: int, customer: Customer, send: SendRequested) -> None:
        if send.staff_confirmed:
            if send.earliest > self.env.now:
                self._at(send.earliest, (index, send), self._staff_send)
            else:
                self._queue_staff_send(index, customer, send)
            return
        key = (index, send.earliest)
        waiting = self.outbox.get(key)
        if waiting is None:
            self.outbox[key] = [send]
            self._at(send.earliest, key, self._deliver_automatic)
        else:
            waiting.append(send)

    def _deliver_automatic(self, timer: Timer) -> None:
        index, _ = timer.value
        sends = self.outbox.pop(timer.value)
        customer = self.customers[index]
        self._apply(index, customer, self.interpreter.deliver_all(customer, sends, self.env.now))

    def _staff_send(self, timer: Timer) -> None:
        index, send = timer.value
        self._queue_staff_send(index, self.customers[index], send)

    def _queue_staff_send(self, index: int, customer: Customer, send: SendRequested) -> None:
        """A staff-confirmed send is released: it joins its staff action, or starts one."""
        now = self.env.now
        # Without an owner, the owner role's members share the customer's sends.
        role = send.role or (None if customer.owner in self.staffing.members
                             else self.scenario.population.owner)
        where = self.staffing.queue_for(customer.owner, role)
        if where is None:
            self.counts.add(("dropped", "no_staff"), now)  # the playbook has no role
            return
        if send.channel in GROUP_CHANNELS:
            self.grouped.post_to_groups(index, send, where.members)
            return
        key = batch_key(send, where.name)
        if key is not None:
            if self.batches_at != now:
                self.batches.clear()
                self.batches_at = now
            item = self.batches.get(key)
            if item is not None:
                item.what.append((index, send))
                return
        item = WorkItem(index, [(index, send)], now, None)
        if key is not None:
            self.batches[key] = item
        self.counts.add(("step_actions", send.journey, send.step), now)
        self.staffing.put(item, where, send=True)

    def _task(self, index: int, customer: Customer, task: TaskCreated) -> None:
        now = self.env.now
        self.staffing.assign(WorkItem(index, task, now, self.staffing.task_due(task.role, task, now)),
                             customer.owner, task.role, send=False)

    def _handoff(self, index: int, customer: Customer, handoff: HandoffRequested) -> None:
        owner = self.staffing.next_owner(handoff.role, customer.owner)
        if owner is not None:
            customer.owner = owner

    def _done(self, item: WorkItem, member: str) -> None:
        now = self.env.now
        if isinstance(item.what, GroupPost):
            self.grouped.done(item.what, member, self._deliver_post)
        elif isinstance(item.what, list) and CHANNEL_FACTS[item.what[0][1].channel].post:
            self._deliver_post(item.what, now, member)
        elif isinstance(item.what, list):  # each customer's send goes out as the action is done
            for index, send in item.what:
                customer = self.customers[index]
                self._apply(index, customer,
                            self.interpreter.deliver(customer, send, now, staff=member))
        elif isinstance(item.what, TaskCreated) and item.customer >= 0:  # not a group's task
            index = item.customer
            self._fire(index, self.customers[index], Event("task_done", now))

    def _expired(self, item: WorkItem) -> None:
        if isinstance(item.what, GroupPost):
            self.grouped.expired(item.what)
        elif isinstance(item.what, list):
            for _ in item.what:
                self.counts.add(("dropped", "expired"), self.env.now)

    def _delivered(self, index: int, customer: Customer, sent: SendDelivered) -> None:
        self._responded(index, self.behaviour.respond(customer, sent.channel, sent.content,
                                                     self.env.now, index), sent)

    def _responded(self, index: int, response: DrawnResponse, sent: SendDelivered) -> None:
        """Schedule what a drawn response to a delivered message does."""
        # A message nobody opens and that deletes no friend has nothing to count or fire later
        # (most posts: moments are seen by few).
        if response.events and response.at < self.horizon:
            self._at(response.at, (index, response, sent), self._respond)
        for event in response.later:
            if event.time < self.horizon:
                self._at(event.time, (index, event), self._later)

    def _respond(self, timer: Timer) -> None:
        index, response, sent = timer.value
        customer = self.customers[index]
        if not customer.friend and sent.channel in WECOM_CHANNELS:
            return  # a WeCom message can no longer be read after the friend was deleted
        self._count_response(sent.journey, sent.step, response)
        for event in response.events:
            if event.name != "friend_deleted" or customer.friend:
                self._fire(index, customer, event)

    def _later(self, timer: Timer) -> None:
        index, event = timer.value
        self._fire(index, self.customers[index], event)

    # ---- the result --------------------------------------------------------------------

    def _finish(self) -> Tally:
        tally = tally_of(self.program, self.scenario, self.counts,
                         float(self.population.size), float(self.population.arrivals.size))
        tally.seed = self.seed
        tally.purchasers = float(len(self.purchasers))
        tally.gmv = self.gmv
        tally.staff = self.staffing.tallies()
        tally.daily.backlog = self.backlog
        for journey, goal, _ in self.goal_watch:
            tally.goal_events.setdefault(journey, {})[goal] = self.counts.total(
                ("goal_events", journey, goal))
        stock = self.population.stock
        tally.funnel = stage_funnel(self.program.settings.stages, (
            c.stage if c is not None else stock.stages.get(index)
            for index, c in enumerate(self.customers)))
        if self.base is not None:
            self._base_figures(self.base, tally)
        return tally


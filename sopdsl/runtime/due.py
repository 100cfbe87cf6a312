"""When a customer next needs the interpreter: their scheduled triggers' next moments and their
runs' wake-ups, each kept per customer until something it depends on changes."""

from __future__ import annotations

from collections.abc import Sequence

from sopdsl.runtime.admission import Admissions
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Run
from sopdsl.runtime.spent import SpentTriggers
from sopdsl.runtime.triggers import Schedule, Triggers

_STALE = float("-inf")  # a scheduled trigger's cached next moment that must be recomputed


class Dues:
    """The next moments of a program's scheduled triggers and runs for each customer."""

    def __init__(self, triggers: Triggers, clock: Clock, spent: SpentTriggers,
                 admissions: Admissions) -> None:
        """Bookkeeping for `triggers`' schedules read on `clock`; spent triggers never fire, and
        a broadcast is due for a customer no sooner than `admissions` says it may admit them."""
        schedules = self.schedules = triggers.schedules
        self.clock = clock
        self.spent = spent
        self.admissions = admissions
        self.on_activity = [i for i, s in enumerate(schedules) if s.depends == "activity"]
        self.on_attributes = [i for i, s in enumerate(schedules) if s.depends == "attributes"]
        # Per scheduled trigger the same for everyone: its next moment after each time asked.
        self._moments: list[dict[float, float | None]] = [{} for _ in schedules]
        self._same_for_all = [not schedule.per_customer for schedule in schedules]
        self.shared_indexes = [i for i, same in enumerate(self._same_for_all) if same]
        # Broadcasts: triggers the same for everyone that start a journey (their next moments
        # for a customer read the customer's state, so are worked out again when it changes).
        self.broadcasts = [i for i in self.shared_indexes if schedules[i].journey is not None]

    def start(self, c: Customer, now: float) -> None:
        """Start the customer's bookkeeping at `now`: earlier moments fire nothing."""
        c.marks = [schedule.first_mark(now) for schedule in self.schedules]
        c.due = [_STALE] * len(self.schedules)
        c.soonest = c.waking = None
        c.settled = max(c.settled, now)

    def changed(self, c: Customer, now: float) -> None:
        """The customer's state changed at `now` (an event recorded, a change, an entry): the
        broadcasts' next moments for them are worked out again, from then on."""
        if now > c.settled:
            c.settled = now
        bounded = c.bounded
        if bounded:
            # Only those the bound put off: one due at its own next moment stays due then (a
            # change that now refuses the customer is found by the broadcast, as ever).
            c.bounded = 0
            due = c.due
            for index in self.broadcasts:
                if bounded >> index & 1:
                    due[index] = _STALE
            c.soonest = None

    def next_schedule(self, c: Customer) -> tuple[float | None, int]:
        """The soonest scheduled trigger's moment and index (None, -1 when none will fire),
        kept until a trigger's next moment is recomputed."""
        soonest = c.soonest
        if soonest is None:
            soonest = c.soonest = self._soonest_schedule(c)
        return soonest

    @staticmethod
    def next_run(c: Customer) -> tuple[float | None, Run | None]:
        """The first run to wake and when (None, None when no run waits), kept until a run
        starts, goes on or ends (the interpreter then forgets it); the first of the earliest
        in the runs' order."""
        waking = c.waking
        if waking is None:
            wake_time: float | None = None
            first: Run | None = None
            for run in c.runs.values():
                wake = run.wake_at
                if wake is not None and (wake_time is None or wake < wake_time):
                    first, wake_time = run, wake
            waking = c.waking = (wake_time, first)
        return waking

    def fired(self, c: Customer, index: int, now: float) -> None:
        """The scheduled trigger fired for the customer at `now`."""
        c.marks[index], c.due[index], c.soonest = now, _STALE, None

    def fired_alike(self, c: Customer, indexes: Sequence[int], now: float) -> float | None:
        """Scheduled triggers the same for everyone fired for the customer at `now` without
        starting anything (so none got spent): their next moments set at once. Returns the
        customer's next moment of a trigger the same for everyone (None: never)."""
        due, marks, schedules, check = c.due, c.marks, self.schedules, self.spent.check_index
        for index in indexes:
            marks[index] = now
            # The segment check may have seen the customer leave their last segment.
            due[index] = None if index == check and self.spent.check_idle(c) \
                else self._broadcast_after(c, schedules[index], index, now)
        c.soonest = None
        shared = None
        for index in self.shared_indexes:
            moment = due[index]
            if moment is not None and (shared is None or moment < shared):
                shared = moment
        return shared

    def segments_checked(self, c: Customer, now: float) -> None:
        """The customer's segments were checked at `now`: the daily check's next moment is the
        first midnight after it (one at `now` would find the same), and when the check was
        idle for the customer, it is no longer once they are in a segment time can take them
        out of."""
        index = self.spent.check_index
        if index >= 0:
            c.marks[index] = now
            if c.due[index] is None and not self.spent.check_idle(c):
                c.due[index], c.soonest = _STALE, None

    @staticmethod
    def recompute(c: Customer, indexes: Sequence[int]) -> None:
        """Forget the cached next moments of these scheduled triggers of the customer."""
        if indexes:
            for index in indexes:
                c.due[index] = _STALE
            c.soonest = None

    def next_wakeups(self, c: Customer) -> tuple[float | None, float | None]:
        """When the customer next needs `advance`: for what is their own (runs, held sends,
        triggers whose moments read the customer), and for a trigger whose moments are the
        same for everyone; None: never."""
        own = shared = None
        if c.due:  # the program has scheduled triggers
            if c.soonest is None:  # the cached moments are current while it is kept
                self.next_schedule(c)
            for due, same in zip(c.due, self._same_for_all):
                if due is None:
                    continue
                if same:
                    if shared is None or due < shared:
                        shared = due
                elif own is None or due < own:
                    own = due
        wake = (c.waking or self.next_run(c))[0]
        if wake is not None and (own is None or wake < own):
            own = wake
        if c.held and (own is None or c.held[0].at < own):
            own = c.held[0].at
        return own, shared

    def schedule_dues(self, c: Customer) -> tuple[float | None, ...]:
        """When each scheduled trigger next fires for the customer (None: never)."""
        self.next_schedule(c)
        return tuple(c.due)

    def _soonest_schedule(self, c: Customer) -> tuple[float | None, int]:
        best: float | None = None
        best_index = -1
        schedules = self.schedules
        for index, due in enumerate(c.due):
            if due == _STALE:
                due = c.due[index] = self._next_moment(c, schedules[index], index)
            if due is not None and (best is None or due < best):
                best, best_index = due, index
        return best, best_index

    def _next_moment(self, c: Customer, schedule: Schedule, index: int) -> float | None:
        """A scheduled trigger's next moment for the customer (None once it can start nothing
        for them); one that is the same for every customer is worked out once for each moment
        it is asked from."""
        if self.spent.schedule(c, index):
            return None
        after = c.marks[index]
        if schedule.per_customer:
            return schedule.next_after(c, self.clock, after)
        return self._broadcast_after(c, schedule, index, after)

    def _broadcast_after(self, c: Customer, schedule: Schedule, index: int,
                         after: float) -> float | None:
        """The first moment after `after` of a trigger the same for everyone that may start
        its journey for the customer, their state staying as it is (None: none before their
        next event or change of state, where it is worked out again)."""
        t = self._moment_after(c, schedule, index, after)
        journey = schedule.journey
        if t is None or journey is None:
            return t
        # Conditions are read from the customer's last change on: moments skipped before it
        # were refused by the state they had then. A moment up to the last time everything
        # due for the customer was run has passed: had it been due, it would have fired then.
        now = c.settled if c.settled > after else after
        bound = self.admissions.earliest(c, journey, now)
        ran = c.ran
        if bound is not None and t >= bound and t >= now and t > ran:
            c.bounded &= ~(1 << index)
            return t
        c.bounded |= 1 << index  # put off: worked out again at their next change
        if bound is None:
            return None
        if now > bound:
            bound = now
        while t is not None and (t < bound or t <= ran):
            t = self._moment_after(c, schedule, index, t)
        return t

    def next_shared_moment(self, after: float) -> float | None:
        """The first moment after `after` of any trigger the same for everyone (None: none),
        whoever it is due for."""
        found = None
        for index in self.shared_indexes:
            t = self._moment_after(None, self.schedules[index], index, after)
            if t is not None and (found is None or t < found):
                found = t
        return found

    def _moment_after(self, c: Customer | None, schedule: Schedule, index: int,
                      after: float) -> float | None:
        """The next moment of a trigger the same for everyone (it reads no customer), worked
        out once per `after`."""
        moments = self._moments[index]
        if after in moments:
            return moments[after]
        t = moments[after] = schedule.next_after(c, self.clock, after)  # type: ignore[arg-type]
        return t

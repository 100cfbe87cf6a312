"""How large an exact forecast gets: its states and memory, estimated before propagating and
counted while it runs, both held under one bound.

A trajectory (the stock of one customer type, the friends of one type arriving in one step
of the playbook's period, a group's calendar or one of its posts) makes a few states for each
instruction its customers can be at, and at each grid step a few more for each thing they can
wait on at random that can change their path: a send staff confirm or whose response is
watched, a task, a `wait for`, a split's arms, a watched purchase or event of daily chance,
and for each send, when a click can lead to a watched purchase, each step of its window. The
estimate adds these up over the trajectories and the steps; the test playbooks hold it above
the states they make. A state takes memory until the forecast ends (the transition memo
keeps it), so counting the states made, with the cohorts' shares of the states each flow
holds at the moment, bounds the memory.

The arrivals of one customer type are followed in one flow, where cohorts whose states
coincide make one state; the estimate still counts each arrival step's states apart, so it
also holds every cohort's masses in states that did not merge (one step, when the friends of
every step are the first's, shifted: `exact_clock`). The series of counts are one per flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sopdsl.builtins import MINUTES_PER_DAY, STAFF_CHANNELS
from sopdsl.errors import SopdslError
from sopdsl.runtime.customer import Event
from sopdsl.runtime.steps import Send, Split, Task, WaitFor

if TYPE_CHECKING:  # the model holds the state count this module defines
    from simulator.exact_model import ExactModel

# The memory a forecast may take.
MAX_BYTES = 1 << 30
# A state: a copy of the customer, its pending messages and work, and its place in the
# transition memo (the test playbooks peak at 0.5-3.3 kB per state made, past the few hundred
# kB any forecast takes).
STATE_BYTES = 5_000
# A cohort's share of a state it holds with other cohorts, or of a pool of sleeping states
# (its masses in the flow's dicts: about 210 bytes measured); a state's first is in its own.
SHARE_BYTES = 250
# A figure's expected count per grid step of one trajectory, and its running totals.
SERIES_BYTES = 2 * 8
# A group's post is done or expires by the end of the working day after the one it is
# released in: within days (a week over a weekend and a short holiday).
POST_DAYS = 7
# States per instruction, and per grid step and thing a customer can wait on at random (see
# above): the least whole number that holds the estimate above every test playbook's states.
PER_STEP = 2


class TooManyStates(SopdslError):
    """The forecast made more states than its memory bound allows."""


@dataclass(frozen=True)
class Size:
    """An exact forecast's size: what it is made of, its states and its memory."""

    grid: int  # minutes per step
    steps: int  # grid steps to the horizon
    trajectories: int  # followed, each arrival step of each arriving customer type apart
    arrival_steps: int  # of them, per arriving customer type: the arrival steps of a period
    flows: int  # followed in one flow each, with its series: the arriving types' steps in one
    places: int  # over the trajectories, the instructions each can be at
    paths: int  # over the trajectories, what each can wait on at random (`waiting`)
    posts: int  # of the trajectories, group posts: waiting on staff only until they expire
    window: int  # grid steps of a watched after-click window (1 when none is watched)
    series: int  # figures counted per flow and grid step

    @property
    def states(self) -> int:
        """The states the forecast is expected to make at most."""
        return PER_STEP * (self.places + self.steps * self.paths
                           + self.posts * min(self.steps, POST_DAYS * self.steps_per_day))

    @property
    def steps_per_day(self) -> int:
        """Grid steps in a day."""
        return MINUTES_PER_DAY // self.grid

    @property
    def series_bytes(self) -> int:
        """The memory of every flow's expected counts."""
        return self.flows * self.series * (self.steps + 1) * SERIES_BYTES

    @property
    def max_states(self) -> int:
        """The states that fit in the memory bound beside the series."""
        return max(0, MAX_BYTES - self.series_bytes) // STATE_BYTES

    def fits(self) -> bool:
        """True when the estimate stays under the memory bound."""
        return self.states <= self.max_states

    def reason(self, made: int | None = None, shares: int = 0) -> str:
        """Why the forecast is too large, naming what makes it so (`made`: the states it
        made before it was stopped, when the estimate was too low, and `shares`: the arrival
        cohorts' shares of the states it held then)."""
        days = self.steps * self.grid / MINUTES_PER_DAY
        plural = "y" if self.trajectories == 1 else "ies"
        parts = [f"a {self.grid}-minute grid over {days:g} days ({self.steps:,} steps)",
                 f"{self.trajectories:,} customer trajector{plural}"]
        if self.arrival_steps > 1:
            parts[-1] += (f" (friends arriving in each of {self.arrival_steps:,} steps of the "
                          "period, apart until their states coincide)")
        parts.append(f"{self.paths / self.trajectories:.0f} sends, tasks, `wait for`s and "
                     "arms per trajectory waiting on something random")
        if self.window > 1:
            parts.append(f"a watched after-click window of {self.window} steps")
        if made is None:
            size = f"about {self.states:,} states ({self.states * STATE_BYTES / 2**20:,.0f} MB)"
        else:
            size = f"more than {made:,} states (the estimate was {self.states:,})"
            if shares:
                size += f" held with {shares:,} arrival cohorts' shares of them"
        return (f"the exact forecast would be too large: {', '.join(parts)} make {size}, over "
                f"the {MAX_BYTES // 2**20:,} MB it may take; a shorter horizon, times on whole "
                "hours (a coarser grid) or Monte Carlo would do")


def waiting(model: ExactModel, for_groups: bool, window: int) -> tuple[int, int]:
    """What one customer (or group) can be at: its journeys' instructions, and of them what
    waits on something random that can change its path (a send whose response or staff work
    can, with the steps of a watched after-click window; a task; a `wait for`; the arms of a
    split; a watched purchase or event of daily chance)."""
    places, random = 1, 0
    for name, journey in model.interpreter.journeys.items():
        if model.program.journeys[name].for_groups != for_groups:
            continue
        places += len(journey.code)
        for instruction in journey.code:
            if isinstance(instruction, Send):
                # A click may lead to the watched purchase in any step of its window.
                random += window if window > 1 else int(_steers(model, instruction))
            elif isinstance(instruction, (Task, WaitFor)):
                random += 1
            elif isinstance(instruction, Split):
                random += len(instruction.arms)
    daily = [("purchase", model.scenario.purchase.daily),
             *((name, p) for name, p in model.daily_events)]
    random += sum(1 for name, p in daily if p > 0 and model.watch.ever_watched(Event(name, 0.0)))
    return places, random


def _steers(model: ExactModel, send: Send) -> bool:
    """Whether what becomes of a send can change the customer's path: staff may do it at any
    moment, or a response to it is watched."""
    if send.channel in STAFF_CHANNELS:
        return True
    return any(model.watch.ever_watched(Event(name, 0.0, send.content))
               for name in ("delivered", "open", "click", "reply", "friend_deleted"))


def size_of(model: ExactModel, stock: int, arriving: int, arrival_steps: int, calendars: int,
            posts: int) -> Size:
    """The size of following the stock of `stock` customer types, the friends of `arriving`
    types arriving in each of `arrival_steps` steps (one flow per type), `calendars` group
    calendars and `posts` group posts through the model's journeys."""
    customers = stock + arriving * arrival_steps
    series = 16 + 8 * len(model.scenario.staff) + sum(
        8 * len(journey.code) + 2 * len(journey.goals)
        for journey in model.interpreter.journeys.values())
    watched = any(model.watch.ever_watched(Event(follow.event, 0.0))
                  for follow in model.behaviour.after_click if follow.chance > 0)
    window = model.after_click_steps + 1 if watched else 1
    places, random = waiting(model, False, window)
    group_places, group_random = waiting(model, True, 1)
    return Size(model.dt, model.horizon_steps, customers + calendars + posts, arrival_steps,
                stock + arriving + calendars + posts,
                customers * places + calendars * group_places + posts,
                customers * random + calendars * group_random, posts, window, series)


class StateCount:
    """The states a forecast has made and the cohorts' shares of them its flow holds now,
    stopped at its bound."""

    def __init__(self, size: Size) -> None:
        self.size, self.made, self.shares = size, 0, 0

    def add(self) -> None:
        """Count one more state; TooManyStates past the bound."""
        self.made += 1
        self._check()

    def hold(self, shares: int) -> None:
        """The cohorts' shares of states the flow holds now beyond each state's first;
        TooManyStates past the bound."""
        self.shares = shares
        self._check()

    def _check(self) -> None:
        held = self.made * STATE_BYTES + self.shares * SHARE_BYTES
        if held > self.size.max_states * STATE_BYTES:
            raise TooManyStates(self.size.reason(self.made - 1, self.shares))

"""How large an exact forecast gets: its states and memory, estimated before propagating and
counted while it runs, both held under one bound.

A trajectory (the stock of one customer type, the friends of one type arriving in one step
of the playbook's period, a group's calendar or one of its posts) makes new states at each
grid step for what can happen then: a few for each send, task, `wait for` and split arm a
customer can be at (a message answered or not, work done or not, a goal window open or
closed), and for a send whose click leads to a watched purchase, one per step of its window
(the purchase placed in each). The estimate adds these up over the trajectories and the
steps; the test playbooks hold it above the states they make. A state takes memory until
the forecast ends (the transition memo keeps it), so the states made are the memory bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.errors import SopdslError
from sopdsl.runtime.customer import Event
from sopdsl.runtime.steps import Send, Split, Task, WaitFor

# The memory a forecast may take.
MAX_BYTES = 1 << 30
# A state: a copy of the customer, its pending messages and work, and its place in the
# transition memo (the test playbooks peak at 1-4.4 kB per state made).
STATE_BYTES = 5_000
# A figure's expected count per grid step of one trajectory, and its running totals.
SERIES_BYTES = 2 * 8
# New states per grid step, per thing a customer can wait on (see above): the least whole
# number that holds the estimate above every test playbook's states.
PER_STEP = 4


class TooLarge(SopdslError):
    """The forecast made more states than its memory bound allows."""


@dataclass(frozen=True)
class Size:
    """An exact forecast's size: what it is made of, its states and its memory."""

    grid: int  # minutes per step
    steps: int  # grid steps to the horizon
    trajectories: int  # followed one by one
    arrival_steps: int  # of them, per arriving customer type: the arrival steps of a period
    paths: int  # over the trajectories, the sends, tasks, waits and arms each can be at
    window: int  # grid steps of a watched after-click window (1 when none is watched)
    series: int  # figures counted per trajectory and grid step

    @property
    def states(self) -> int:
        """The states the forecast is expected to make at most."""
        return self.steps * PER_STEP * self.paths

    @property
    def series_bytes(self) -> int:
        """The memory of every trajectory's expected counts."""
        return self.trajectories * self.series * (self.steps + 1) * SERIES_BYTES

    @property
    def max_states(self) -> int:
        """The states that fit in the memory bound beside the series."""
        return max(0, MAX_BYTES - self.series_bytes) // STATE_BYTES

    def fits(self) -> bool:
        """True when the estimate stays under the memory bound."""
        return self.states <= self.max_states

    def reason(self, made: int | None = None) -> str:
        """Why the forecast is too large, naming what makes it so (`made`: the states it
        made before it was stopped, when the estimate was too low)."""
        days = self.steps * self.grid / MINUTES_PER_DAY
        parts = [f"a {self.grid}-minute grid over {days:g} days ({self.steps:,} steps)",
                 f"{self.trajectories:,} customer trajectories"]
        if self.arrival_steps > 1:
            parts[-1] += (f" (friends arriving in each of {self.arrival_steps:,} steps of the "
                          "period followed apart)")
        parts.append(f"{self.paths / self.trajectories:.0f} sends, tasks, waits and split arms "
                     "to be at per trajectory")
        if self.window > 1:
            parts.append(f"a watched after-click window of {self.window} steps")
        if made is None:
            size = f"about {self.states:,} states ({self.states * STATE_BYTES / 2**20:,.0f} MB)"
        else:
            size = f"more than {made:,} states (the estimate was {self.states:,})"
        return (f"the exact forecast would be too large: {', '.join(parts)} make {size}, over "
                f"the {MAX_BYTES // 2**20:,} MB it may take; a shorter horizon, times on whole "
                "hours (a coarser grid) or Monte Carlo would do")


def waiting(model, for_groups: bool, window: int) -> int:
    """What one customer (or group) can wait on at random: the sends, tasks, `wait for`s and
    split arms it can be at, and for each send, the steps of a watched after-click window."""
    found = 1
    for name, journey in model.interpreter.journeys.items():
        if model.program.journeys[name].for_groups != for_groups:
            continue
        for instruction in journey.code:
            if isinstance(instruction, Send):
                found += window
            elif isinstance(instruction, (Task, WaitFor)):
                found += 1
            elif isinstance(instruction, Split):
                found += len(instruction.arms)
    return found


def size_of(model, customers: int, arrival_steps: int, calendars: int, posts: int) -> Size:
    """The size of following `customers` customer trajectories, `calendars` group calendars
    and `posts` group posts through the model's journeys."""
    series = 16 + 8 * len(model.scenario.staff) + sum(
        8 * len(journey.code) + 2 * len(journey.goals)
        for journey in model.interpreter.journeys.values())
    watched = any(model.watch.ever_watched(Event(follow.event, 0.0))
                  for follow in model.behaviour.after_click if follow.chance > 0)
    window = model.after_click_steps + 1 if watched else 1
    paths = (customers * waiting(model, False, window) + calendars * waiting(model, True, 1)
             + posts)
    return Size(model.dt, model.horizon_steps, customers + calendars + posts, arrival_steps,
                paths, window, series)


class StateCount:
    """The states a forecast has made, stopped at its bound."""

    def __init__(self, size: Size) -> None:
        self.size, self.made = size, 0

    def add(self) -> None:
        """Count one more state; TooLarge past the bound."""
        self.made += 1
        if self.made > self.size.max_states:
            raise TooLarge(self.size.reason(self.made - 1))

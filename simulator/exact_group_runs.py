"""The exact forecast of the journeys `for groups`: one group's calendar, then each of its
posts from its release (`simulator.exact_groups` says why this is exact, and when not).

A group's path does not depend on what becomes of its posts (a journey for groups waits for
no event), so the calendar is followed alone, noting each post it makes at its release; each
post is then followed on its own: its owner gets to it or not, it is done or expires, and the
members it reaches respond. The calendar of a journey without splits is certain, so the
members a step reaches at least once are m (1 - prod over its posts of (1 - P(post done))).
"""

from __future__ import annotations

import math

from sopdsl.builtins import GROUP_CHANNELS, MINUTES_PER_DAY
from sopdsl.checker.program import Program
from sopdsl.runtime.customer import Customer
from sopdsl.scenario.model import Scenario
from sopdsl.syntax import ast
from sopdsl.syntax.walk import nodes
from simulator.exact_groups import POSTED, groups_of, members_per_group
from simulator.groups import has_group_journeys
from simulator.exact_model import ExactModel
from simulator.exact_propagate import MassFlow, Recorder
from simulator.exact_size import StateCount
from simulator.exact_states import State, clone
from simulator.exact_tally import Trajectory


def group_runs(program: Program, scenario: Scenario) -> tuple[int, int]:
    """At most how many trajectories the groups take: calendars (one, or none without
    groups), and posts (each group send of a journey `for groups` at each occurrence of its
    triggers)."""
    if not groups_of(scenario) or not has_group_journeys(program) or scenario.groups is None:
        return 0, 0
    runs = 0
    for journey in program.journeys.values():
        if not journey.for_groups:
            continue
        sends = sum(1 for n in nodes(journey.steps)
                    if isinstance(n, ast.Send) and n.channel.name in GROUP_CHANNELS)
        for trigger in nodes(journey.clauses):
            if isinstance(trigger, ast.EveryTrigger):
                every = trigger.interval.minutes if trigger.unit == "interval" \
                    and trigger.interval else MINUTES_PER_DAY
                runs += sends * math.ceil(scenario.horizon_minutes / min(every, MINUTES_PER_DAY))
    return 1, runs


def group_trajectories(program: Program, scenario: Scenario, step: int,
                       count: StateCount | None = None) -> list[Trajectory]:
    """One trajectory for the G groups (empty without groups or journeys for them)."""
    groups = groups_of(scenario)
    if not groups or not has_group_journeys(program) or scenario.groups is None:
        return []
    model = ExactModel(program, scenario, step, members=members_per_group(scenario, groups),
                       count=count)
    owner = scenario.groups.owner
    calendar = Recorder(model)
    group = model.interpreter.new_customer("group", 0.0, owner=owner)
    MassFlow(model, calendar).run(State(model, group, (), (), 0.0), 1.0, 0, [])
    out = Recorder(model)
    _add(out, calendar, 1.0)
    role = owner or ""
    never: dict[tuple[str, str], float] = {}  # per step: P(no post of it done)
    first: dict[tuple[str, str], int] = {}  # per step: its first release
    for (journey, step_id, k), send in sorted(model.posts.items(), key=lambda item: item[0]):
        released = float(calendar.series[(POSTED, journey, step_id)][k])
        post = Recorder(model)
        MassFlow(model, post).run(State(model, _holder(model, owner), (), (), k * model.dt),
                                  1.0, k, [("post", send, False)])
        _add(out, post, released)
        done = float(post.series[("done", role)].sum()) if ("done", role) in post.series else 0.0
        never[(journey, step_id)] = never.get((journey, step_id), 1.0) * (1 - released * done)
        first.setdefault((journey, step_id), k)
    for (journey, step_id), left in never.items():
        out.add(("step_groups", journey, step_id), first[(journey, step_id)], 1.0)
        out.add(("step_customers", journey, step_id), model.horizon_steps,
                model.members * (1 - left))
    return [Trajectory(out, [0], float(groups))]


def _holder(model: ExactModel, owner: str | None) -> Customer:
    """A group with no calendar of its own: what a post is delivered through."""
    c = clone(model.interpreter.new_customer("group", 0.0, owner=owner))
    c.runs.clear()
    c.entries.clear()
    c.due = [None] * len(c.due)  # its scheduled triggers never fire
    return c


def _add(into: Recorder, found: Recorder, weight: float) -> None:
    """Add a recorder's series, weighed; a group is no customer, so no funnel stage."""
    for key, series in found.series.items():
        if key[0] not in ("stage", POSTED):
            into._array(key)[:] += weight * series

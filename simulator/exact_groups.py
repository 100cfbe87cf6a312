"""Customer groups in the exact forecaster: the journeys `for groups`, one group followed as a
customer is, its posts reaching the expected members of a group.

Each group runs the same calendar with staff of the same role, so the G groups are alike: one
trajectory of a group, weighed G, gives the expected posts, quota skips, staff actions, tasks
and their outcomes. A post done at t reaches the members of its group then; membership is
drawn once at the start (each stock customer with the `members` chance, into a group with
room) and is independent of the group's calendar, so the expected deliveries of the G groups
are E[posts done at t per group] x E[members of all groups] = ... x N p, whichever group each
customer is in. The method gives each group's deliveries and responses m = N p / G members.

This holds where nothing a post does to a member can change what that member (or the group)
does next; `group_reasons` refuses the rest, before anything is computed.
docs/simulation.md ("The exact forecaster", "Customer groups") derives it.
"""

from __future__ import annotations

import datetime as dt
import math

from sopdsl.builtins import GROUP_CHANNELS
from sopdsl.checker.program import Program
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.effects import SendRequested
from sopdsl.runtime.groups import GroupPosts, post_key
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.scenario.model import Scenario
from sopdsl.syntax import ast
from sopdsl.syntax.walk import nodes
from simulator.groups import group_count, has_group_journeys

# The group's own bookkeeping, kept among its attributes (so it is part of its state) under
# names no playbook can write: its posts per month and the posts decided at its last moment.
USED, DECIDED = "·used", "·decided"
POSTED = "group_post"  # a group's posts made, by journey and step, at their release
GROUPS = "groups"  # the customer's attribute: how many groups they are in
# What a member's response can start or change in their own journeys.
RESPONSES = ("delivered", "open", "click", "reply")


def groups_of(scenario: Scenario) -> int:
    """How many groups the scenario's `groups` block makes (0 without one)."""
    spec = scenario.groups
    if spec is None:
        return 0
    staff = scenario.staff.get(spec.owner or "")
    return group_count(spec, staff.count if staff is not None else 0)


def members_per_group(scenario: Scenario, groups: int) -> float:
    """E[members of a group] over the groups: the stock's expected members N p shared by G."""
    spec = scenario.groups
    return 0.0 if spec is None or groups == 0 else scenario.population.size * spec.members / groups


def membership_reasons(program: Program, scenario: Scenario) -> list[str]:
    """Why who is in which group is not what the method takes (each stock customer in one
    group with the `members` chance, for good), where the playbook depends on it."""
    spec = scenario.groups
    if spec is None or not (has_group_journeys(program) or reads_groups(program)):
        return []
    reasons = []
    moved = [name for name in ("joined_group", "left_group")
             if name in scenario.events and (scenario.events[name].daily > 0
                                             or scenario.events[name].after_click > 0)]
    if moved:
        reasons.append(
            f"the scenario's `{moved[0]}` behaviour moves customers between groups, and who "
            "gets into a group with room depends on who else did; the exact method takes the "
            "members of the start")
    full = _full_group(scenario)
    if full:
        reasons.append(full)
    return reasons


def reads_groups(program: Program) -> bool:
    """Whether a journey or segment reads the customer's `groups`."""
    return any(isinstance(n, ast.NameValue) and n.name == GROUPS
               for n in nodes([*program.segments.values(), *program.journeys.values()]))


def group_reasons(program: Program, scenario: Scenario) -> list[str]:
    """Why the journeys `for groups` cannot be forecast exactly (empty: they can)."""
    reasons = membership_reasons(program, scenario)
    journeys = [j for j in program.journeys.values() if j.for_groups]
    spec = scenario.groups
    if not journeys or spec is None:  # without groups the journeys never run, in either method
        return reasons
    where = f"{journeys[0].span.file}:{journeys[0].span.line}"
    staff = scenario.staff.get(spec.owner or "")
    if staff is None or staff.count == 0:
        reasons.append(f"the groups' owner role `{spec.owner}` has no staff, so who posts is "
                       "not known; give it members in the scenario")
    for journey in journeys:
        read = next((n for n in nodes([*journey.clauses, *journey.steps])
                     if isinstance(n, ast.NameValue) and n.name == "members"), None)
        if read is not None:
            reasons.append(
                f"journey `{journey.name.name}` for groups reads `members` "
                f"({read.span.file}:{read.span.line}): where it goes depends on how many "
                "members each group drew, which the exact method does not follow group by "
                "group; use `--method montecarlo`")
    split = next((n for j in journeys for n in nodes(j.steps) if isinstance(n, ast.Split)), None)
    if split is not None:
        reasons.append(
            f"a journey for groups splits ({split.span.file}:{split.span.line}): which members "
            "a step reaches for the first time depends on the arms each group took on every "
            "day together, which the exact method does not follow; use `--method montecarlo`")
    reasons.extend(_member_reasons(program, scenario, journeys, where))
    return reasons


def _full_group(scenario: Scenario) -> str | None:
    """A group may fill up, so whether a customer gets into it depends on the others."""
    spec = scenario.groups
    assert spec is not None
    population = scenario.population
    owners = scenario.staff[spec.owner].count if spec.owner in scenario.staff else 0
    groups = group_count(spec, owners)
    if groups == 0 or population.size <= spec.capacity:
        return None
    if spec.owner == population.owner and owners > 0:
        # Round-robin: owner r has N/S stock customers (one more for the first N mod S) and
        # G/S groups; they fill the emptiest first, so no more than ceil(n_r / g_r) each.
        worst = max(math.ceil((population.size // owners + (r < population.size % owners))
                              / max(1, groups // owners + (r < groups % owners)))
                    for r in range(owners))
        if all(groups // owners + (r < groups % owners) > 0 for r in range(owners)) \
                and worst <= spec.capacity:
            return None
    return (f"a customer group may fill up (capacity {spec.capacity} for a stock of "
            f"{population.size}), and who gets into a group with room depends on who else "
            "did; the exact method follows groups that never fill")


def _member_reasons(program: Program, scenario: Scenario, journeys: list[ast.Journey],
                    where: str) -> list[str]:
    """What a post does to its members that could change their own path."""
    channel = scenario.channels.get("group")
    if channel is None:
        return []
    reasons = []
    if channel.unfriend > 0:
        reasons.append(f"a group post makes a member delete the friend with chance "
                       f"{channel.unfriend:g} (`channel group`), which changes that member's own "
                       "journeys; the exact method needs `unfriend 0%` there")
    customers = Interpreter(program, Clock(dt.datetime.combine(scenario.start, dt.time()),
                                           program.settings.timezone))
    if channel.click > 0 and channel.open > 0:
        if scenario.purchase.after_click > 0:
            reasons.append(
                "a click on a group post leads to a purchase (`purchase { after_click ... }`), "
                "and whether it is the member's first (the purchasers) depends on their own "
                "path; the exact method needs `after_click 0%` while group posts are clicked")
        followed = [name for name, b in scenario.events.items()
                    if b.after_click > 0 and _watching(customers, Event(name, 0.0)) is not None]
        if followed:
            reasons.append(
                f"a click on a group post leads to `{followed[0]}` (`after_click`), which "
                f"journey `{_watching(customers, Event(followed[0], 0.0))}` watches: it would "
                "change the member's own path, which the exact method does not follow "
                "together with the group's")
    if scenario.effects:
        reasons.append("the scenario's `effect` rules make a member's responses depend on their "
                       "own state, and a group post reaches members the method does not follow "
                       "one by one")
    contents = {n.content.name for j in journeys for n in nodes(j.steps)
                if isinstance(n, ast.Send) and n.channel.name in GROUP_CHANNELS}
    for content in sorted(contents):
        for name in RESPONSES:
            event = Event(name, 0.0, content)
            journey = _watching(customers, event)
            if journey is not None:
                reasons.append(
                    f"journey `{journey}` watches `{name}` of `{content}`, which the journeys "
                    f"for groups post ({where}): a member's response would change their own "
                    "path, which the exact method does not follow together with the group's")
                return reasons
    return reasons


def _watching(interpreter: Interpreter, event: Event) -> str | None:
    """A customer journey whose triggers, goals, exits or waits see the event."""
    for journey, content, _ in interpreter.triggers.on_event.get(event.name, ()):
        if content is None or content == event.content:
            return journey
    for name, journey in interpreter.journeys.items():
        watched = [g.events for g in journey.goals] + ([journey.exit_on] if journey.exit_on
                                                        else [])
        watched += [i.watches for i in journey.code if i.watches is not None]
        if any(m.matches(event) for m in watched):
            return name
    return None


# ---- a group's posts, as its state keeps them -------------------------------------------


def decide_post(group: Customer, clock: Clock, send: SendRequested) -> str | None:
    """Make the group's post of `send` (None) or say why not (`MERGED`, `QUOTA`), by the rules
    of `sopdsl.runtime.groups`, the group's own posts so far read from its state."""
    posts = GroupPosts(clock)
    posts.used = dict(group.attributes.get(USED, ()))
    key = post_key("group", send)
    posts.decided = {k for k in group.attributes.get(DECIDED, ()) if k.moment == key.moment}
    why = posts.decide(key)
    month = clock.date_of(key.moment)
    # Only this month's count and this moment's decisions can still matter.
    group.attributes[USED] = tuple(sorted(
        (k, v) for k, v in posts.used.items() if (k[1], k[2]) == (month.year, month.month)))
    group.attributes[DECIDED] = tuple(sorted(posts.decided))
    return why

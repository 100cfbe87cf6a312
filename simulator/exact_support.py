"""What the exact forecaster can compute: the reasons it refuses a playbook and scenario.

The exact method follows one customer at a time, so it needs customers who do not affect each
other and whose next move depends only on what it tracks: their journeys, tags, score, stage,
attributes and pending messages and staff work. docs/simulation.md ("The exact forecaster")
lists the rules; every reason here names the construct in the operator's words.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.runtime.journey_program import default_reentry, recurrence
from sopdsl.builtins import (
    BATCHED_CHANNELS, GROUP_CHANNELS, LOGGED_CHANNELS, MASS_CHANNELS, YEARLY_TYPES,
)
from sopdsl.checker.program import Program
from sopdsl.runtime.evaluate import HISTORY_VALUES, history_event
from sopdsl.scenario.distributions import Distribution, duration_text
from sopdsl.scenario.model import DistributionAttribute, Scenario
from sopdsl.syntax.walk import most_sends, nodes
from simulator.exact_groups import group_reasons

# Response and staff delays the method propagates exactly: memoryless or fixed.
EXACT_DELAYS = ("exponential", "fixed")
# Events the simulation generates for customers (besides scenario-given behaviour).
GENERATED_EVENTS = frozenset((
    "friend_added", "friend_deleted", "delivered", "open", "click", "reply", "purchase",
    "task_done",
))


def refusal_reasons(program: Program, scenario: Scenario) -> list[str]:
    """Why the exact method cannot forecast this playbook with this scenario (empty: it can)."""
    reasons: list[str] = []
    settings = program.settings
    horizon = scenario.horizon_minutes
    # A cap or fatigue rule the journeys can never reach changes no run: not a reason.
    most = sends_bound(program, horizon, LOGGED_CHANNELS)
    if settings.frequency_cap is not None and most > settings.frequency_cap.count:
        cap = settings.frequency_cap
        reasons.append(
            f"the playbook's `frequency_cap {cap.count} per {duration_text(cap.minutes or 0)}` "
            f"drops a send depending on the customer's earlier sends (the journeys can send "
            f"one customer {_most_text(most)} messages)")
    for journey in program.journeys.values():
        mine = most_sends(journey.steps, LOGGED_CHANNELS) * _runs_bound(program, journey, horizon)
        for clause in journey.clauses:
            if isinstance(clause, ast.JourneyCap) and mine > clause.count.value:
                reasons.append(
                    f"journey `{journey.name.name}` has `cap {int(clause.count.value)} per "
                    f"{clause.window.text}` ({_where(clause)}), which drops sends depending on "
                    f"earlier ones (it can send one customer {_most_text(mine)} messages)")
    reachable = [r for r in scenario.fatigue if most > r.above]
    if reachable:
        rules = ", ".join(
            f"`above {r.above} per {duration_text(r.window_minutes)}`" for r in reachable)
        reasons.append(
            f"the scenario's fatigue rules ({rules}) change behaviour with the number of "
            f"messages received (the journeys can send one customer {_most_text(most)}); "
            "write `fatigue { }` to forecast without fatigue")
    reasons.extend(_group_reasons(program))
    reasons.extend(group_reasons(program, scenario))
    reasons.extend(latent_reasons(scenario))
    reasons.extend(_quota_reasons(program, scenario))
    reasons.extend(_handoff_reasons(program))
    reasons.extend(_escalation_reasons(program))
    reasons.extend(_trigger_reasons(program))
    reasons.extend(_expression_reasons(program, scenario))
    reasons.extend(_delay_reasons(scenario))
    return reasons


def latent_reasons(scenario: Scenario) -> list[str]:
    """Why customers who differ from each other keep the exact method from following one
    customer of each type: the BG/NBD process and probabilities drawn per customer."""
    reasons = []
    if scenario.purchase.bgnbd is not None:
        reasons.append(
            "the scenario's `bgnbd` gives each customer a purchase rate and a dropout chance of "
            "their own, and who has dropped out depends on their purchases; the exact method "
            "takes the same `daily` chance for everyone, Monte Carlo takes `bgnbd`")
    for path, drawn in scenario.drawn.items():
        if drawn.per_customer:
            written = drawn.distribution.model_copy(update={"low": None, "high": None}).text()
            *block, key = path.split(".")
            reasons.append(
                f"`{key} {written} per customer` in {_block_name(block)} gives each customer a "
                "probability of their own, so who responded before is likelier to respond "
                "again; the exact method takes one probability for everyone, Monte Carlo "
                "takes this")
    return reasons


def _block_name(block: list[str]) -> str:
    """The block a drawn value's path leads through, as the scenario writes it."""
    if block[0] == "channels":
        return f"`channel {block[1]}`"
    return f"`{block[-1]}`"  # `purchase`, or an event's block


def _where(node: ast.Node) -> str:
    return f"{node.span.file}:{node.span.line}"


# ---- the WeCom mass quota --------------------------------------------------------------


def _quota_reasons(program: Program, scenario: Scenario) -> list[str]:
    quota = program.settings.mass_quota
    bound = sends_bound(program, scenario.horizon_minutes, MASS_CHANNELS)
    if bound <= quota.count:
        return []
    period = quota.calendar or duration_text(quota.minutes or 0)
    return [
        f"the WeCom mass quota `{quota.count} per {period}` can drop sends: the journeys can send "
        f"one customer {_most_text(bound)} `private_chat` and `group` messages (raise "
        "`mass_quota` in the playbook block when the real quota allows it)"]


def sends_bound(program: Program, horizon: int, channels: frozenset[str]) -> float:
    """The most sends on `channels` one customer can get over the horizon (inf: no bound)."""
    total = 0.0
    for journey in program.journeys.values():
        per_run = most_sends(journey.steps, channels)
        if per_run:
            total += per_run * _runs_bound(program, journey, horizon)
    return total


def _most_text(bound: float) -> str:
    return "any number of" if math.isinf(bound) else f"up to {int(bound)}"


def _group_reasons(program: Program) -> list[str]:
    """A customer's send via group ties the group's members together (the journeys `for
    groups` are `exact_groups.group_reasons`)."""
    posts = [n for j in program.journeys.values() if not j.for_groups for n in nodes(j.steps)
             if isinstance(n, ast.Send) and n.channel.name in GROUP_CHANNELS]
    if not posts:
        return []
    return [f"`send {posts[0].content.name} via group` ({_where(posts[0])}) in a customer's "
            "journey posts to the customer's groups once per content and moment for all their "
            "members: whether a post is made, and whether the group's monthly quota has room "
            "for it, depends on the other members' journeys, which the exact method does not "
            "follow together; use `--method montecarlo`"]


def _escalation_reasons(program: Program) -> list[str]:
    escalated = [n for j in program.journeys.values() for n in nodes(j.steps)
                 if isinstance(n, ast.Task) and n.escalation]
    return [f"the task at {_where(escalated[0])} escalates (`escalate {{ ... }}`): reminders, "
            "notices and reassignments are followed by Monte Carlo only"] if escalated else []


def _handoff_reasons(program: Program) -> list[str]:
    batched = [n for j in program.journeys.values() for n in nodes(j.steps)
               if isinstance(n, ast.Send) and n.channel.name in BATCHED_CHANNELS]
    handoffs = [n for j in program.journeys.values() for n in nodes(j.steps)
                if isinstance(n, ast.Handoff)]
    if not (batched and handoffs):
        return []
    return [f"`handoff {handoffs[0].role.name}` ({_where(handoffs[0])}) gives customers a new "
            "owner, and which member's mass sends and posts they then join is not followed "
            f"(`send ... via {batched[0].channel.name}` at {_where(batched[0])})"]


def _runs_bound(program: Program, journey: ast.Journey, horizon: int) -> float:
    reentry = next((c for c in journey.clauses if isinstance(c, ast.Reentry)), None)
    mode = reentry.mode if reentry else default_reentry(program, journey)
    if mode == "never" or _only_on_arrival(journey):
        return 1
    # Runs never overlap, so a recurring trigger enters at most once per occurrence.
    period = recurrence(program, journey) or 0
    if mode == "after" and reentry is not None and reentry.after is not None:
        period = max(period, reentry.after.minutes)
    return horizon // period + 1 if period > 0 else math.inf


def _only_on_arrival(journey: ast.Journey) -> bool:
    # A simulated customer becomes a friend once: `when friend_added` fires at most once.
    triggers = [t for c in journey.clauses if isinstance(c, ast.When) for t in c.triggers]
    return bool(triggers) and all(
        isinstance(t, ast.EventTrigger) and t.event.name.name == "friend_added" for t in triggers)


# ---- triggers and expressions ----------------------------------------------------------


def _trigger_reasons(program: Program) -> list[str]:
    reasons = []
    for journey in program.journeys.values():
        for clause in journey.clauses:
            if not isinstance(clause, ast.When):
                continue
            for trigger in clause.triggers:
                if isinstance(trigger, ast.InactiveTrigger):
                    reasons.append(
                        f"journey `{journey.name.name}` starts `when inactive "
                        f"{trigger.duration.text}` ({_where(trigger)}), which depends on when "
                        "the customer was last active")
                elif isinstance(trigger, ast.DateTrigger) or (
                        isinstance(trigger, ast.EventTrigger)
                        and program.is_date_trigger(trigger.event)):
                    reasons.append(
                        f"journey `{journey.name.name}` starts on a yearly date "
                        f"({_where(trigger)}); the exact method does not follow calendar dates")
    return reasons


def _expression_reasons(program: Program, scenario: Scenario) -> list[str]:
    dynamic = set(GENERATED_EVENTS) | set(scenario.population.history) | set(
        _scenario_events(scenario))
    reasons: list[str] = []
    seen: set[str] = set()
    for expr, owner in program_expressions(program, scenario):
        for node in nodes(expr):
            reason = _node_reason(node, program, scenario, dynamic, owner)
            if reason and reason not in seen:
                seen.add(reason)
                reasons.append(reason)
    return reasons


def _node_reason(node: ast.Node, program: Program, scenario: Scenario, dynamic: set[str],
                 owner: str) -> str | None:
    if isinstance(node, HISTORY_VALUES):
        event = history_event(node)
        if event in dynamic:
            return (f"{owner} reads the customer's `{event}` history ({_where(node)}), "
                    "which the exact method does not track")
    if isinstance(node, ast.NameValue) and node.name in program.attributes:
        model = scenario.population.attributes.get(node.name)
        info = program.attributes[node.name]
        if isinstance(model, DistributionAttribute) or info.type in YEARLY_TYPES and model is not None:
            return (f"{owner} reads attribute `{node.name}` ({_where(node)}), which the "
                    "scenario draws from a distribution; the exact method needs listed shares")
    return None


def _scenario_events(scenario: Scenario) -> dict:
    # Scenario-given behaviour of declared events.
    return scenario.events


def program_expressions(program: Program,
                        scenario: Scenario) -> Iterator[tuple[ast.Expr, str]]:
    """Every expression a forecast evaluates, with who evaluates it in operator words
    (segments only when something evaluated refers to them)."""
    found: list[tuple[ast.Expr, str]] = []
    for journey in program.journeys.values():
        name = f"journey `{journey.name.name}`"
        for clause in journey.clauses:
            if isinstance(clause, (ast.Audience, ast.ExitWhen)):
                found.append((clause.expr, name))
        for node in nodes(journey.steps):
            if isinstance(node, ast.Branch):
                found.append((node.condition, name))
            elif isinstance(node, ast.RepeatUntil):
                found.append((node.until, name))
    for effect in scenario.effects:
        if effect.expression is not None:
            found.append((effect.expression, f"the scenario's `effect {effect.condition}`"))
    yield from found
    pending = [expr for expr, _ in found]
    seen: set[str] = set()
    while pending:
        for node in nodes(pending.pop()):
            if isinstance(node, ast.SegmentRef) and node.name not in seen \
                    and node.name in program.segments:
                seen.add(node.name)
                segment = program.segments[node.name]
                pending.append(segment.expr)
                yield segment.expr, f"segment `{node.name}`"


def _delay_reasons(scenario: Scenario) -> list[str]:
    reasons = []
    for name, channel in scenario.channels.items():
        if not _exact_delay(channel.delay):
            reasons.append(
                f"channel `{name}` responds after `{channel.delay.text()}`; the exact method "
                "takes `exponential` or fixed delays")
    for role, staff in scenario.staff.items():
        if staff.patience is not None:
            reasons.append(
                f"staff `{role}` abandon work after `{staff.patience.text()}`; the exact method "
                "follows staff with no `patience` (work waits until it is done)")
        if staff.delay.kind != "exponential" or staff.delay.truncated:
            reasons.append(
                f"staff `{role}` get to work after `{staff.delay.text()}`; the exact method "
                "takes an `exponential` staff delay")
    return reasons


def _exact_delay(delay: Distribution) -> bool:
    return delay.kind in EXACT_DELAYS and not delay.truncated


"""What a forecast's reader should know beyond its figures: events journeys refer to that the
scenario never makes, sends nobody could do."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.checker.program import Program
from sopdsl.scenario.model import Scenario


def happening_events(scenario: Scenario) -> set[str]:
    """The events the scenario's behaviour can produce during a simulation."""
    happening = {"delivered", "open", "click", "reply", "task_done"}
    if scenario.population.arrivals_per_day > 0:
        happening.add("friend_added")
    if any(channel.unfriend > 0 for channel in scenario.channels.values()):
        happening.add("friend_deleted")
    buying = scenario.purchase
    if buying.daily > 0 or buying.after_click > 0 or buying.bgnbd is not None:
        happening.add("purchase")
    happening.update(name for name, b in scenario.events.items()
                     if b.daily > 0 or b.after_click > 0)
    return happening


def unproduced_events(program: Program, scenario: Scenario) -> dict[str, list[str]]:
    """Every declared event journeys refer to (triggers, waits, goals, exits, conditions) that
    the scenario never produces, with the journeys that refer to it, in source order."""
    happening = happening_events(scenario)
    referring: dict[str, list[str]] = {}
    for name, journey in program.journeys.items():
        for event in _event_names(journey):
            if event in program.events and event not in happening:
                journeys = referring.setdefault(event, [])
                if name not in journeys:
                    journeys.append(name)
    return referring


def unproduced_note(event: str, journeys: list[str]) -> str:
    """What the reader should know about an event the scenario never produces."""
    return (f"`{event}` never happens during this simulation, though {_names(journeys)} "
            f"refer{'s' if len(journeys) == 1 else ''} to it; give it a behaviour in the "
            f"scenario, such as `{event} {{ daily 0.5%  after_click 10% within 1d }}`")


def no_staff_note(mean: float) -> str:
    """What the reader should know when staff-confirmed sends had nobody to do them."""
    return (f"{mean:,.1f} staff-confirmed sends on average had nobody to do them (`dropped.no_staff`): "
            "the playbook declares no role to own its customers or its groups; declare a `role` "
            "and give it staff in the scenario")


def _event_names(node: object) -> Iterator[str]:
    """The names of every event reference inside an AST node, in source order."""
    if isinstance(node, ast.EventRef):
        yield node.name.name
    elif isinstance(node, list):
        for item in node:
            yield from _event_names(item)
    elif isinstance(node, ast.Node):
        for field in type(node).model_fields:
            if field != "span":
                yield from _event_names(getattr(node, field))


def _names(journeys: list[str]) -> str:
    shown = ", ".join(f"`{name}`" for name in journeys)
    return f"journey {shown}" if len(journeys) == 1 else f"journeys {shown}"

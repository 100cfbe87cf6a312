"""Notes for a forecast's reader: events journeys wait for that the scenario never makes happen."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl import ast
from sopdsl.program import Program
from sopdsl.step_ids import walk_steps
from simulator.scenario import Scenario


def happening_events(scenario: Scenario) -> set[str]:
    """The events the scenario's behaviour can produce during a simulation."""
    happening = {"delivered", "open", "click", "reply", "task_done"}
    if scenario.population.arrivals_per_day > 0:
        happening.add("friend_added")
    if any(channel.unfriend > 0 for channel in scenario.channels.values()):
        happening.add("friend_deleted")
    if scenario.purchase.daily > 0 or scenario.purchase.after_click > 0:
        happening.add("purchase")
    happening.update(name for name, b in scenario.events.items()
                     if b.daily > 0 or b.after_click > 0)
    return happening


def unmodelled_events(program: Program, scenario: Scenario) -> list[str]:
    """One note per event that journeys trigger on, wait for or aim at and that never happens."""
    happening = happening_events(scenario)
    waiting: dict[str, list[str]] = {}
    for journey in program.journeys.values():
        for event in _awaited(program, journey):
            if event not in happening and journey.name.name not in waiting.setdefault(event, []):
                waiting[event].append(journey.name.name)
    return [
        f"`{event}` never happens in this scenario, so {_names(journeys)} never see it; "
        f"give it a behaviour, such as `{event} {{ daily 0.5%  after_click 10% within 1d }}`"
        for event, journeys in waiting.items()
    ]


def _awaited(program: Program, journey: ast.Journey) -> Iterator[str]:
    for clause in journey.clauses:
        if isinstance(clause, ast.When):
            for trigger in clause.triggers:
                if isinstance(trigger, ast.EventTrigger) and \
                        trigger.event.name.name in program.events:
                    yield trigger.event.name.name
        elif isinstance(clause, ast.Goal):
            yield from (ref.name.name for ref in clause.events)
    for ref in walk_steps(journey):
        if isinstance(ref.step, ast.WaitFor):
            yield from (event.name.name for event in ref.step.events)


def _names(journeys: list[str]) -> str:
    shown = ", ".join(f"`{name}`" for name in journeys)
    return f"journey {shown}" if len(journeys) == 1 else f"journeys {shown}"

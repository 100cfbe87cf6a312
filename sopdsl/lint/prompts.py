"""Which events a journey's own steps make possible: `click(c)` needs `c` to reach the customer."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.lint.context import triggers

# Events about one content, possible only once the customer has that content.
CONTENT_EVENTS = frozenset({"open", "click", "coupon_used"})
TASK_DONE = "task_done"
_ANY_TASK = "@task"  # what a `task_done` event needs: some task before it


def prompt_of(event: ast.EventRef) -> str | None:
    """What must happen before the event can: a content's name, any task, or None (nothing)."""
    if event.name.name in CONTENT_EVENTS and event.content is not None:
        return event.content.name
    return _ANY_TASK if event.name.name == TASK_DONE else None


def prompted_by(step: ast.Step) -> set[str]:
    """What a step makes possible: its content reaching the customer, a task being done."""
    if isinstance(step, ast.Send):
        return {step.content.name}
    if isinstance(step, ast.Task):
        return {_ANY_TASK} | ({step.content.name} if step.content else set())
    return set()


def prompted_by_triggers(journey: ast.Journey) -> set[str]:
    """Contents the customer already has when a trigger such as `click(c)` starts the journey."""
    return {t.event.content.name for t in triggers(journey)
            if isinstance(t, ast.EventTrigger) and t.event.content is not None}


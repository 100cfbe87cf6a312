"""W421 wait-for-goal-event."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import events_text
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule
from sopdsl.runtime import steps
from sopdsl.syntax import ast


class WaitForGoalEvent(Rule):
    """### What it does
    Flags a `wait for` with a `then` arm whose every event also reaches one of the journey's
    terminal goals (`goal`, not `milestone`) while the goal's window is open: on the tightest
    schedule of every path the wait's whole window falls inside the goal's window.

    ### Why it matters
    Goals are checked before a `wait for` (docs/semantics.md, "Ending a run"): the event ends
    the run as the goal, so the `then` arm never runs. Customers who book never get the
    confirmation the arm was meant to send.

    ### Example
    ```sop
    event booking
    content confirm: text "已为您预约"
    journey book {
      when friend_added
      goal booked: booking within 14d
      wait for booking within 3d { then { send confirm via chat } }
    }
    ```

    ### Use instead
    ```sop
    event booking
    content confirm: text "已为您预约"
    journey book {
      when friend_added
      milestone booked: booking within 14d
      wait for booking within 3d { then { send confirm via chat } }
    }
    ```
    """

    code = "W421"
    groups = ("dead-code", "logic")

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, journey in ctx.program.journeys.items():
            goals = [(g, ctx.compiled[name].goals[i]) for i, g in enumerate(
                c for c in journey.clauses if isinstance(c, ast.Goal)) if g.terminal]
            paths = ctx.paths(name)
            if not goals or not paths.complete:
                continue
            latest: dict[str, tuple[int, steps.WaitFor, ast.WaitFor]] = {}
            for path in paths.paths:
                for visit in path:
                    wait = visit.instruction
                    if isinstance(wait, steps.WaitFor) and isinstance(visit.step, ast.WaitFor) \
                            and visit.step.then:
                        before = latest.get(visit.node, (-1, wait, visit.step))[0]
                        latest[visit.node] = (max(before, visit.at), wait, visit.step)
            for node, (at, wait, step) in latest.items():
                for goal, compiled in goals:
                    if at + wait.within <= compiled.within and _covers(compiled.events,
                                                                       wait.events):
                        yield self.report(
                            step.span, f"`{node}` waits for {events_text(step.events)}, "
                            f"which ends the run as goal `{goal.name.name}` first: its `then` "
                            "arm never runs",
                            hint="make the goal a `milestone` (recorded without ending the "
                                 "run), or wait for another event")
                        break


def _covers(goal: steps.EventMatcher, wait: steps.EventMatcher) -> bool:
    """Whether every event the wait takes also matches the goal."""
    for name, contents in wait.wanted.items():
        if name not in goal.wanted:
            return False
        wanted = goal.wanted[name]
        if wanted is not None and (contents is None or not contents <= wanted):
            return False
    return True

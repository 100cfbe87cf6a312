"""W410 impossible-wait-event."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.fmt.exprs import event_text
from sopdsl.lint.context import LintContext
from sopdsl.lint.prompts import prompt_of, prompted_by, prompted_by_triggers
from sopdsl.lint.registry import Rule
from sopdsl.runtime import steps


class ImpossibleWaitEvent(Rule):
    """### What it does
    Flags an event in `wait for` that cannot happen on any path to the wait: `click(c)`,
    `open(c)` or `coupon_used(c)` when no step before it (on any path, in any repeat round)
    sends `c` or attaches it to a task and no trigger is about `c`; `task_done` when no task
    comes before.

    ### Why it matters
    The wait always runs into its timeout: the `then` arm is dead and every customer waits
    the full window. Usually the wait names the wrong content.

    ### Example
    ```sop
    content guide_article: article "喂养指南" { url "https://example.com/a" }
    content coupon10: coupon "满99减10" { value 10 }
    journey nurture {
      when friend_added
      goal bought: purchase within 30d
      send guide_article via private_chat
      wait for click(coupon10) within 2d { then { tag "感兴趣" } }
    }
    ```

    ### Use instead
    ```sop
    content guide_article: article "喂养指南" { url "https://example.com/a" }
    journey nurture {
      when friend_added
      goal bought: purchase within 30d
      send guide_article via private_chat
      wait for click(guide_article) within 2d { then { tag "感兴趣" } }
    }
    ```
    """

    code = "W410"
    groups = ("dead-code", "logic")

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, journey in ctx.program.journeys.items():
            paths = ctx.paths(name)
            if not paths.complete:
                continue
            start = prompted_by_triggers(journey)
            possible: dict[str, set[str]] = {}
            waits: dict[str, ast.WaitFor] = {}
            for path in paths.paths:
                seen = set(start)
                for visit in path:
                    if isinstance(visit.instruction, steps.WaitFor):
                        possible.setdefault(visit.node, set()).update(seen)
                        waits[visit.node] = visit.step  # type: ignore[assignment]
                    seen |= prompted_by(visit.step)
            for node, wait in waits.items():
                for event in wait.events:
                    needed = prompt_of(event)
                    if needed is not None and needed not in possible[node]:
                        yield self.report(
                            event.span, f"`{event_text(event)}` cannot happen at `{node}`",
                            hint=_hint(event))


def _hint(event: ast.EventRef) -> str:
    if event.content is None:
        return "no task comes before this wait, so no task can be done yet"
    return (f"`{event.content.name}` is not sent before this wait on any path; "
            "wait for the content the journey sent")

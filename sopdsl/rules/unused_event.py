"""W405 unused-event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.rules._unused import UnusedDeclaration


class UnusedEvent(UnusedDeclaration):
    """### What it does
    Flags a declared `event` that no trigger, `wait for`, goal, exit, condition (`count`,
    `days_since`, `ever`) or scenario history names. Built-in events are never reported.

    ### Why it matters
    Custom events are webhooks someone has to build and keep running; one that no SOP
    listens to is integration work nobody benefits from.

    ### Example
    ```sop
    event trial_paid
    event cart_added
    journey trial {
      when trial_paid
      goal enrolled: purchase within 30d
      tag "体验课"
    }
    ```

    ### Use instead
    ```sop
    event trial_paid
    journey trial {
      when trial_paid
      goal enrolled: purchase within 30d
      tag "体验课"
    }
    ```
    """

    code = "W405"
    kind = "event"

    def declared(self, ctx: LintContext) -> Mapping[str, ast.EventDecl]:
        return {name: info.decl for name, info in ctx.program.events.items()
                if info.decl is not None}

    def used(self, ctx: LintContext) -> Iterable[str]:
        return ctx.usage.events

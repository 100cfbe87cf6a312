"""W504 journey-over-cap."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.runtime import steps
from sopdsl.lint.windows import any_send
from sopdsl.checker.program import Window
from sopdsl.rules._caps import JourneyOverWindow, journey_cap


class JourneyOverCap(JourneyOverWindow):
    """### What it does
    Like `journey-over-frequency-cap`, against the journey's own `cap N per D`: flags the
    `cap` clause when some path puts more sends inside one window than it allows, naming
    the sends and their earliest times.

    ### Why it matters
    The cap silently drops the extra sends at run time, so the steps written after them
    may never reach the customer.

    ### Example
    ```sop
    content a: text "提醒"
    journey nudge {
      when friend_added
      goal bought: purchase within 14d
      cap 2 per 7d
      repeat 3 every 2d { send a via private_chat }
    }
    ```

    ### Use instead
    ```sop
    content a: text "提醒"
    journey nudge {
      when friend_added
      goal bought: purchase within 14d
      cap 2 per 7d
      repeat 3 every 4d { send a via private_chat }
    }
    ```
    """

    code = "W504"
    limit_name = "its cap"

    def limit(self, ctx: LintContext, journey: ast.Journey) -> tuple[Window, ast.Node] | None:
        return journey_cap(journey)

    def counts(self, send: steps.Send) -> bool:
        return any_send(send)

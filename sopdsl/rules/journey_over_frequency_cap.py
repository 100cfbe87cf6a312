"""W503 journey-over-frequency-cap."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.runtime import steps
from sopdsl.lint.windows import any_send
from sopdsl.checker.program import Window
from sopdsl.rules._caps import JourneyOverWindow


class JourneyOverFrequencyCap(JourneyOverWindow):
    """### What it does
    Walks every path of a journey (both arms of each `wait for`, every branch and split
    arm, repeats unrolled up to their bound) with the earliest time each step can run, its
    waits timed as a run times them (`wait 1d at 10:00` from 20:15 is 13h45m), and flags the
    journey when more of its own sends than the playbook `frequency_cap` allows can fall
    inside one window. The message names the sends (step ids) and their earliest times after
    entry. Every send counts: all channels are customer-facing.

    ### Why it matters
    Sends over the cap are dropped at run time, lowest priority first: the journey as
    written is not what customers get, and an important message may be the one dropped.

    ### Example
    ```sop
    playbook "Shop" { frequency_cap 2 per 7d }
    content a: text "第一条"
    content b: text "第二条"
    journey busy {
      when friend_added
      goal bought: purchase within 14d
      send a via private_chat
      wait 1d
      send b via private_chat
      wait 1d
      send a via sms
    }
    ```

    ### Use instead
    ```sop
    playbook "Shop" { frequency_cap 2 per 7d }
    content a: text "第一条"
    content b: text "第二条"
    journey busy {
      when friend_added
      goal bought: purchase within 14d
      send a via private_chat
      wait 1d
      send b via private_chat
      wait 7d
      send a via sms
    }
    ```
    """

    code = "W503"
    limit_name = "the playbook frequency_cap"

    def limit(self, ctx: LintContext, journey: ast.Journey) -> tuple[Window, ast.Node] | None:
        cap = ctx.program.settings.frequency_cap
        return (cap, journey.name) if cap is not None else None

    def counts(self, send: steps.Send) -> bool:
        return any_send(send)

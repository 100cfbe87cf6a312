"""W505 journey-over-mass-quota."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.runtime import steps
from sopdsl.lint.windows import mass_send
from sopdsl.checker.program import Window
from sopdsl.rules._caps import JourneyOverWindow


class JourneyOverMassQuota(JourneyOverWindow):
    """### What it does
    Like `journey-over-frequency-cap`, against the WeCom `mass_quota` (default 4 per month).
    Only staff-confirmed mass sends count: `private_chat` and `group`, which go through
    WeCom's mass-message assistant; `moments`, `sms`, `email` and `welcome` do not. A
    calendar quota (`per month`, `per week`, `per day`) counts sends that can fall into one
    period: at most 31, 7 or 1 days apart.

    ### Why it matters
    WeCom refuses mass messages over the quota for that customer (they come back as failed,
    not as an error when the task is created), so the later sends silently never arrive.

    ### Example
    ```sop
    playbook "Shop" { mass_quota 2 per month }
    content a: text "上新"
    journey drip {
      when friend_added
      goal bought: purchase within 30d
      repeat 3 every 7d { send a via private_chat }
    }
    ```

    ### Use instead
    ```sop
    playbook "Shop" { mass_quota 2 per month }
    content a: text "上新"
    journey drip {
      when friend_added
      goal bought: purchase within 30d
      repeat 2 every 7d { send a via private_chat }
      wait 7d
      send a via moments
    }
    ```
    """

    code = "W505"
    limit_name = "the WeCom mass_quota"

    def limit(self, ctx: LintContext, journey: ast.Journey) -> tuple[Window, ast.Node] | None:
        return ctx.program.settings.mass_quota, journey.name

    def counts(self, send: steps.Send) -> bool:
        return mass_send(send)

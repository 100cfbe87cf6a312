"""W507 playbook-over-mass-quota."""

from __future__ import annotations

from sopdsl.lint.context import LintContext
from sopdsl.runtime import steps
from sopdsl.lint.windows import mass_send
from sopdsl.checker.program import Window
from sopdsl.rules._caps import PlaybookOverWindow


class PlaybookOverMassQuota(PlaybookOverWindow):
    """### What it does
    Like `playbook-over-frequency-cap`, for the WeCom `mass_quota`: the `private_chat` and
    `group` sends of journeys that can hold one customer at once, added up per quota
    window (a calendar month counts sends at most 31 days apart).

    ### Why it matters
    The quota is per customer across the whole company account: two journeys that each
    stay under it can still exhaust it together, and WeCom then drops the later messages.

    ### Example
    ```sop
    playbook "Shop" { mass_quota 2 per month }
    content a: text "新客礼"
    content b: text "会员日"
    journey welcome { when friend_added  goal g: purchase within 7d  send a via private_chat  wait 1d  send a via group }
    journey member_join { when tag "会员" added  goal h: purchase within 7d  send b via private_chat }
    ```

    ### Use instead
    ```sop
    playbook "Shop" { mass_quota 2 per month }
    content a: text "新客礼"
    content b: text "会员日"
    journey welcome { when friend_added  goal g: purchase within 7d  send a via private_chat  wait 1d  send a via moments }
    journey member_join { when tag "会员" added  goal h: purchase within 7d  send b via private_chat }
    ```
    """

    code = "W507"
    limit_name = "the WeCom mass_quota"

    def limit(self, ctx: LintContext) -> Window | None:
        return ctx.program.settings.mass_quota

    def counts(self, send: steps.Send) -> bool:
        return mass_send(send)

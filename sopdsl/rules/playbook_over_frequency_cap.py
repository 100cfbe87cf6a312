"""W506 playbook-over-frequency-cap."""

from __future__ import annotations

from sopdsl.lint.context import LintContext
from sopdsl.runtime import steps
from sopdsl.lint.windows import any_send
from sopdsl.checker.program import Window
from sopdsl.rules._caps import PlaybookOverWindow


class PlaybookOverFrequencyCap(PlaybookOverWindow):
    """### What it does
    Adds up, over the journeys of one playbook that can hold the same customer at once
    (their audiences do not contradict each other), the most sends each can put inside one
    `frequency_cap` window, and flags the first of those journeys when the total is over
    the cap. The heaviest such group of journeys is reported. Journeys that exceed the cap
    on their own are left to `journey-over-frequency-cap`.

    ### Why it matters
    The cap counts all journeys together: a customer in two busy journeys loses sends, and
    lower-priority journeys lose theirs first.

    ### Example
    ```sop
    playbook "Shop" { frequency_cap 2 per 7d }
    content a: text "新客礼"
    content b: text "会员日"
    journey welcome { when friend_added  goal g: purchase within 7d  send a via private_chat  wait 1d  send a via sms }
    journey member_day { when every friday at 10:00  goal h: purchase within 7d  send b via private_chat }
    ```

    ### Use instead
    ```sop
    playbook "Shop" { frequency_cap 2 per 7d }
    content a: text "新客礼"
    content b: text "会员日"
    journey welcome { when friend_added  audience not tag "会员"  goal g: purchase within 7d  send a via private_chat  wait 1d  send a via sms }
    journey member_day { when every friday at 10:00  audience tag "会员"  goal h: purchase within 7d  send b via private_chat }
    ```
    """

    code = "W506"
    limit_name = "the playbook frequency_cap"

    def limit(self, ctx: LintContext) -> Window | None:
        return ctx.program.settings.frequency_cap

    def counts(self, send: steps.Send) -> bool:
        return any_send(send)

"""W418 placeholder-on-broadcast-channel."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule
from sopdsl.lint.usage import content_placeholders

# One post reaches many customers at once: there is no single customer to fill in.
BROADCAST_CHANNELS = frozenset({"moments", "group"})


class PlaceholderOnBroadcastChannel(Rule):
    """### What it does
    Flags a send via `moments` or `group` of a content whose text has a placeholder such as
    `{customer.name}` or `{owner.name}`.

    ### Why it matters
    A moments post or a group message is one text for everyone who sees it, so it cannot
    be personalised: customers see the raw placeholder or an empty name.

    ### Example
    ```sop
    content hello: text "{customer.name}您好，本周新品上架"
    journey weekly {
      when every monday at 10:00
      goal clicked: click(hello) within 3d
      send hello via moments
    }
    ```

    ### Use instead
    ```sop
    content hello: text "本周新品上架，欢迎到店试用"
    journey weekly {
      when every monday at 10:00
      goal clicked: click(hello) within 3d
      send hello via moments
    }
    ```
    """

    code = "W418"
    groups = ("logic",)

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for journey in ctx.program.journeys.values():
            for ref in ctx.steps(journey):
                step = ref.step
                if not isinstance(step, ast.Send) or step.channel.name not in BROADCAST_CHANNELS:
                    continue
                content = ctx.program.contents.get(step.content.name)
                found = content_placeholders(content) if content is not None else []
                if found:
                    yield self.report(
                        step.channel.span, f"`{step.content.name}` has the placeholder "
                        f"`{found[0].text}`, which a `{step.channel.name}` post cannot fill in",
                        hint="send it via private_chat, or use a content without placeholders")

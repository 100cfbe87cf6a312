"""W402 unused-segment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.rules._unused import UnusedDeclaration


class UnusedSegment(UnusedDeclaration):
    """### What it does
    Flags a `segment` that no audience, condition, trigger (`when enter S`), other segment or
    scenario effect names.

    ### Why it matters
    A segment nobody uses is either left over or was meant to filter a journey that now
    reaches everyone.

    ### Example
    ```sop
    segment vip = tag "VIP"
    segment sleepers = days_since(purchase) > 90
    journey care {
      when friend_added
      audience vip
      goal bought: purchase within 30d
      notify guide "VIP 新好友"
    }
    role guide
    ```

    ### Use instead
    ```sop
    segment vip = tag "VIP"
    journey care {
      when friend_added
      audience vip
      goal bought: purchase within 30d
      notify guide "VIP 新好友"
    }
    role guide
    ```
    """

    code = "W402"
    kind = "segment"

    def declared(self, ctx: LintContext) -> Mapping[str, ast.SegmentDecl]:
        return ctx.program.segments

    def used(self, ctx: LintContext) -> Iterable[str]:
        return ctx.usage.segments

"""W404 unused-attribute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.rules._unused import UnusedDeclaration


class UnusedAttribute(UnusedDeclaration):
    """### What it does
    Flags a declared `attribute` that no condition reads, no `set` step writes, no content
    placeholder (`{customer.baby_name}`), date trigger or scenario names. Built-in
    attributes are never reported.

    ### Why it matters
    Attributes are synced from other systems; one that no SOP reads is sync work for nothing,
    or a sign that a condition reads a similarly named attribute by mistake.

    ### Example
    ```sop
    attribute baby_months: number
    attribute shoe_size: number
    journey infant {
      when friend_added
      audience baby_months < 12
      goal bought: purchase within 30d
      tag "婴儿"
    }
    ```

    ### Use instead
    ```sop
    attribute baby_months: number
    journey infant {
      when friend_added
      audience baby_months < 12
      goal bought: purchase within 30d
      tag "婴儿"
    }
    ```
    """

    code = "W404"
    kind = "attribute"

    def declared(self, ctx: LintContext) -> Mapping[str, ast.AttributeDecl]:
        return {name: info.decl for name, info in ctx.program.attributes.items()
                if info.decl is not None}

    def used(self, ctx: LintContext) -> Iterable[str]:
        return ctx.usage.attributes

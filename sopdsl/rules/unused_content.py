"""W401 unused-content."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.rules._unused import UnusedDeclaration


class UnusedContent(UnusedDeclaration):
    """### What it does
    Flags a `content` that no step sends, no task attaches, and no event, goal or condition
    names (`click(c)`, `coupon_used(c)`). A declaration in a shared file counts as used when
    any linted playbook that imports it uses it.

    ### Why it matters
    Unused content is usually a step that was deleted or a typo in the name that sends
    something else. It also clutters the content list operators maintain.

    ### Example
    ```sop
    content coupon10: coupon "满99减10" { purpose choice  value 10 }
    content coupon30: coupon "满199减30" { purpose choice  value 30 }
    journey welcome {
      when friend_added
      goal first_order: purchase within 14d
      send coupon10 via private_chat
    }
    ```

    ### Use instead
    ```sop
    content coupon10: coupon "满99减10" { purpose choice  value 10 }
    journey welcome {
      when friend_added
      goal first_order: purchase within 14d
      send coupon10 via private_chat
    }
    ```
    """

    code = "W401"
    kind = "content"

    def declared(self, ctx: LintContext) -> Mapping[str, ast.ContentDecl]:
        return ctx.program.contents

    def used(self, ctx: LintContext) -> Iterable[str]:
        return ctx.usage.contents

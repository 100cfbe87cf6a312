"""W403 unused-role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sopdsl.syntax import ast
from sopdsl.lint.context import LintContext
from sopdsl.rules._unused import UnusedDeclaration


class UnusedRole(UnusedDeclaration):
    """### What it does
    Flags a `role` that no `send ... by`, `task`, `notify`, `handoff` or scenario (`owner`,
    `staff`) names.

    ### Why it matters
    Staff planning reads roles from the playbook; a role that no step gives work to shows
    up in capacity planning with nothing to do, or hides a step that names the wrong role.

    ### Example
    ```sop
    role guide "导购"
    role sales "销售顾问"
    journey follow_up {
      when friend_added
      goal bought: purchase within 30d
      task guide "电话回访" due 1d
    }
    ```

    ### Use instead
    ```sop
    role guide "导购"
    journey follow_up {
      when friend_added
      goal bought: purchase within 30d
      task guide "电话回访" due 1d
    }
    ```
    """

    code = "W403"
    kind = "role"

    def declared(self, ctx: LintContext) -> Mapping[str, ast.RoleDecl]:
        return ctx.program.roles

    def used(self, ctx: LintContext) -> Iterable[str]:
        return ctx.usage.roles

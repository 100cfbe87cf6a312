"""W417 handoff-to-current-owner."""

from __future__ import annotations

from collections.abc import Iterator

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext
from sopdsl.lint.registry import Rule
from sopdsl.runtime import steps


class HandoffToCurrentOwner(Rule):
    """### What it does
    Flags a `handoff ROLE` when, on every path to it, the journey's last handoff already
    went to the same role.

    ### Why it matters
    A handoff reassigns the customer round-robin inside the role: handing off to the role
    that already owns the customer moves them to a different colleague for no reason and
    breaks the relationship the first one started.

    ### Example
    ```sop
    role sales
    journey upgrade {
      when stage becomes intent
      goal bought: purchase within 30d
      handoff sales
      wait 3d
      handoff sales
    }
    ```

    ### Use instead
    ```sop
    role sales
    journey upgrade {
      when stage becomes intent
      goal bought: purchase within 30d
      handoff sales
      wait 3d
      notify sales "三天未成交，请再跟进"
    }
    ```
    """

    code = "W417"
    groups = ("logic", "workload")

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name in ctx.program.journeys:
            paths = ctx.paths(name)
            if not paths.complete:
                continue
            owners: dict[str, set[str | None]] = {}
            handoffs: dict[str, tuple[str, ast.Step]] = {}
            for path in paths.paths:
                owner: str | None = None
                for visit in path:
                    if isinstance(visit.instruction, steps.Handoff):
                        owners.setdefault(visit.node, set()).add(owner)
                        owner = visit.instruction.role
                        handoffs[visit.node] = (owner, visit.step)
            for node, (role, step) in handoffs.items():
                if owners[node] == {role}:
                    yield self.report(step.span, f"`{node}` hands off to `{role}`, "
                                      "which already owns the customer here",
                                      hint="the earlier handoff already made a member of this "
                                           "role the owner; use `notify` or `task` instead")

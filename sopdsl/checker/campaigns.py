"""Campaign declarations: phases in order without overlap, blackouts naming journeys and phases."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.checker.resolve import Resolver
from sopdsl.checker.typecheck import check_date_range


def check_campaign(resolver: Resolver, decl: ast.CampaignDecl) -> None:
    """Each phase a forward range of days, no two phases sharing a name or a day (E331)."""
    seen: dict[str, ast.Phase] = {}
    for phase in decl.phases:
        check_date_range(resolver.report, phase.start, phase.end)
        first = seen.setdefault(phase.name.name, phase)
        if first is not phase:
            resolver.report("E331", phase.name.span,
                            f"campaign `{decl.name.name}` has two phases named `{phase.name.name}`",
                            hint=f"the first is on line {first.span.line}; give each its own name")
    ordered = sorted(decl.phases, key=lambda p: p.start.value)
    for earlier, later in zip(ordered, ordered[1:]):
        if later.start.value <= earlier.end.value:
            resolver.report("E331", later.span,
                            f"phase `{later.name.name}` starts on {later.start.text}, inside "
                            f"phase `{earlier.name.name}` ({earlier.start.text}.."
                            f"{earlier.end.text})",
                            hint="a day belongs to one phase of a campaign; start this one "
                                 "after the other ends")
    for blackout in decl.blackouts:
        for journey in blackout.journeys:
            resolver.journey(journey)
        for phase in blackout.phases:
            resolver.campaign_phase(decl.name, phase)

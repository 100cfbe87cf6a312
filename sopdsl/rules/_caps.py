"""The shared shape of the cap and quota rules (W503-W507)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator

import networkx as nx

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.lint.context import LintContext, clauses
from sopdsl.lint.registry import Rule
from sopdsl.lint.windows import Burst, busiest, window_minutes, window_text
from sopdsl.checker.program import Window
from sopdsl.runtime import steps


class JourneyOverWindow(Rule):
    """Base of rules about one journey's sends exceeding a limit inside one window."""

    groups = ("caps", "risk")
    limit_name = ""  # how messages name the limit

    @abstractmethod
    def limit(self, ctx: LintContext, journey: ast.Journey) -> tuple[Window, ast.Node] | None:
        """The limit and the node to report at, None when the journey has none."""

    @abstractmethod
    def counts(self, send: steps.Send) -> bool:
        """Whether a send counts against the limit."""

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        for name, journey in ctx.program.journeys.items():
            found = self.limit(ctx, journey)
            if found is None:
                continue
            window, node = found
            burst = busiest(ctx.paths(name), window_minutes(window), self.counts)
            if burst is not None and burst.count > window.count:
                yield self.report(
                    node.span, f"`{name}` can send {burst.count} messages within "
                    f"{_per(window)}, over {self.limit_name} of {window_text(window)}: "
                    f"{burst.text()}",
                    hint="space the sends out, drop one, or end the path earlier; sends over "
                         "the limit are dropped at run time")


class PlaybookOverWindow(Rule):
    """Base of rules about several journeys together exceeding a playbook-wide limit."""

    groups = ("caps", "risk")
    limit_name = ""

    @abstractmethod
    def limit(self, ctx: LintContext) -> Window | None:
        """The playbook-wide limit, None when the playbook sets none."""

    @abstractmethod
    def counts(self, send: steps.Send) -> bool:
        """Whether a send counts against the limit."""

    def check(self, ctx: LintContext) -> Iterator[Diagnostic]:
        window = self.limit(ctx)
        if window is None:
            return
        bursts = {}
        for name in ctx.program.journeys:
            burst = busiest(ctx.paths(name), window_minutes(window), self.counts)
            if burst is not None:
                bursts[name] = burst
        group = _heaviest_overlap(ctx, bursts)
        total = sum(bursts[name].count for name in group)
        alone = any(bursts[name].count > window.count for name in group)
        if len(group) < 2 or total <= window.count or alone:
            return
        journey = ctx.program.journeys[group[0]]
        parts = ", ".join(f"`{name}` {bursts[name].count}" for name in group)
        yield self.report(
            journey.name.span, f"journeys {parts} can together send one customer {total} "
            f"messages within {_per(window)}, over {self.limit_name} of {window_text(window)}",
            hint="their audiences overlap; make them exclusive, lower the sends, or give the "
                 "journeys priorities so the right sends survive the cap")


def journey_cap(journey: ast.Journey) -> tuple[Window, ast.Node] | None:
    """The journey's own `cap N per D`, with the clause."""
    caps = clauses(journey, ast.JourneyCap)
    if not caps:
        return None
    cap = caps[0]
    return Window(int(cap.count.value), cap.window.minutes), cap


def _per(window: Window) -> str:
    return window_text(window).split(" per ", 1)[1] if window.minutes else f"one {window.calendar}"


def _heaviest_overlap(ctx: LintContext, bursts: dict[str, Burst]) -> list[str]:
    """The journeys, in source order, that can hold one customer at once with the most sends."""
    audiences = {name: [f for c in clauses(ctx.program.journeys[name], ast.Audience)
                        if (f := ctx.reasoner.fact(c.expr)) is not None] for name in bursts}
    overlap = nx.Graph()
    for name, burst in bursts.items():
        overlap.add_node(name, weight=burst.count)
    names = list(bursts)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if ctx.reasoner.consistent([*audiences[first], *audiences[second]]) is not False:
                overlap.add_edge(first, second)
    clique, _ = nx.max_weight_clique(overlap, weight="weight")
    order = {name: i for i, name in enumerate(ctx.program.journeys)}
    return sorted(clique, key=order.__getitem__)

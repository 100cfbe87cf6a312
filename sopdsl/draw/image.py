"""Workflow drawings as PNG or SVG images with matplotlib: a layered, top-to-bottom flowchart.

Layout: each compound step owns a band of lanes, one per arm (plus one for a repeat's `done`
edge), so an arm that is absent or already finished has a free lane for its edge to run down.
Rows come from networkx's topological generations of the structural order of the steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import networkx as nx

from sopdsl.atomic import open_output
from sopdsl.draw.labels import (
    STYLES,
    WAIT_KINDS,
    edge_text,
    local_id,
    node_class,
    node_text,
    short,
)
from sopdsl.draw.fonts import drawing_fonts, missing_font_note
from sopdsl.draw.graph import WorkflowGraph
from sopdsl.render.text import display_width
from sopdsl.syntax.walk import step_arms

LANE = 2.4  # inches per lane
ROW = 1.0  # inches per row
BOX_W, BOX_H = 2.0, 0.6
WAIT_W = 1.5
WRAP = 30  # display columns per line inside a box
FIGURES_WRAP = 34  # the same at the smaller type of a box with forecast figures
# Display columns per line of an edge label: the labels of neighbouring branches sit about
# 0.6 lanes apart, which holds about 30 columns of 6.5 pt text.
LABEL_WRAP = 26
DONE = "@done"  # the extra lane a repeat's `done` edge runs down
Point = tuple[float, float]
EDGE_COLOURS = {
    "exit": "#b91c1c", "exit_on": "#b91c1c", "exit_when": "#b91c1c", "goal": "#15803d",
    "if": "#6d28d9", "elif": "#6d28d9", "else": "#6d28d9", "arm": "#6d28d9",
    "then": "#6d28d9", "timeout": "#6d28d9", "enter": "#0369a1",
}


def render(graph: WorkflowGraph, journeys: list[str], path: str, fmt: str) -> list[str]:
    """Draw the journeys side by side, write the image to path atomically (`-`: standard
    output); notes for the user."""
    from matplotlib.figure import Figure

    layouts, left = [], 0.2
    for name in journeys:
        layout = _Layout(graph, name, left)
        layouts.append(layout)
        left = layout.right + 0.4 * LANE
    width = layouts[-1].right + 0.2 if layouts else LANE
    height = max((layout.bottom for layout in layouts), default=ROW) + 0.2
    with drawing_fonts({"svg.fonttype": "none"}) as (families, notes):
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)  # y grows downward, as rows do
        ax.set_aspect("equal")
        ax.axis("off")
        if not layouts:
            ax.text(width / 2, height / 2, "no journeys", ha="center", va="center", color="#6b7280")
        for layout in layouts:
            _Painter(ax, graph, layout).paint()
        _paint_enter_edges(ax, graph, layouts)
        with open_output(path) as out:
            fig.savefig(out, format=fmt, dpi=min(110.0, 30000 / max(width, height)),
                        facecolor="white")
    return notes + missing_font_note(families, (text.get_text() for text in ax.texts))


class _Layout:
    """Where one journey's nodes go (inches, y downward) and where each arm's lane runs."""

    def __init__(self, graph: WorkflowGraph, name: str, left: float) -> None:
        self.graph = graph
        self.name = name
        self.left = left
        self.lanes: dict[tuple[str, str], float] = {}
        g = graph.g
        nodes = graph.journey_nodes(name)
        self.kinds: dict[str, str] = {n: g.nodes[n]["kind"] for n in nodes}
        self.children: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
        for node in graph.step_nodes(name):
            self.children[g.nodes[node]["parent"], g.nodes[node]["arm"]].append(node)
        self._widths: dict[str, int] = {}
        top = self.children[None, None]
        triggers = [n for n in nodes if self.kinds[n] == "trigger"]
        lanes = max(self._list_width(top), len(triggers))
        centre = self.left + lanes * LANE / 2
        xs = {f"{self.name}/@end": centre}
        self._place_list(top, centre, xs)
        for i, trigger in enumerate(triggers):
            xs[trigger] = centre + (i - (len(triggers) - 1) / 2) * LANE
        rows = self._rows(top, triggers)
        # Row 0 holds the journey's title.
        self.pos: dict[str, Point] = {node: (x, (rows[node] + 1) * ROW) for node, x in xs.items()}
        self._place_side(nodes, self.left + (lanes + 0.5) * LANE, self.pos[f"{self.name}/@end"][1])
        self.right = max(x + _half(self.kinds[n])[0] for n, (x, _) in self.pos.items())
        self.bottom = max(y for _, y in self.pos.values()) + ROW / 2

    def _place_side(self, nodes: list[str], side: float, last: float) -> None:
        """Journey-level nodes go right of the steps: `at any time` on top, exit at the bottom."""
        goals = [n for n in nodes if self.kinds[n] == "goal"]
        for node in nodes:
            if self.kinds[node] == "any":
                self.pos[node] = (side, ROW)
            elif self.kinds[node] == "exit":
                self.pos[node] = (side, last)
        for i, goal in enumerate(goals):
            self.pos[goal] = (side + 0.8 * LANE, (i + 2.5) * ROW)

    def arms(self, node: str) -> list[str]:
        names = [arm for arm, _ in step_arms(self.graph.g.nodes[node]["step"])]
        return [DONE, *names] if self.kinds[node] in ("repeat_n", "repeat_until") else names

    def _list_width(self, nodes: list[str]) -> int:
        return max((self.step_width(n) for n in nodes), default=1)

    def step_width(self, node: str) -> int:
        if node not in self._widths:
            arms = self.arms(node)
            self._widths[node] = sum(self._list_width(self.children[node, a]) for a in arms) or 1
        return self._widths[node]

    def _place_list(self, nodes: list[str], centre: float, xs: dict[str, float]) -> None:
        for node in nodes:
            xs[node] = centre
            left = centre - self.step_width(node) * LANE / 2
            for arm in self.arms(node):
                width = self._list_width(self.children[node, arm]) * LANE
                self.lanes[node, arm] = left + width / 2
                self._place_list(self.children[node, arm], left + width / 2, xs)
                left += width

    def _rows(self, top: list[str], triggers: list[str]) -> dict[str, int]:
        """Each node's row: its generation in the steps' structural order (no loops, no jumps)."""
        order = nx.DiGraph()
        end = f"{self.name}/@end"
        order.add_node(end)
        for trigger in triggers:
            order.add_edge(trigger, top[0] if top else end)
        self._order_list(order, top, end)
        return {n: row for row, gen in enumerate(nx.topological_generations(order)) for n in gen}

    def _order_list(self, order: nx.DiGraph, nodes: list[str], after: str) -> None:
        for i, node in enumerate(nodes):
            following = nodes[i + 1] if i + 1 < len(nodes) else after
            order.add_edge(node, following)
            for arm in self.arms(node):
                arm_nodes = self.children[node, arm]
                if arm_nodes:
                    order.add_edge(node, arm_nodes[0])
                    self._order_list(order, arm_nodes, following)


class _Painter:
    """Draws one laid-out journey: title, nodes, edges and their labels."""

    def __init__(self, ax: Any, graph: WorkflowGraph, layout: _Layout) -> None:
        self.ax = ax
        self.graph = graph
        self.layout = layout
        self.unreachable = set(graph.unreachable_steps(layout.name))

    def paint(self) -> None:
        journey = self.graph.journeys[self.layout.name]
        title = self.layout.name + (f"  {journey.title.value}" if journey.title else "")
        self.ax.text(self.layout.left + 0.1, 0.35 * ROW, title, fontsize=11,
                     fontweight="bold", va="center", ha="left", color="#111827")
        # Edges that share a place for their label (exit clauses, a repeat's rounds) share a label.
        labels: dict[tuple[Point, str], list[str]] = defaultdict(list)
        for u, v, attrs in self.graph.g.edges(data=True):
            if u in self.layout.pos and v in self.layout.pos and attrs["kind"] != "enter":
                route = self._route(u, v, attrs)
                self._line(route, attrs)
                for anchor, align, text in self._labels(u, v, attrs, route):
                    label = "\n".join(_wrap(text, LABEL_WRAP))
                    if text and label not in labels[anchor, align]:
                        labels[anchor, align].append(label)
        for (anchor, align), texts in labels.items():
            _label(self.ax, anchor, "\n".join(texts), align)
        for node in self.layout.pos:
            self._node(node)

    def _route(self, u: str, v: str, attrs: dict) -> list[Point]:
        """The polyline an edge follows: lanes down, buses to the side for loops and exits."""
        pos, kinds = self.layout.pos, self.layout.kinds
        (xu, yu), (xv, yv) = pos[u], pos[v]
        (wu, hu), (wv, hv) = _half(kinds[u]), _half(kinds[v])
        start, end = (xu, yu + hu), (xv, yv - hv)
        if u == v:  # a repeat with an empty body
            side, loop, up, down = xu + wu, xu + wu + 0.3, yu - 0.12, yu + 0.12
            return [(side, up), (loop, up), (loop, down), (side, down)]
        if attrs.get("back"):
            bus = xv + self.layout.step_width(v) * LANE / 2 - 0.1
            return [(xu + wu, yu), (bus, yu), (bus, yv), (xv + wv, yv)]
        if kinds[v] == "goal":
            bus = (xu + xv) / 2
            return [(xu + wu, yu), (bus, yu), (bus, yv), (xv - wv, yv)]
        if kinds[v] == "exit" and kinds[u] != "any":
            gap = yu + ROW / 2
            return [start, (xu, gap), (xv, gap), end]
        if kinds[u] == "any" or yv - yu <= ROW:
            return [start, end]
        lane = self._lane(u, attrs)
        return [start, (lane, yu + ROW / 2), (lane, yv - ROW / 2), end]

    def _labels(
        self, u: str, v: str, attrs: dict, route: list[Point]
    ) -> Iterator[tuple[Point, str, str]]:
        """Where an edge's words go (anchor, alignment, text)."""
        source = self.graph.g.nodes[u]
        text = edge_text(attrs, source, loop=False)
        (xu, yu), (xv, yv) = self.layout.pos[u], self.layout.pos[v]
        (wu, hu), hv = _half(source["kind"]), _half(self.layout.kinds[v])[1]
        if attrs.get("back"):
            every = "every " + attrs["wait"].text
            if u == v:
                yield (route[1][0] + 0.05, yu), "left", every
            else:
                (x1, _), (x2, y2) = route[-2:]
                yield ((x1 + x2) / 2, y2 - 0.12), "center", every
            if source["kind"] in WAIT_KINDS:
                yield (xu, yu + hu + 0.14), "center", text
            else:
                yield (xu + wu + 0.05, yu - 0.12), "left", text
        elif self.layout.kinds[v] == "goal":
            yield (xv, yv + hv + 0.12), "center", text
        elif source["kind"] == "any":
            yield (xu, yu + hu + 0.35), "center", text
        elif len(route) == 2:
            # Nearer the target than the source, so the labels of a fan of branches spread apart.
            (x1, y1), (x2, y2) = route
            yield (0.4 * x1 + 0.6 * x2, 0.4 * y1 + 0.6 * y2), "center", text
        else:
            (x1, y1), (x2, y2) = route[:2]
            yield ((x1 + x2) / 2, (y1 + y2) / 2 - 0.05), "center", text

    def _lane(self, u: str, attrs: dict) -> float:
        """The x of the lane an edge out of a compound step runs down (else the source's x)."""
        kind = attrs["kind"]
        arm = {"loop_exit": DONE, "arm": attrs.get("name"), "body": "body"}.get(kind)
        arm = arm or attrs.get("arm") or kind
        return self.layout.lanes.get((u, arm), self.layout.pos[u][0])

    def _line(self, route: list[tuple[float, float]], attrs: dict) -> None:
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path

        dashed = attrs.get("back") or attrs["kind"] in ("goal", "exit_on", "exit_when")
        colour = "#4338ca" if attrs.get("back") else EDGE_COLOURS.get(attrs["kind"], "#374151")
        self.ax.add_patch(FancyArrowPatch(
            path=Path(route), arrowstyle="-|>", mutation_scale=10, color=colour,
            linewidth=1.0, linestyle="--" if dashed else "-", zorder=1,
        ))

    def _node(self, node: str) -> None:
        from matplotlib.patches import Circle, FancyBboxPatch, RegularPolygon

        attrs = self.graph.g.nodes[node]
        kind = attrs["kind"]
        style = STYLES[node_class(kind)]
        x, y = self.layout.pos[node]
        colours = {"facecolor": style.fill, "edgecolor": style.border, "zorder": 2,
                   "alpha": 0.45 if node in self.unreachable else 1.0}
        w, h = _half(kind)
        if kind == "end":
            self.ax.add_patch(Circle((x, y), w, linewidth=1.2, **colours))
        elif kind == "exit":
            self.ax.add_patch(RegularPolygon((x, y), 8, radius=w, linewidth=1.5, **colours))
        else:
            rounding = h if kind in WAIT_KINDS or kind == "goal" else 0.08
            self.ax.add_patch(FancyBboxPatch(
                (x - w, y - h), 2 * w, 2 * h, boxstyle=f"round,pad=0,rounding_size={rounding}",
                linewidth={"branch": 2.0, "repeat": 2.0, "goal": 3.0}.get(node_class(kind), 1.0),
                linestyle="--" if kind == "any" else "-", **colours,
            ))
        figures = _packed(attrs.get("figures", []), FIGURES_WRAP)
        # Forecast figures take the second line of the step's text, in smaller type.
        lines = _wrap(node_text(attrs), FIGURES_WRAP if figures else WRAP, 1 if figures else 2)
        if "step" in attrs:
            head = local_id(node) + (" · unreachable" if node in self.unreachable else "")
            lines = [head, *lines, *figures]
        self.ax.text(x, y, "\n".join(lines), ha="center", va="center",
                     fontsize=6.5 if figures else 7.5, color="#111827", zorder=3,
                     linespacing=1.25)


def _paint_enter_edges(ax: Any, graph: WorkflowGraph, layouts: list[_Layout]) -> None:
    from matplotlib.patches import FancyArrowPatch

    pos = {node: p for layout in layouts for node, p in layout.pos.items()}
    for u, v, kind in graph.g.edges(data="kind"):
        if kind == "enter" and u in pos and v in pos:
            (xu, yu), (xv, yv) = pos[u], pos[v]
            side = 1 if xv > xu else -1  # leave and arrive on the sides that face each other
            ax.add_patch(FancyArrowPatch(
                (xu + side * BOX_W / 2, yu), (xv - side * BOX_W / 2, yv),
                connectionstyle="arc3,rad=0.2", arrowstyle="-|>", mutation_scale=10,
                color=EDGE_COLOURS["enter"], linestyle="--", linewidth=0.8, alpha=0.7, zorder=1,
            ))


def _label(ax: Any, anchor: Point, text: str, align: str) -> None:
    ax.text(anchor[0], anchor[1], text, ha=align, va="center", fontsize=6.5, color="#1f2937",
            zorder=4, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                            "edgecolor": "none", "alpha": 0.9})


def _half(kind: str) -> Point:
    """Half the width and half the height of a node of this kind."""
    if kind in ("end", "exit"):
        radius = 0.22 if kind == "end" else 0.3
        return radius, radius
    if kind == "goal":
        return 0.8, 0.25
    return (WAIT_W if kind in WAIT_KINDS else BOX_W) / 2, BOX_H / 2


def _packed(phrases: list[str], width: int) -> list[str]:
    """Phrases joined by ` · ` into as few lines of at most width display columns as fit."""
    lines: list[str] = []
    for phrase in phrases:
        joined = f"{lines[-1]} · {phrase}" if lines else phrase
        if lines and display_width(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(phrase)
    return lines


def _wrap(text: str, width: int, max_lines: int = 2) -> list[str]:
    """Break text into lines of at most width display columns (CJK counts two), cut to fit."""
    lines, line = [], ""
    for char in " ".join(text.split()):
        if display_width(line + char) > width:
            cut = line.rfind(" ")
            head, line = (line[:cut], line[cut + 1:]) if cut > 0 else (line, "")
            lines.append(head)
        line += char
    lines.append(line)
    if len(lines) > max_lines:
        lines[max_lines - 1:] = [short(" ".join(lines[max_lines - 1:]), width)]
    return [ln.strip() for ln in lines]

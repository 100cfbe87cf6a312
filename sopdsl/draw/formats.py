"""Drawings of the workflow graph: Graphviz DOT and Mermaid text, PNG and SVG images."""

from __future__ import annotations

import os
from collections.abc import Iterator

from sopdsl.draw.labels import (
    FONT_FAMILIES,
    STYLES,
    edge_text,
    local_id,
    node_class,
    node_text,
    short,
)
from sopdsl.draw.graph import WorkflowGraph

IMAGE_FORMATS = ("png", "svg")


def to_dot(graph: WorkflowGraph, journey: str | None = None) -> str:
    """Graphviz DOT text: one cluster per journey (or just the one named)."""
    names = _journeys(graph, journey)
    font = ",".join(FONT_FAMILIES)
    lines = [
        "digraph sop {",
        "  rankdir=TB;",
        f'  node [fontname="{font}", fontsize=10, style="filled,rounded"];',
        f'  edge [fontname="{font}", fontsize=9];',
    ]
    edges = list(_edges(graph, names))
    for i, name in enumerate(names):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={_dot_str(_title(graph, name))};")
        lines += (f"    {line}" for line in _dot_nodes(graph, name))
        lines += (
            f"    {_dot_edge(graph, u, v, attrs)}"
            for u, v, attrs in edges
            if graph.g.nodes[u]["journey"] == name and attrs["kind"] != "enter"
        )
        lines.append("  }")
    lines += (f"  {_dot_edge(graph, u, v, a)}" for u, v, a in edges if a["kind"] == "enter")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(graph: WorkflowGraph, journey: str | None = None) -> str:
    """A Mermaid flowchart: one subgraph per journey (or just the one named)."""
    names = _journeys(graph, journey)
    ids = {node: f"n{i}" for i, node in enumerate(_nodes(graph, names))}
    lines = ["flowchart TD"]
    for i, name in enumerate(names):
        lines.append(f'  subgraph j{i}["{_mermaid_escape(_title(graph, name))}"]')
        for node in graph.journey_nodes(name):
            attrs = graph.g.nodes[node]
            style = node_class(attrs["kind"])
            opening, closing = STYLES[style].mermaid
            label = _mermaid_escape(_node_label(node, attrs))
            lines.append(f"    {ids[node]}{opening}{label}{closing}:::sop_{style}")
        lines.append("  end")
    for u, v, attrs in _edges(graph, names):
        text = _mermaid_escape(short(edge_text(attrs, graph.g.nodes[u])))
        arrow = "-.->" if _dashed(attrs) else "-->"
        label = f'|"{text}"|' if text else ""
        lines.append(f"  {ids[u]} {arrow}{label} {ids[v]}")
    used = sorted({node_class(graph.g.nodes[n]["kind"]) for n in _nodes(graph, names)})
    lines += (
        f"  classDef sop_{c} fill:{STYLES[c].fill},stroke:{STYLES[c].border},color:#111827"
        for c in used
    )
    return "\n".join(lines) + "\n"


def to_image(
    graph: WorkflowGraph, journey: str | None, path: str | os.PathLike[str], fmt: str = "png"
) -> list[str]:
    """Draw the journey (or all journeys) to a PNG or SVG file atomically (`-`: standard
    output); notes for the user.

    A note says, for example, that no installed font draws the Chinese labels.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"cannot draw {fmt!r} images; use one of {', '.join(IMAGE_FORMATS)}")
    names = _journeys(graph, journey)
    from sopdsl.draw.image import render  # matplotlib is heavy: only drawing images loads it

    return render(graph, names, os.fspath(path), fmt)


def _journeys(graph: WorkflowGraph, journey: str | None) -> list[str]:
    if journey is None:
        return list(graph.journeys)
    graph.journey_nodes(journey)  # raises KeyError for an unknown journey
    return [journey]


def _title(graph: WorkflowGraph, name: str) -> str:
    journey = graph.journeys[name]
    title = f"{name} {journey.title.value}" if journey.title else name
    return f"{title} (for groups)" if journey.for_groups else title


def _node_label(node: str, attrs: dict) -> str:
    text = short(node_text(attrs))
    if "step" not in attrs:
        return text
    figures = "\n" + " · ".join(attrs["figures"]) if "figures" in attrs else ""
    return f"{local_id(node)}\n{text}{figures}"


def _nodes(graph: WorkflowGraph, names: list[str]) -> list[str]:
    return [node for name in names for node in graph.journey_nodes(name)]


def _edges(graph: WorkflowGraph, names: list[str]) -> Iterator[tuple[str, str, dict]]:
    """The edges between drawn nodes (an `enter` into an undrawn journey is left out)."""
    drawn = set(_nodes(graph, names))
    for u, v, attrs in graph.g.edges(data=True):
        if u in drawn and v in drawn:
            yield u, v, attrs


def _dot_nodes(graph: WorkflowGraph, name: str) -> Iterator[str]:
    for node in graph.journey_nodes(name):
        attrs = graph.g.nodes[node]
        style = STYLES[node_class(attrs["kind"])]
        yield (
            f"{_dot_str(node)} [label={_dot_str(_node_label(node, attrs))}, "
            f'shape={style.dot_shape}, fillcolor="{style.fill}", color="{style.border}"];'
        )


def _dot_edge(graph: WorkflowGraph, u: str, v: str, attrs: dict) -> str:
    text = edge_text(attrs, graph.g.nodes[u])
    extras = [f"label={_dot_str(short(text))}"] if text else []
    if _dashed(attrs):
        extras.append("style=dashed")
    if attrs.get("back"):
        extras.append("constraint=false")
    return f"{_dot_str(u)} -> {_dot_str(v)}" + (f" [{', '.join(extras)}];" if extras else ";")


def _dashed(attrs: dict) -> bool:
    """Edges that are not a customer's next step: loop rounds, watched conditions, enters."""
    return bool(attrs.get("back")) or attrs["kind"] in ("enter", "goal", "exit_on", "exit_when")


def _dot_str(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _mermaid_escape(text: str) -> str:
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text.replace("\n", "<br/>")


"""Segments defined through themselves: each cycle of references reported once."""

from __future__ import annotations

import graphlib
import itertools

from sopdsl.syntax import ast
from sopdsl.checker.resolve import Resolver

# More cycles than this among one unit's segments say the same thing over and over.
MAX_CYCLES = 20


def _has_cycle(references: dict[str, list[ast.SegmentRef]]) -> bool:
    """Whether any segment is defined through itself: the standard library's quick answer."""
    graph = {name: [ref.name for ref in refs if ref.name in references]
             for name, refs in references.items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError:
        return True
    return False


def check_segment_cycles(resolver: Resolver, references: dict[str, list[ast.SegmentRef]]) -> None:
    """E209 for every cycle, at the reference that leaves its first-declared segment."""
    if not _has_cycle(references):
        return
    import networkx as nx  # only units with a cycle pay for it (a tenth of a second)

    graph = nx.DiGraph()
    for name, refs in references.items():
        for ref in refs:
            if ref.name in references and not graph.has_edge(name, ref.name):
                graph.add_edge(name, ref.name, span=ref.span)
    order = {name: position for position, name in enumerate(references)}
    cycles = []
    for cycle in itertools.islice(nx.simple_cycles(graph), MAX_CYCLES):
        start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        cycles.append(cycle[start:] + cycle[:start])
    for cycle in sorted(cycles, key=lambda c: [order[n] for n in c]):
        path = " -> ".join([*cycle, cycle[0]])
        span = graph.edges[cycle[0], cycle[1 % len(cycle)]]["span"]
        resolver.report("E209", span, f"segment `{cycle[0]}` refers to itself: {path}",
                        hint="a segment cannot be defined through itself; "
                             "write the shared condition out in one of them")

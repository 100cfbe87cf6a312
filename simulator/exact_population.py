"""The scenario's population as a mixture of customer types, for the exact forecaster.

Only what the playbook reads splits the population: attributes and tags its expressions
test (and tags whose adding starts a journey), and for the stock, the starting stage and the
groups it is in. Each type carries its share of the customers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from sopdsl.syntax import ast
from sopdsl.checker.program import Program
from simulator.exact_groups import GROUPS, groups_of
from simulator.exact_support import program_expressions
from sopdsl.scenario.model import Scenario, SharesAttribute
from sopdsl.syntax.walk import nodes


@dataclass(frozen=True)
class CustomerType:
    """Customers alike in everything the playbook reads, and their share of the population."""

    share: float
    attributes: tuple[tuple[str, Any], ...]
    tags: frozenset[str]
    stage: str | None


def customer_types(program: Program, scenario: Scenario, stock: bool) -> list[CustomerType]:
    """The types of the stock (with their stages) or of arriving friends (first stage)."""
    attributes, tags = read_by_playbook(program, scenario)
    population = scenario.population
    factors: list[list[tuple[tuple[str, Any], float]]] = []
    for name in sorted(attributes - {GROUPS}):
        model = population.attributes.get(name)
        if isinstance(model, SharesAttribute):
            factors.append([(("attribute", (name, s.value)), s.share) for s in model.shares])
    if GROUPS in attributes:  # each stock customer is in one group with the `members` chance
        joined = scenario.groups.members if stock and scenario.groups is not None \
            and groups_of(scenario) > 0 else 0.0
        factors.append([(("attribute", (GROUPS, 1)), joined),
                        (("attribute", (GROUPS, 0)), 1 - joined)])
    for tag in sorted(tags & set(population.tags)):
        share = population.tags[tag]
        factors.append([(("tag", tag), share), (("no tag", tag), 1 - share)])
    first = program.settings.stages[0] if program.settings.stages else None
    stages = population.stages if stock and population.stages else {first: 1.0}
    factors.append([(("stage", stage), share) for stage, share in stages.items()])
    types = []
    for combination in itertools.product(*factors):
        share = math.prod(s for _, s in combination)
        if share > 0:
            types.append(_type(share, [what for what, _ in combination]))
    return types


def _type(share: float, parts: list[tuple[str, Any]]) -> CustomerType:
    attributes = tuple(value for kind, value in parts if kind == "attribute")
    tags = frozenset(value for kind, value in parts if kind == "tag")
    stage = next(value for kind, value in parts if kind == "stage")
    return CustomerType(share, attributes, tags, stage)


def read_by_playbook(program: Program, scenario: Scenario) -> tuple[set[str], set[str]]:
    """The attributes and tags that can change what the playbook does with a customer."""
    attributes: set[str] = set()
    tags: set[str] = set()
    for expr, _ in program_expressions(program, scenario):
        for node in nodes(expr):
            if isinstance(node, ast.NameValue) and node.name in program.attributes:
                attributes.add(node.name)
            elif isinstance(node, ast.TagTest):
                tags.add(node.tag.value)
    for journey in program.journeys.values():
        for node in nodes(journey.clauses):
            if isinstance(node, ast.TagAddedTrigger):
                tags.add(node.tag.value)
    return attributes, tags

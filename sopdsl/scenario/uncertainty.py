"""Values written as distributions: one replication's draws of them, and the per-customer ones.

A value drawn once per replication (`open beta(450, 550)`) is fixed for the whole run: the
spread between replications, and so every interval, includes what its distribution leaves open.
`generator_for(path)` gives the numpy generator of the value at `path` (of the model at
`path` for parameters drawn jointly), so each value has a stream of its own and adding one to
a scenario leaves the draws of the others as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sopdsl.scenario.distributions import Distribution
from sopdsl.scenario.model import Scenario

if TYPE_CHECKING:
    import numpy as np

GeneratorFor = Callable[[str], "np.random.Generator"]


def with_replication_draws(scenario: Scenario, generator_for: GeneratorFor) -> Scenario:
    """The scenario one replication runs with: each value drawn once per replication replaced
    by one draw, and each model drawn jointly by one draw of all its parameters (per-customer
    values keep their means; see `per_customer`)."""
    drawn = scenario
    for path, value in scenario.drawn.items():
        if not value.per_customer:
            draw = float(value.distribution.sample(generator_for(path), 1)[0])
            drawn = _replaced(drawn, path.split("."), draw)
    for path, joint in scenario.drawn_jointly.items():
        draws = joint.sample(generator_for(path), 1)[0]
        for name, draw in zip(joint.names, draws):
            drawn = _replaced(drawn, [*path.split("."), name], float(draw))
    return drawn


def per_customer(scenario: Scenario) -> dict[str, Distribution]:
    """The values each customer draws for themselves, by path (`channels.sms.click`)."""
    return {path: value.distribution for path, value in scenario.drawn.items()
            if value.per_customer}


def _replaced(model: Any, path: list[str], value: float) -> Any:
    """`model` with the value at `path` (through fields and dict keys) replaced."""
    head, *rest = path
    if isinstance(model, dict):
        return {**model, head: _replaced(model[head], rest, value) if rest else value}
    return model.model_copy(
        update={head: _replaced(getattr(model, head), rest, value) if rest else value})

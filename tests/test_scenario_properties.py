"""Property tests: any scenario text gives diagnostics or a valid scenario, never an exception."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from programs import program_from
from sopdsl.diagnostics import has_errors
from strategies import (  # tests/ is on sys.path under pytest (rootdir-less test dir)
    Block, _sc_values, distributions, durations, numbers, percents, render, scenarios,
)
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.blocks import BLOCK_ITEMS, BLOCK_SETTINGS
from sopdsl.scenario.build import effective_scenario

DECLS = """role guide "导购"
role sales "销售"
attribute level: enum("silver", "gold")
segment vip = tag "VIP"
"""
KEYS = sorted({key for keys in BLOCK_SETTINGS.values() for key in keys}
              - {key for keys in BLOCK_ITEMS.values() for key in keys})
NAMES = st.sampled_from(["guide", "sales", "private_chat", "sms", "choice", "vip", "level",
                         "age", "gender", "birthday", "purchase", "visitor", "won", "nobody"])


@st.composite
def items(draw, depth: int = 2) -> list:
    """A scenario item whose key is a real scenario key, in any block."""
    kind = draw(st.integers(0, 5))
    nested = (lambda: [Block(draw(st.lists(items(depth - 1), max_size=3)))]) if depth else list
    if kind <= 2:
        block = nested() if draw(st.booleans()) else []
        written = [tok for _ in range(draw(st.integers(0, 2))) for tok in draw(_sc_values())]
        return [draw(st.sampled_from(KEYS)), *written, *block]
    if kind == 3:
        return ["staff", draw(NAMES), draw(numbers()), *nested()]
    if kind == 4:
        return [draw(st.sampled_from(["channel", "purpose"])), draw(NAMES), *(nested() or
                                                                             [Block([])])]
    share = [draw(NAMES), draw(percents())]
    return draw(st.sampled_from([["owner", draw(NAMES)], ["stage", *share],
                                 ["attribute", draw(NAMES), ":", *draw(distributions())],
                                 ["history", draw(NAMES), ":", *draw(distributions()), "within",
                                  draw(durations())]]))


def never_raises(text: str) -> None:
    program = program_from(DECLS + text)
    parsed = not any(d.code.startswith("E1") for d in program.diagnostics)
    for name in program.scenarios:
        chosen, diagnostics = effective_scenario(program, name, today=dt.date(2026, 1, 1))
        assert (chosen is not None) == (parsed and not has_errors(diagnostics))
        if chosen is not None:
            event("built")
            assert Scenario.model_validate_json(chosen.model_dump_json()).name == name


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(items(), max_size=6))
def test_scenarios_with_real_keys_never_raise(body: list) -> None:
    """Real keys with values of any kind, in any block, give diagnostics or a valid scenario."""
    never_raises(render([["scenario", "s", Block(body)]]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_any_parsable_scenario_never_raises(scenario: list) -> None:
    """Any scenario the grammar accepts gives diagnostics or a valid scenario."""
    never_raises(render([scenario]))

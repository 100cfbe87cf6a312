"""Tests for the scenario models, the built-in default and its text rendering."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from sopdsl.builtins import CHANNELS, PURPOSES
from sopdsl.scenario.defaults import BUILTIN_NAME, builtin_scenario
from sopdsl.scenario.model import (
    Channel, Hours, Multipliers, PopulationSpec, Scenario, SharesAttribute, ValueShare,
)
from sopdsl.scenario.text import percent, render_scenario

TODAY = dt.date(2026, 11, 23)


def test_builtin_default_covers_every_channel_and_purpose() -> None:
    """The default has response rates for every channel and multipliers for every purpose."""
    default = builtin_scenario(today=TODAY)
    assert list(default.channels) == ["welcome", "private_chat", "chat", "group", "moments",
                                      "sms", "email"]
    assert set(default.channels) == set(CHANNELS)
    assert set(default.purposes) == set(PURPOSES)
    assert (default.name, default.start, default.declared_at) == (BUILTIN_NAME, TODAY, None)


def test_builtin_default_matches_the_industry_anchors() -> None:
    """Service reach 40-50% on private chat; 10-20% of thrice-clicking friends buy."""
    default = builtin_scenario(today=TODAY)
    assert 0.40 <= default.channels["private_chat"].open <= 0.50
    three_clicks = 1 - (1 - default.purchase.after_click) ** 3
    assert 0.10 <= three_clicks <= 0.20


def test_builtin_default_starts_today() -> None:
    """Without a start date the default starts on the day it is built."""
    assert builtin_scenario().start == dt.date.today()


def test_models_refuse_unknown_fields_and_impossible_values() -> None:
    """Unknown keys, probabilities above 1 and negative rates are refused by the models."""
    delay = builtin_scenario(today=TODAY).channels["sms"].delay
    with pytest.raises(ValidationError, match="extra"):
        Channel(open=0.5, click=0.1, reply=0.1, unfriend=0, delay=delay, opne=0.2)
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Channel(open=1.4, click=0.1, reply=0.1, unfriend=0, delay=delay)
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        Multipliers(open=-1)


def test_shares_must_add_up() -> None:
    """Attribute and stage shares that do not add up to 100% are refused."""
    with pytest.raises(ValidationError, match="add up to 100%"):
        SharesAttribute(shares=[ValueShare(value="a", share=0.5), ValueShare(value="b", share=0.4)])
    with pytest.raises(ValidationError, match="add up to 100%"):
        PopulationSpec(size=1, arrivals_per_day=0, owner=None, attributes={}, tags={},
                   stages={"visitor": 0.7}, history={})
    SharesAttribute(shares=[ValueShare(value=True, share=0.62),
                            ValueShare(value=False, share=0.38)])


def test_share_values_keep_their_type() -> None:
    """A bool share stays a bool and a number a number through validation."""
    shares = SharesAttribute(shares=[ValueShare(value=True, share=0.5),
                                     ValueShare(value=3.0, share=0.5)]).shares
    assert [type(s.value) for s in shares] == [bool, float]


@pytest.mark.parametrize(("start", "end", "minutes"), [
    ("09:00", "21:00", 720), ("22:00", "06:00", 480), ("00:00", "23:59", 1439),
])
def test_hours_length_wraps_past_midnight(start: str, end: str, minutes: int) -> None:
    """The working time of a window that ends before it starts runs past midnight."""
    assert Hours(start=start, end=end).length_minutes == minutes


def test_hours_refuse_impossible_times() -> None:
    """A clock time must be HH:MM within the day."""
    with pytest.raises(ValidationError):
        Hours(start="24:00", end="09:00")


def test_schema_names_every_field() -> None:
    """The JSON schema of a scenario lists the blocks of the language."""
    schema = Scenario.model_json_schema()
    assert {"population", "staff", "channels", "purposes", "purchase", "fatigue", "effects",
            "cost"} <= set(schema["properties"])


def test_text_rendering_writes_values_as_a_playbook_does() -> None:
    """Percentages, durations and distributions print as a playbook writes them."""
    text = render_scenario(builtin_scenario(today=TODAY))
    assert "start          2026-11-23" in text
    assert "lognormal(200, 0.7) (mean 255.52)" in text
    assert "6% within 3d" in text
    assert "open x0.8  unfriend x2" in text
    assert all(line == line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize(("value", "text"), [(0.7, "70%"), (0.0015, "0.15%"), (1, "100%"),
                                             (0.07, "7%")])
def test_percent(value: float, text: str) -> None:
    """Fractions print as percentages without float noise."""
    assert percent(value) == text


def test_a_run_overrides_replications_seed_and_customers_only() -> None:
    """`overridden` changes what it is given and nothing else; impossible counts are refused."""
    scenario = builtin_scenario()
    assert scenario.overridden() == scenario
    changed = scenario.overridden(replications=3, seed=7, customers=12)
    assert (changed.replications, changed.seed, changed.population.size) == (3, 7, 12)
    assert changed.model_dump(exclude={"replications", "seed", "population"}) == \
        scenario.model_dump(exclude={"replications", "seed", "population"})
    assert changed.population.model_dump(exclude={"size"}) == \
        scenario.population.model_dump(exclude={"size"})
    for bad in ({"replications": 0}, {"seed": -1}, {"customers": -5}):
        with pytest.raises(ValueError):
            scenario.overridden(**bad)

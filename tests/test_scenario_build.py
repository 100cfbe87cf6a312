"""Tests for effective scenarios: defaults, merging per key, and which scenario is chosen."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sopdsl.syntax import ast
from sopdsl.api import load
from programs import program_from
from sopdsl.scenario.defaults import BUILTIN_NAME, CHANNEL_DEFAULTS, builtin_scenario
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.build import effective_scenario, scenario_diagnostics, scenario_names

TODAY = dt.date(2026, 11, 23)
DECLS = """
role guide "导购"
role sales "销售顾问"
attribute level: enum("silver", "gold", "black")
segment vip = tag "VIP"
"""


@pytest.fixture
def program():
    """Load a playbook made of the common declarations plus `text`."""
    return lambda text: program_from(DECLS + text, "unit.sop")


def effective(program_of, text: str, name: str | None = None) -> Scenario:
    chosen, diagnostics = effective_scenario(program_of(text), name, today=TODAY)
    assert diagnostics == [] and chosen is not None
    return chosen


def test_a_channel_setting_keeps_the_other_defaults(program) -> None:
    """`channel private_chat { open 70% }` changes open only; click and delay stay default."""
    chosen = effective(program, "scenario s { channel private_chat { open 70% } }")
    chat, default = chosen.channels["private_chat"], CHANNEL_DEFAULTS["private_chat"]
    assert chat.open == 0.7
    assert (chat.click, chat.reply, chat.delay) == (default.click, default.reply, default.delay)
    assert chosen.channels["sms"] == CHANNEL_DEFAULTS["sms"]


def test_empty_scenario_equals_the_builtin_default_but_for_its_name(program) -> None:
    """A scenario that writes nothing is the built-in default under its own name."""
    unit = program("scenario s { }")
    chosen, _ = effective_scenario(unit, today=TODAY)
    default = builtin_scenario(unit, today=TODAY)
    assert chosen.model_dump(exclude={"name", "declared_at"}) == \
        default.model_dump(exclude={"name", "declared_at"})
    assert (chosen.name, default.name) == ("s", BUILTIN_NAME)
    assert chosen.declared_at.endswith("unit.sop:6")


def test_unstaffed_roles_get_default_staff_sized_to_the_population(program) -> None:
    """The owner role gets one member per 400 customers, other roles five, unless staffed."""
    chosen = effective(program, "scenario s { population 2001 { owner sales } }")
    assert chosen.population.owner == "sales"
    assert chosen.staff["sales"].count == 6
    assert chosen.staff["guide"].count == 5
    staffed = effective(program, "scenario s { staff guide 3 { completion 50% } }")
    assert staffed.staff["guide"].count == 3 and staffed.staff["guide"].completion == 0.5
    assert staffed.staff["guide"].capacity_per_day == 60
    assert staffed.population.owner == "guide"  # the first declared role


def test_rates_are_per_day(program) -> None:
    """Arrivals per week divide by 7; staff capacity per hour counts their working hours."""
    chosen = effective(program, """scenario s {
      population { arrivals 70/week }
      staff guide 2 { capacity 5/hour  hours 10:00-18:00 }
      staff sales 1 { capacity 4/hour }
    }""")
    assert chosen.population.arrivals_per_day == pytest.approx(10)
    assert chosen.staff["guide"].capacity_per_day == pytest.approx(40)
    assert chosen.staff["sales"].capacity_per_day == pytest.approx(48)  # 09:00-21:00


def test_stages_replace_the_default_and_attributes_merge_by_name(program) -> None:
    """A stage line replaces the stage shares; attributes not written keep their default."""
    chosen = effective(program, """scenario s { population {
      stage prospect 40%, won 60%
      attribute gender: "female" 70%, "male" 30%
    } }""")
    assert chosen.population.stages == {"prospect": 0.4, "won": 0.6}
    assert [s.share for s in chosen.population.attributes["gender"].shares] == [0.7, 0.3]
    assert chosen.population.attributes["age"].distribution.text() == "normal(32, 8) in 18..70"
    level = chosen.population.attributes["level"]
    assert [(s.value, round(s.share, 6)) for s in level.shares] == \
        [("silver", 0.333333), ("gold", 0.333333), ("black", 0.333333)]


def test_default_stock_is_in_the_first_stage(program) -> None:
    """Without a stage line the stock starts in the playbook's first stage."""
    chosen = effective(program, 'playbook "p" { stages lead, buyer }\nscenario s { }')
    assert chosen.population.stages == {"lead": 1.0}


def test_fatigue_and_effects(program) -> None:
    """A fatigue block replaces the default rules; effects keep their expression."""
    chosen = effective(program, """scenario s {
      fatigue { above 2 per 3d: open x0.5 above 5 per 3d: open x0.2 unfriend x5 }
      effect vip and not tag "员工" { purchase x2.5 }
    }""")
    assert [(r.above, r.window_minutes) for r in chosen.fatigue] == [(2, 4320), (5, 4320)]
    assert [(r.multipliers.open, r.multipliers.unfriend) for r in chosen.fatigue] == [
        (0.5, 1), (0.2, 5)]
    (effect,) = chosen.effects
    assert effect.condition == 'vip and not tag "员工"'
    assert isinstance(effect.expression, ast.BoolOp)
    assert effect.multipliers.purchase == 2.5 and effect.multipliers.open == 1


def test_purchase_and_cost(program) -> None:
    """Purchase keys set their fields, `within` included; cost keys set the costs."""
    chosen = effective(program, """scenario s {
      purchase { after_click 8% within 2d  value fixed(99) }
      cost { per_send 0.5 }
      start 2027-01-04  horizon 30d  replications 3  seed 9
    }""")
    assert (chosen.purchase.after_click, chosen.purchase.within_minutes) == (0.08, 2880)
    assert chosen.purchase.daily == builtin_scenario().purchase.daily
    assert chosen.purchase.value.mean == 99
    assert (chosen.cost.per_send, chosen.cost.per_arrival) == (0.5, 20)
    assert (chosen.start, chosen.horizon_minutes, chosen.replications, chosen.seed) == \
        (dt.date(2027, 1, 4), 43200, 3, 9)


def test_event_blocks_merge_over_the_event_defaults(program) -> None:
    """An event block sets its keys; unwritten keys and other events keep their defaults."""
    chosen = effective(program, """event webinar
    scenario s {
      form_submitted { daily 0.5% }
      webinar { after_click 10% within 2d }
    }""")
    form = chosen.events["form_submitted"]
    assert (form.daily, form.after_click, form.within_minutes) == (0.005, 0.2, 1440)
    webinar = chosen.events["webinar"]
    assert (webinar.daily, webinar.after_click, webinar.within_minutes) == (0, 0.1, 2880)
    assert chosen.events["store_visit"] == builtin_scenario().events["store_visit"]
    assert "joined_group" not in chosen.events


def test_the_only_scenario_is_chosen(program) -> None:
    """With one scenario in the unit, it is the one simulated."""
    assert effective(program, "scenario promo { seed 7 }").name == "promo"


def test_baseline_is_chosen_among_several(program) -> None:
    """With several scenarios, the one named `baseline` is simulated."""
    assert effective(program, "scenario a { }\nscenario baseline { }").name == "baseline"


def test_builtin_default_when_several_without_baseline(program) -> None:
    """With several scenarios and no `baseline`, the built-in default is simulated."""
    assert effective(program, "scenario a { }\nscenario b { }").name == BUILTIN_NAME
    assert effective(program, "").name == BUILTIN_NAME
    assert effective(program, "scenario a { }\nscenario b { }", "b").name == "b"


def test_unknown_scenario_name_is_a_diagnostic(program) -> None:
    """Asking for an unknown scenario gives no scenario and an E201 with a did-you-mean."""
    unit = program("scenario baseline { }")
    chosen, (problem,) = effective_scenario(unit, "basline")
    assert chosen is None
    assert (problem.code, problem.hint) == ("E201", "did you mean `baseline`?")
    assert scenario_names(unit) == ["baseline", BUILTIN_NAME]


def test_a_scenario_with_errors_is_not_built(program) -> None:
    """Errors give no scenario, and `load` reports them too."""
    unit = program("scenario s { channel sms { open 120% } }")
    chosen, diagnostics = effective_scenario(unit)
    assert chosen is None and [d.code for d in diagnostics] == ["E311"]
    assert [d.code for d in unit.diagnostics] == ["E311"]


def test_every_scenario_block_is_checked(program) -> None:
    """Every scenario of the unit is validated, not only the one simulated."""
    unit = program("scenario a { seed 1.5 }\nscenario baseline { horizon 0d }")
    assert sorted(d.code for d in scenario_diagnostics(unit)) == ["E310", "E318"]


def test_syntax_errors_silence_unknown_names_and_build_nothing(program) -> None:
    """After a syntax error, names are not looked up and no scenario is built."""
    unit = program("scenario s { staff nobody 3  channel sms { open 140% } }\njourney {")
    codes = [d.code for d in scenario_diagnostics(unit)]
    assert codes == ["E311"]
    assert effective_scenario(unit, "s")[0] is None


def test_bundled_scenario_validates_clean() -> None:
    """playbooks/common/scenario.sop loads without a diagnostic and builds its baseline."""
    unit = load(Path(__file__).parent.parent / "playbooks/common/scenario.sop")
    assert unit.diagnostics == []
    chosen, diagnostics = effective_scenario(unit)
    assert diagnostics == [] and chosen.name == "baseline"
    assert chosen.staff["guide"].count == 64
    assert chosen.channels["welcome"].unfriend == CHANNEL_DEFAULTS["welcome"].unfriend


def test_json_round_trip_and_schema(program) -> None:
    """The effective scenario dumps to JSON and reads back equal (effect expressions aside)."""
    chosen = effective(program, """scenario s {
      population {
        attribute level: "gold" 100%  tag "VIP" 5%  history purchase: fixed(2) within 30d
      }
      effect vip { open x2 }
    }""")
    text = chosen.model_dump_json()
    again = Scenario.model_validate_json(text)
    assert again.model_dump() == chosen.model_dump()
    schema = Scenario.model_json_schema()
    assert set(schema["$defs"]["ScenarioEffect"]["properties"]) == {"condition", "multipliers"}
    assert set(schema["properties"]) == set(json.loads(text))


def test_checking_does_not_import_numpy() -> None:
    """`sopdsl check` validates scenarios without importing numpy, simpy or matplotlib."""
    code = ("import sys, sopdsl; sopdsl.check(['playbooks']);"
            "print(sorted(m for m in ('numpy', 'simpy', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).parent.parent, check=True)
    assert result.stdout.strip() == "[]"


def test_a_groups_block_describes_the_groups(program) -> None:
    """`groups { ... }` sets its keys; the owner role defaults to the population's."""
    chosen = effective(program, "scenario s { population 100 { owner guide } "
                                "groups { per_owner 3  capacity 200  members 35% } }")
    assert chosen.groups is not None
    assert (chosen.groups.owner, chosen.groups.per_owner, chosen.groups.total,
            chosen.groups.capacity, chosen.groups.members) == ("guide", 3, None, 200, 0.35)
    assert effective(program, "scenario s { }").groups is None


@pytest.mark.parametrize("block,code,message", [
    ("groups { per_owner 2  total 10 }", "E318", "`per_owner` or `total`, not both"),
    ("groups { capacity 0 }", "E318", "at least 1 member"),
    ("groups { owner nobody }", "E201", "nobody"),
    ("groups { members 120% }", "E311", "120%"),
    ("groups { size 3 }", "E317", "unknown setting `size` in `groups`"),
])
def test_a_bad_groups_block_is_a_diagnostic(program, block: str, code: str,
                                            message: str) -> None:
    _, diagnostics = effective_scenario(program(f"scenario s {{ {block} }}"), today=TODAY)
    assert [d.code for d in diagnostics] == [code]
    assert message in diagnostics[0].message


LATENT = """scenario fitted {
  purchase {
    bgnbd { r normal(0.243, 0.013)  alpha 4.414  a 0.793  b 2.426  per 7d }
    value gamma_gamma { p 6.25  q 3.74  gamma 15.44 }
    after_click 5% within 3d
  }
  channel private_chat {
    open beta(450, 550)
    click beta(2.1, 11.5) per customer
  }
}
"""


def test_latent_models_and_drawn_values_are_read_with_their_means(program) -> None:
    """`bgnbd` replaces the daily chance, `gamma_gamma` gives the mean value p*gamma/(q-1), and
    each distribution is kept by its path while the field holds its mean."""
    chosen = effective(program, LATENT)
    buying = chosen.purchase
    assert buying.daily == 0.0
    assert (buying.bgnbd.r, buying.bgnbd.alpha, buying.bgnbd.per_minutes) == \
        pytest.approx((0.243, 4.414, 7 * 24 * 60))
    assert buying.mean_value == pytest.approx(6.25 * 15.44 / 2.74)
    assert chosen.channels["private_chat"].open == pytest.approx(0.45)
    assert chosen.channels["private_chat"].click == pytest.approx(2.1 / 13.6)
    drawn = chosen.drawn
    assert set(drawn) == {"purchase.bgnbd.r", "channels.private_chat.open",
                          "channels.private_chat.click"}
    assert drawn["channels.private_chat.click"].per_customer
    assert not drawn["purchase.bgnbd.r"].per_customer
    # A parameter is drawn above 0 only: the normal is truncated there.
    assert drawn["purchase.bgnbd.r"].distribution.low == 0.0


@pytest.mark.parametrize(("text", "code", "message"), [
    ("purchase { bgnbd { r 0.2  alpha 4 } }", "E318", "`bgnbd` needs `a`, `b`"),
    ("purchase { bgnbd { r 0.2  alpha 4  a 1  b 2  r 0.3 } }", "E317", "`r` is set twice"),
    ("purchase { bgnbd { r 0.2  alpha 4  a 1  b 2  per 0d } }", "E310", "zero length"),
    ("purchase { bgnbd }", "E318", "needs its parameters in a block"),
    ("purchase { value gamma_gamma }", "E318", "needs its parameters in a block"),
    ("purchase { value lognormal(200, 0.7) { p 1 } }", "E318", "takes no `{ ... }` block"),
    ("channel sms { per 7d }", "E317", "`per` does not belong in `channel sms`"),
    ("staff guide 2 { completion beta(2, 3) }", "E318", "`completion` takes a percentage"),
    ("purchase { after_click poisson(2) }", "E313", "not `poisson`"),
    ("purchase { value gamma_gamma { p 1  q 2  gamma fixed(0) } }", "E314",
     "almost no values above 0"),
    ("channel sms { open fixed(1.5) }", "E311", "almost no values between 0% and 100%"),
])
def test_latent_settings_get_coded_diagnostics(program, text: str, code: str,
                                                message: str) -> None:
    """Every way a latent setting can be wrong is a diagnostic with a code."""
    _, diagnostics = effective_scenario(program(f"scenario s {{ {text} }}"), today=TODAY)
    assert any(d.code == code and message in d.message for d in diagnostics), diagnostics

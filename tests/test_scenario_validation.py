"""Tests for scenario validation: each rule with a failing input and a near miss that passes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from programs import program_from
from sopdsl.diagnostics import Diagnostic

DECLS = """role guide "导购"
attribute level: enum("silver", "gold")
attribute vip_since: date
segment vip = tag "VIP"
"""


@dataclass(frozen=True)
class Case:
    id: str
    failing: str  # the body of `scenario s { ... }`
    code: str
    spanned: str  # the source text the diagnostic points at
    message: str  # a part of its message
    near_miss: str  # a body that is close, and valid


CASES = [
    Case("unknown-key", "horizen 90d", "E317", "horizen", "unknown setting `horizen`",
         "horizon 90d"),
    Case("key-in-wrong-block", "channel sms { arrivals 3/day }", "E317", "arrivals",
         "`arrivals` does not belong in `channel sms`", "population { arrivals 3/day }"),
    Case("item-in-wrong-block", "owner guide", "E317", "owner",
         "`owner` does not belong in scenario `s`", "population { owner guide }"),
    Case("repeated-setting", "channel sms { open 10%  open 20% }", "E317", "open",
         "`open` is set twice in `channel sms`", "channel sms { open 10%  click 20% }"),
    Case("repeated-staff", "staff guide 2  staff guide 3", "E317", "guide",
         "`staff guide` is set twice", "staff guide 2"),
    Case("repeated-value", 'population { attribute level: "gold" 50%, "gold" 50% }', "E317",
         '"gold" 50%', '`"gold"` is set twice',
         'population { attribute level: "gold" 50%, "silver" 50% }'),
    Case("repeated-fatigue-rule", "fatigue { above 3 per 7d: open x0.5 above 3 per 7d: open x0.4 }",
         "E317", "above 3 per 7d: open x0.4", "`above 3 per 7d` is set twice",
         "fatigue { above 3 per 7d: open x0.5 above 4 per 7d: open x0.4 }"),
    Case("probability-over-100", "channel sms { open 140% }", "E311", "140%",
         "`open` is `140%`, above 100%", "channel sms { open 100% }"),
    Case("tag-share-over-100", 'population { tag "VIP" 101% }', "E311", "101%",
         'the share of tag "VIP"', 'population { tag "VIP" 0% }'),
    Case("attribute-shares", 'population { attribute gender: "f" 60%, "m" 30% }', "E312",
         '"f" 60%, "m" 30%', "the shares of `gender` add up to 90%, not 100%",
         'population { attribute gender: "f" 60%, "m" 40% }'),
    Case("stage-shares", "population { stage visitor 70%, prospect 20.5% }", "E312",
         "visitor 70%, prospect 20.5%", "the stage shares add up to 90.5%",
         "population { stage visitor 70%, prospect 30% }"),
    Case("sigma-zero", "purchase { value lognormal(300, 0) }", "E313", "lognormal(300, 0)",
         "its median and sigma must be above 0", "purchase { value lognormal(300, 0.01) }"),
    Case("sigma-too-wide", "purchase { value lognormal(1, 800) }", "E313", "lognormal(1, 800)",
         "its sigma must be at most 10", "purchase { value lognormal(1, 10) }"),
    Case("uniform-reversed", "population { attribute age: uniform(60, 18) }", "E313",
         "uniform(60, 18)", "its low end is above its high end",
         "population { attribute age: uniform(18, 60) }"),
    Case("wrong-arity", "purchase { value normal(3) }", "E313", "normal(3)",
         "takes 2 parameters (mean, standard deviation), not 1", "purchase { value normal(3, 1) }"),
    Case("duration-for-number", "purchase { value normal(2h, 1) }", "E313", "2h",
         "`2h` in `normal(2h, 1)` needs to be a plain number", "purchase { value normal(2, 1) }"),
    Case("number-for-duration", "channel sms { delay exponential(2) }", "E313", "2",
         "needs to be a duration", "channel sms { delay exponential(2h) }"),
    Case("percent-parameter", "purchase { value uniform(10%, 20%) }", "E313", "10%",
         "needs to be a plain number", "purchase { value uniform(10, 20) }"),
    Case("poisson-delay", "channel sms { delay poisson(3) }", "E313", "poisson(3)",
         "`poisson` counts events", "channel sms { delay lognormal(3h, 0.4) }"),
    Case("range-keeps-nothing", "population { attribute age: normal(32, 8) in 100..200 }", "E313",
         "100..200", "keeps almost none of `normal(32, 8)`",
         "population { attribute age: normal(32, 8) in 48..200 }"),
    Case("bare-distribution-for-number", "population { attribute age: uniform }", "E313",
         "uniform", "`uniform` needs its parameters",
         "population { attribute vip_since: uniform }"),
    Case("empty-range", "population { attribute age: normal(32, 8) in 70..18 }", "E208",
         "70..18", "the range `70..18` is empty",
         "population { attribute age: normal(32, 8) in 18..70 }"),
    Case("zero-replications", "replications 0", "E314", "0", "`replications` must be at least 1",
         "replications 1"),
    Case("percent-for-rate", "population { arrivals 30% }", "E318", "30%",
         "`arrivals` takes a rate such as `300/day`, not `30%`", "population { arrivals 30/day }"),
    Case("number-for-probability", "channel sms { open 0.7 }", "E318", "0.7",
         "`open` takes a percentage", "channel sms { open 70% }"),
    Case("number-for-multiplier", "purpose choice { click 1.3 }", "E318", "1.3",
         "`click` takes a multiplier such as `x1.5`", "purpose choice { click x1.3 }"),
    Case("fraction-for-whole", "seed 4.5", "E318", "4.5", "`seed` takes a whole number",
         "seed 4"),
    Case("fractional-staff", "staff guide 2.5", "E318", "2.5",
         "the member count of `guide` takes a whole number", "staff guide 2"),
    Case("missing-value", "seed", "E318", "seed", "`seed` needs a whole number", "seed 0"),
    Case("two-values", "seed 4 5", "E318", "5", "`seed` takes one value", "seed 45"),
    Case("block-needed", "cost", "E318", "cost", "`cost` needs a block", "cost { }"),
    Case("value-before-block", "cost 5 { }", "E318", "5", "`cost` takes no value",
         "cost { per_send 5 }"),
    Case("block-not-taken", "seed 4 { }", "E318", "seed", "`seed` takes no `{ ... }` block",
         "seed 4"),
    Case("after-click-extra", "purchase { after_click 8% within 3d 5d }", "E318", "5d",
         "`after_click` takes a percentage and an optional window",
         "purchase { after_click 8% within 5d }"),
    Case("after-click-kind", "purchase { after_click 3d }", "E318", "3d",
         "`after_click` takes a percentage", "purchase { after_click 3% }"),
    Case("zero-horizon", "horizon 0d", "E310", "0d", "`horizon` is a window of zero length",
         "horizon 1d"),
    Case("zero-hours", "staff guide 3 { hours 09:00-09:00 }", "E310", "09:00-09:00",
         "`hours` is a window of zero length", "staff guide 3 { hours 21:00-09:00 }"),
    Case("zero-history-window", "population { history purchase: poisson(1) within 0d }", "E310",
         "0d", "the `within` of `history`",
         "population { history purchase: poisson(1) within 1d }"),
    Case("oversized-number", "seed " + "9" * 400, "E119", "9" * 400,
         "is too large a number", "seed " + "9" * 15),
    Case("oversized-duration", "horizon 99999999999d", "E119", "99999999999d",
         "`99999999999d` is longer than 100 years", "horizon 3660d"),
    Case("too-many-replications", "replications 1000000000", "E320", "1000000000",
         "1,000,000,000 replications are more than the 10,000", "replications 10000"),
    Case("too-long-horizon", "horizon 36500d", "E320", "36500d",
         "a horizon of 36,500 days is longer than the 3,660", "horizon 3660d"),
    Case("too-many-simulated-days", "replications 10000  horizon 101d", "E320", "10000",
         "1,010,000 simulated days", "replications 10000  horizon 100d"),
    Case("too-large-seed", "seed 9007199254740993", "E320", "9007199254740993",
         "the seed is larger than 9,007,199,254,740,991", "seed 9007199254740991"),
    Case("too-large-population", "population 5000001", "E320", "5000001",
         "a population of 5,000,001 customers", "population 5000000 { arrivals 0/day }"),
    Case("too-many-arrivals", "horizon 10d  population 10 { arrivals 500000/day }", "E320",
         "500000/day", "5,000,010 customers", "horizon 10d  population 0 { arrivals 500000/day }"),
    Case("too-many-staff", "staff guide 100001", "E320", "100001",
         "100,001 members of `guide`", "staff guide 100000"),
    Case("start-before-1970", "start 1969-12-31", "E321", "1969-12-31",
         "`start` 1969-12-31 is outside the dates sopdsl works with", "start 1970-01-01"),
    Case("start-after-9800", "start 9999-12-31", "E321", "9999-12-31",
         "`start` 9999-12-31 is outside", "start 9800-12-31  horizon 3660d"),
    Case("unknown-event-block", "form_submited { daily 1% }", "E317", "form_submited",
         "unknown setting `form_submited`", "form_submitted { daily 1% }"),
    Case("own-behaviour-event", "click { daily 1% }", "E317", "click",
         "`click` does not belong in scenario `s`", "channel sms { click 1% }"),
    Case("event-key", "store_visit { dayly 1% }", "E317", "dayly",
         "unknown setting `dayly` in `store_visit`", "store_visit { daily 1% }"),
    Case("event-probability", "joined_group { after_click 120% within 1d }", "E311", "120%",
         "`after_click` is `120%`", "joined_group { after_click 12% within 1d }"),
    Case("event-needs-block", "live_attended 3% { }", "E318", "3%",
         "`live_attended` takes no value", "live_attended { daily 3% }"),
    Case("unknown-role", "staff guid 3", "E201", "guid", "unknown role `guid`", "staff guide 3"),
    Case("unknown-owner", "population { owner sales }", "E201", "sales", "unknown role `sales`",
         "population { owner guide }"),
    Case("unknown-segment", "effect vipp { open x2 }", "E201", "vipp", "unknown segment `vipp`",
         'effect vip or tag "x" { open x2 }'),
    Case("unknown-channel", "channel privat_chat { open 5% }", "E222", "privat_chat",
         "unknown channel `privat_chat`", "channel private_chat { open 5% }"),
    Case("unknown-purpose", "purpose choise { click x2 }", "E214", "choise",
         "unknown purpose `choise`", "purpose choice { click x2 }"),
    Case("unknown-attribute", "population { attribute agee: fixed(3) }", "E203", "agee",
         "unknown attribute `agee`", "population { attribute age: fixed(3) }"),
    Case("unknown-stage", "population { stage visiter 100% }", "E204", "visiter",
         "unknown stage `visiter`", "population { stage visitor 100% }"),
    Case("unknown-event", "population { history purchse: poisson(1) within 30d }", "E205",
         "purchse", "unknown event `purchse`",
         "population { history purchase: poisson(1) within 30d }"),
    Case("enum-value", 'population { attribute level: "golden" 100% }', "E215", '"golden"',
         '"golden" is not a value of `level`', 'population { attribute level: "gold" 100% }'),
    Case("share-type", 'population { attribute age: "old" 100% }', "E207", '"old"',
         '`"old"` is not a value of number attribute `age`',
         "population { attribute age: 30 60%, 40 40% }"),
    Case("bare-name-share", "population { attribute city: 上海 100% }", "E207", "上海",
         "is not a value of string attribute `city`",
         'population { attribute city: "上海" 100% }'),
    Case("distribution-for-string", "population { attribute city: fixed(3) }", "E207",
         "fixed(3)", "`city` is a string attribute, not a number",
         "population { attribute age: fixed(3) }"),
    Case("distribution-for-date", "population { attribute birthday: uniform(1, 3) }", "E207",
         "uniform(1, 3)", "`birthday` is a date attribute",
         "population { attribute birthday: uniform }"),
]


def check(body: str) -> tuple[list[Diagnostic], list[str]]:
    text = f"{DECLS}scenario s {{\n  {body}\n}}\n"
    return program_from(text).diagnostics, text.splitlines()


def spanned(diagnostic: Diagnostic, lines: list[str]) -> str:
    span = diagnostic.span
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1:span.end_column - 1]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_failing_input_is_reported_at_the_offending_value(case: Case) -> None:
    """The rule reports its code once, on the offending text, with a message that says why."""
    diagnostics, lines = check(case.failing)
    assert [d.code for d in diagnostics] == [case.code], diagnostics
    (found,) = diagnostics
    assert spanned(found, lines) == case.spanned
    assert case.message in found.message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_near_miss_is_clean(case: Case) -> None:
    """The near miss of each rule loads without a diagnostic."""
    diagnostics, _ = check(case.near_miss)
    assert diagnostics == []


@pytest.mark.parametrize(("body", "hint"), [
    ("horizen 90d", "did you mean `horizon`?"),
    ("staff guid 3", "did you mean `guide`?"),
    ("channel privat_chat { }", "did you mean `private_chat`?"),
    ("channel sms { arrivals 3/day }", "it belongs in `population`"),
    ("channel sms { purchase x2 }",
     "it belongs at the top of the scenario or in `purpose`, `effect` and fatigue `above` blocks"),
    ("channel sms { opne 5% }", "did you mean `open`?"),
    ("form_submited { daily 1% }", "did you mean `form_submitted`?"),
    ('population { attribute level: "golde" 100% }', "did you mean `gold`?"),
    ("population { attribute city: 上海 100% }", 'write text in quotes: `"上海"`'),
    ("purchase { value beta(0, 1) }", "for example `beta(45, 55)`"),
    ("purchase { value lognormal(1, 800) }", "for example `lognormal(300, 0.6)`"),
    ("channel sms { delay lognormal(0h, 0.5) }", "for example `lognormal(2h, 0.5)`"),
])
def test_hints_point_at_the_fix(body: str, hint: str) -> None:
    """Misspelt names get a did-you-mean; misplaced keys say where they belong."""
    (found,), _ = check(body)
    assert found.hint == hint


def test_every_problem_is_reported_not_only_the_first() -> None:
    """Several problems in one scenario are all reported, each once."""
    diagnostics, _ = check("""
      replications 0
      channel sms { open 140%  click 2 }
      population { stage visitor 50% }
    """)
    assert sorted(d.code for d in diagnostics) == ["E311", "E312", "E314", "E318"]


def test_an_unknown_channel_block_is_still_checked() -> None:
    """Settings inside a block with an unknown name are still checked."""
    diagnostics, _ = check("channel wechat { open 150% }")
    assert sorted(d.code for d in diagnostics) == ["E222", "E311"]


def test_repeated_multi_line_tag_is_reported_on_one_line() -> None:
    """A repeated tag written as a multi-line string is named on one line, shortened."""
    text = 'scenario s { population 10 { tag """a\nb""" 5%  tag """a\nb""" 5% } }\n'
    found = [d for d in program_from(text).diagnostics if d.code == "E317"]
    assert len(found) == 1 and "\n" not in found[0].message

"""Expression types: comparisons, lists, ranges, arithmetic, aggregates and assignments."""

from __future__ import annotations

from programs import PRELUDE, check_unit, codes, journey_codes


def segment_codes(expr: str) -> list[str]:
    return codes(f"{PRELUDE}\nsegment s = {expr}\n")


def test_string_attribute_compared_with_a_number():
    """`city == 3` is E207 with a hint showing a string value."""
    found = check_unit("segment s = city == 3\n")
    assert [d.code for d in found] == ["E207"]
    assert found[0].message == "cannot compare a string with a number"
    assert found[0].hint == 'compare it with a string, such as `"上海"`'
    assert segment_codes('city == "上海"') == []


def test_literal_on_the_left_is_checked_against_the_attribute():
    """`3 == city` reads the attribute as the subject, like `city == 3`."""
    found = check_unit("segment s = 3 == city\n")
    assert found[0].message == "cannot compare a string with a number"


def test_ordering_needs_ordered_values():
    """`<` applies to numbers, dates and stages, not to strings, bools or enums."""
    assert segment_codes('city < "b"') == ["E207"]
    assert segment_codes("opted_in > false") == ["E207"]
    assert segment_codes('level >= "gold"') == ["E207"]
    assert segment_codes("age >= 18 and birthday < 2000-01-01 and stage > visitor") == []


def test_stage_compares_with_stage_names_only():
    """The other side of `stage` is a stage name; a string or number is E207."""
    found = check_unit('segment s = stage == "won"\n')
    assert [d.code for d in found] == ["E207"]
    assert found[0].hint == "stage names are written without quotes: `won`"
    assert segment_codes("stage == 3") == ["E207"]
    assert segment_codes("won == stage") == []


def test_name_beside_stage_is_a_stage_even_if_an_attribute():
    """`stage == level` reads `level` as a stage: E206 says it is an attribute."""
    found = check_unit(PRELUDE + "segment s = stage == level\n")
    assert [(d.code, d.message) for d in found] == [("E206", "`level` is an attribute, not a stage")]


def test_enum_literals_must_be_among_the_values():
    """Comparing an enum with a string outside its values is E215, with a suggestion."""
    found = check_unit(PRELUDE + 'segment s = level == "glod"\n')
    assert [(d.code, d.hint) for d in found] == [("E215", "did you mean `gold`?")]
    assert segment_codes('level != "gold"') == []


def test_enum_compared_with_another_type():
    """An enum takes its values as strings; a number is E207."""
    assert segment_codes("level == 1") == ["E207"]
    assert segment_codes("level == level") == []


def test_in_list_items_have_the_value_type():
    """`in [...]` items are of the value's type; enum items must be among the values."""
    assert segment_codes('age in [18, "20"]') == ["E207"]
    assert segment_codes('level in ["gold", "platinum"]') == ["E215"]
    assert segment_codes('city in ["a", "b"] and level in ["gold", "black"]') == []


def test_stage_in_list_takes_stage_names():
    """`stage in [a, b]` resolves each item as a stage."""
    assert segment_codes("stage in [intent, wonn]") == ["E204"]
    assert segment_codes("stage in [intent, won]") == []


def test_range_needs_numbers_in_order():
    """`in N..M` applies to numbers, and min above max is E208."""
    found = check_unit("segment s = age in 30..18\n")
    assert [d.code for d in found] == ["E208"]
    assert found[0].hint == "write the smaller number first: 18..30"
    assert segment_codes("city in 1..3") == ["E207"]
    assert segment_codes("age in 18..18") == []


def test_arithmetic_is_on_numbers_only():
    """`+ - * /` need numbers on both sides."""
    assert segment_codes("city + 1 > 3") == ["E207"]
    assert segment_codes("count(click, 7d) * 2 + score / 3 - rfm.m > 3") == []


def test_sum_is_over_purchase_amount_only():
    """`sum(purchase.amount)` is the only sum; anything else is E220."""
    assert segment_codes("sum(purchase.total) > 3") == ["E220"]
    assert segment_codes("sum(click.amount, 30d) > 3") == ["E220"]
    assert segment_codes("sum(purchase.amount, 30d) > 3") == []


def test_rfm_dimensions():
    """Only `rfm.r`, `rfm.f` and `rfm.m` exist."""
    assert segment_codes("rfm.x >= 4") == ["E220"]
    assert segment_codes("rfm.r >= 4") == []


def test_aggregates_take_valid_events():
    """`count`, `days_since` and `ever` name known events."""
    assert segment_codes("count(clicks) > 1 or days_since(purchse) < 3") == ["E205", "E205"]
    assert segment_codes("count(webinar_registered, 7d) > 1 and days_since(click) < 3") == []


def test_zero_length_count_window():
    """`count(e, 0d)` counts over no time (E310)."""
    assert segment_codes("count(click, 0d) > 1") == ["E310"]


def test_number_compared_with_a_duration():
    """`days_since` is a number of days; a duration literal is E207."""
    assert segment_codes("days_since(click) > 3d") == ["E207"]


def test_set_takes_a_literal_of_the_attribute_type():
    """`set` checks the literal against the attribute's type and an enum's values."""
    assert journey_codes('set age = "x"') == ["E207"]
    assert journey_codes('set level = "platinum"') == ["E215"]
    assert journey_codes("set nothing = 3") == ["E203"]
    steps = 'set age = -3\nset level = "gold"\nset opted_in = true\nset birthday = 2000-01-01'
    assert journey_codes(steps) == []


def test_yearly_trigger_needs_a_date_attribute():
    """`when age at 10:00` is E219; `when purchase at 10:00` is an event, also E219."""
    found = check_unit("journey j { when age - 3d at 10:00 }\n")
    assert [d.code for d in found] == ["E219"]
    assert found[0].message == "`age` is not a date attribute (it holds a number)"
    assert journey_codes("", clauses="when purchase at 10:00") == ["E219"]
    assert journey_codes("", clauses="when birthday - 3d at 10:00") == []


def test_date_attribute_alone_is_a_yearly_trigger():
    """`when birthday` (offset and time are optional) is a yearly trigger, not an unknown event;
    a non-date attribute in the same place is still the wrong kind of name."""
    assert check_unit("journey j { when birthday }\n") == []
    found = check_unit("journey j { when age }\n")
    assert [d.code for d in found] == ["E206"]


def test_segment_cycle_through_others():
    """A cycle is reported once, at a reference inside it, naming the path."""
    text = "segment a = b\nsegment b = c and tag \"x\"\nsegment c = a or tag \"y\"\n"
    found = check_unit(text)
    assert [(d.code, d.span.line) for d in found] == [("E209", 1)]
    assert found[0].message == "segment `a` refers to itself: a -> b -> c -> a"


def test_segment_referring_to_itself():
    """`segment a = a` is a cycle of one."""
    found = check_unit('segment a = a or tag "x"\n')
    assert [d.message for d in found] == ["segment `a` refers to itself: a -> a"]


def test_segments_that_share_a_segment_are_not_a_cycle():
    """Two segments using a third (a diamond) are fine."""
    text = 'segment base = tag "x"\nsegment a = base\nsegment b = base and a\n'
    assert codes(text) == []


LUNAR = "attribute lunar_birthday: lunar_date\n"


def test_day_tests_take_holiday_workday_festivals_and_yearly_dates():
    """`today is holiday`, a festival by either name, a date attribute, solar or lunar."""
    assert codes(f"{PRELUDE}{LUNAR}segment s = today is holiday or today is workday or "
                 "today + 3d is mid_autumn or today is 端午 or today is birthday or "
                 "today is lunar_birthday\n") == []


def test_an_unknown_day_lists_what_is_known():
    found = check_unit("segment s = today is midautumn\n")
    assert [d.code for d in found] == ["E226"]
    assert found[0].hint == "did you mean `mid_autumn`?"
    found = check_unit("segment s = today is payday\n")
    assert found[0].message == "`payday` is not a kind of day"
    assert "`holiday`, `workday`, a festival (spring_festival (春节)" in found[0].hint


def test_day_tests_need_a_date_and_a_yearly_attribute():
    assert segment_codes("age is holiday") == ["E207"]
    assert segment_codes("today is age") == ["E219"]


def test_a_lunar_date_has_no_order_and_no_arithmetic():
    """It falls on another solar day each year: the hint says how to use it instead."""
    found = check_unit(f"{LUNAR}segment s = today - lunar_birthday > 3\n")
    assert [d.code for d in found] == ["E207"]
    assert "`when lunar_birthday - 3d at 10:00`" in found[0].hint
    found = check_unit(f"{LUNAR}segment s = lunar_birthday < today\n")
    assert [d.code for d in found] == ["E207"]
    assert "`today is lunar_birthday`" in found[0].hint
    assert codes(f"{LUNAR}segment s = lunar_birthday == 2026-01-01\n") == ["E207"]


def test_yearly_triggers_on_lunar_dates_and_festivals():
    assert codes(f"{PRELUDE}{LUNAR}journey j {{\n  when lunar_birthday - 3d at 10:00 or "
                 "mid_autumn - 1d at 10:00 or 除夕\n  tag \"x\"\n}\n") == []
    found = check_unit('journey j {\n  when mid_autum - 1d at 10:00\n  tag "x"\n}\n')
    assert [(d.code, d.hint) for d in found] == [("E203", "did you mean `mid_autumn`?")]

"""Name resolution: one namespace per unit, every reference resolved, hints that help."""

from __future__ import annotations

from programs import PRELUDE, check_unit, codes, journey_codes


def test_second_declaration_of_a_name_is_reported_at_the_second():
    """A name declared twice gets E202 on the second, with a hint at the first's file and line."""
    found = check_unit('role guide "a"\ncontent guide: text "x"\n')
    assert [(d.code, d.span.line) for d in found] == [("E202", 2)]
    assert found[0].hint.startswith("first declared as a role at ")
    assert found[0].hint.split(" at ")[1].startswith(f"{found[0].span.file}:1")


def test_different_names_of_different_kinds_are_fine():
    """Distinct names across kinds do not clash."""
    assert codes('role guide "a"\ncontent guides: text "x"\nevent guided\n') == []


def test_duplicate_across_an_import_points_at_the_other_file():
    """The first declaration may sit in an imported file; the hint names that file."""
    found = check_unit('import "shared.sop"\nimport "other.sop"\n',
                       shared="segment vip = tag \"VIP\"\n", other="journey vip { when friend_added }\n")
    assert [d.code for d in found] == ["E202"]
    assert "shared.sop:1" in found[0].hint and found[0].span.file.endswith("other.sop")


def test_redeclaring_a_built_in_is_an_error():
    """Built-in attributes and events are taken names."""
    found = check_unit("attribute birthday: date\nevent purchase\nevent bought\n")
    assert [(d.code, d.span.line) for d in found] == [("E202", 1), ("E202", 2)]
    assert "built-in attribute" in found[0].message and "built-in event" in found[1].message


def test_two_playbook_blocks():
    """A unit has one playbook block; the second gets E217."""
    assert codes('playbook "a" { }\nplaybook "b" { }\n') == ["E217"]
    assert codes('playbook "a" { }\n') == []


def test_unknown_time_zone_suggests_the_right_one():
    """A time zone zoneinfo does not know is E218 with a did-you-mean."""
    found = check_unit('playbook "a" { timezone "Asia/Shangai" }\n')
    assert [d.code for d in found] == ["E218"]
    assert "Asia/Shanghai" in found[0].hint
    assert codes('playbook "a" { timezone "Europe/Berlin" }\n') == []


def test_stage_listed_twice():
    """A stage appears once in the lifecycle order."""
    assert codes('playbook "a" { stages new, old, new }\n') == ["E202"]
    assert codes('playbook "a" { stages new, old }\n') == []


def test_playbook_setting_given_twice():
    """Each playbook setting is given once."""
    text = 'playbook "a" { timezone "Asia/Shanghai" timezone "Asia/Tokyo" }\n'
    assert codes(text) == ["E305"]


def test_undefined_content_gets_a_did_you_mean():
    """`send welcom` is E201 and suggests the declared `welcome`."""
    text = 'content welcome: text "hi"\njourney j { when friend_added send welcom via private_chat }\n'
    found = check_unit(text)
    assert [d.code for d in found] == ["E201"]
    assert found[0].message == "unknown content `welcom`"
    assert found[0].hint == "did you mean `welcome`?"
    assert (found[0].span.line, found[0].span.column) == (2, 36)


def test_did_you_mean_works_on_cjk_names():
    """A misspelt Chinese segment name is matched against the declared ones."""
    text = 'segment 沉睡会员 = tag "x"\njourney j { when enter 沉睡会 }\n'
    found = check_unit(text)
    assert [d.code for d in found] == ["E201"]
    assert found[0].hint == "did you mean `沉睡会员`?"


def test_name_of_the_wrong_kind():
    """A segment where content is expected is E206, saying what the name is."""
    found = check_unit(PRELUDE + "journey j { when friend_added send vip via group }\n")
    assert [d.code for d in found] == ["E206"]
    assert found[0].message == "`vip` is a segment, not content"


def test_roles_resolve_in_every_position():
    """`by`, `task`, `notify` and `handoff` name roles; misspelt ones are E201."""
    steps = ('send hello via group by gide\ntask gide "x"\nnotify gide "x"\nhandoff gide\n'
             'send hello via group by guide\ntask guide "x"\nnotify sales "x"\nhandoff sales')
    assert journey_codes(steps) == ["E201"] * 4


def test_enter_resolves_journeys():
    """`enter` names a journey: unknown is E201, a segment is E206."""
    assert journey_codes("enter nowhere") == ["E201"]
    assert journey_codes("enter vip") == ["E206"]
    text = PRELUDE + "journey a { when friend_added enter b }\njourney b { when purchase }\n"
    assert codes(text) == []


def test_segments_resolve_in_conditions_and_triggers():
    """Bare names in conditions and `when enter` name segments."""
    assert journey_codes("if vipp { exit }") == ["E201"]
    assert journey_codes("", clauses="when enter vipp") == ["E201"]
    assert journey_codes("if vip { exit }", clauses="when enter vip") == []


def test_bool_attribute_used_as_a_condition():
    """A bool attribute alone is not a segment; the hint shows the comparison."""
    found = check_unit(PRELUDE + "segment s = opted_in\n")
    assert [d.code for d in found] == ["E206"]
    assert found[0].hint == "compare the attribute with a value: `opted_in == true`"


def test_unknown_attribute_and_event():
    """Attributes are E203 and events E205, each with a did-you-mean."""
    found = check_unit(PRELUDE + "segment s = levl == \"gold\" and count(purchse) > 1\n")
    assert [(d.code, d.hint) for d in found] == [
        ("E203", "did you mean `level`?"), ("E205", "did you mean `purchase`?")]


def test_content_argument_on_an_event_that_takes_none():
    """`purchase(hello)` is E216; `click(hello)` is fine; `click(nothing)` is E201."""
    assert codes(PRELUDE + "segment s = ever(purchase(hello))\n") == ["E216"]
    assert codes(PRELUDE + "segment s = ever(click(hello))\n") == []
    assert codes(PRELUDE + "segment s = ever(click(nothing))\n") == ["E201"]
    assert codes(PRELUDE + "segment s = ever(webinar_registered(hello))\n") == ["E216"]


def test_stages_resolve_in_steps_triggers_and_comparisons():
    """`stage X`, `stage becomes X` and `stage >= X` name stages of the playbook's list."""
    assert journey_codes("stage intnt") == ["E204"]
    assert journey_codes("", clauses="when stage becomes intnt") == ["E204"]
    assert journey_codes("if stage >= intnt { exit }") == ["E204"]
    assert journey_codes("stage intent\nif stage >= won { exit }",
                         clauses="when stage becomes intent") == []


def test_declared_stage_list_replaces_the_default():
    """With `stages a, b`, the default `intent` is not a stage."""
    text = 'playbook "p" { stages a, b }\njourney j { when friend_added stage intent stage b }\n'
    found = check_unit(text)
    assert [d.code for d in found] == ["E204"]
    assert found[0].hint == "the stages are a, b"


def test_stage_name_used_as_an_attribute():
    """`intent == 1` names a stage where an attribute belongs: E206 with the `stage` form."""
    found = check_unit("segment s = intent == 1\n")
    assert [d.code for d in found] == ["E206"]
    assert "stage == intent" in found[0].hint


def test_unknown_channel():
    """Channels are a fixed set; a typo is E222 with a did-you-mean."""
    found = check_unit(PRELUDE + "journey j { when friend_added send hello via privte_chat }")
    assert [(d.code, d.hint) for d in found] == [("E222", "did you mean `private_chat`?")]


def test_syntax_error_in_an_import_silences_undefined_names():
    """A broken file may hold the missing declaration: no E201, but other checks still run."""
    text = ('import "broken.sop"\n'
            "journey j { when friend_added send hello via private_chat\n"
            "  split s { 50% a { } 40% b { } } }\n")
    found = codes(text, broken='content x: text "a"\njourney { }\n')
    assert found[0].startswith("E1") and "E303" in found
    assert "E201" not in found


def test_missing_import_silences_undefined_names():
    """Names from an import that does not exist are not reported one by one."""
    text = 'import "gone.sop"\njourney j { when friend_added send hello via private_chat }\n'
    assert codes(text) == ["E211"]


def test_without_errors_elsewhere_undefined_names_are_reported():
    """A clean import does not silence anything."""
    text = 'import "ok.sop"\njourney j { when friend_added send hallo via private_chat }\n'
    assert codes(text, ok='content hello: text "hi"\n') == ["E201"]


def test_content_kind_fields_and_purpose():
    """Unknown kind (E221), field (E213) and purpose (E214), each with a did-you-mean."""
    found = check_unit('content c: artcle "t" { purpose awarness  colour "red" }\n')
    assert [(d.code, d.hint) for d in found] == [
        ("E221", "did you mean `article`?"),
        ("E214", "did you mean `awareness`?"),
        ("E213", "the fields are purpose, url, text, value, valid"),
    ]
    ok = 'content c: article "t" { purpose awareness  url "https://x"  text "a"  value 3  valid 7d }\n'
    assert codes(ok) == []


def test_quoted_purpose_is_explained():
    """`purpose "choice"` is E214 with a hint to drop the quotes."""
    found = check_unit('content c: coupon "t" { purpose "choice" }\n')
    assert [d.code for d in found] == ["E214"]
    assert found[0].hint == "write the purpose without quotes: `purpose choice`"


def test_content_field_values_have_types():
    """`value` takes a number and `valid` a duration."""
    assert codes('content c: coupon "t" { value "20"  valid 7 }\n') == ["E207", "E207"]


def test_content_field_given_twice():
    """A field given twice is E224 at the second."""
    found = check_unit('content c: link "t" { url "a"\n url "b" }\n')
    assert [(d.code, d.span.line) for d in found] == [("E224", 2)]


def test_attribute_types():
    """Unknown types (E223) and repeated enum values (E215)."""
    text = 'attribute a: nubmer\nattribute c: enum("x", "x")\n'
    found = check_unit(text)
    assert [(d.code, d.span.line) for d in found] == [("E223", 1), ("E215", 2)]
    assert found[0].hint == "did you mean `number`?"
    assert codes('attribute a: number\nattribute c: enum("x", "y")\n') == []


def test_placeholders_in_content_text():
    """Unknown placeholders are E210 at the placeholder itself, with a suggestion."""
    text = 'content c: text "您好{customer.nmae}，我是{owner.name}"\n'
    found = check_unit(text)
    assert [d.code for d in found] == ["E210"]
    assert (found[0].span.column, found[0].span.end_column) == (20, 35)
    assert found[0].hint == "did you mean `{customer.name}`?"


def test_placeholders_for_declared_attributes_are_fine():
    """`{customer.<declared attribute>}` and `{owner.name}` are the placeholders."""
    text = PRELUDE + 'content c: text "{customer.level} {customer.name} {owner.name}"\n'
    assert codes(text) == []


def test_placeholder_position_in_multi_line_text():
    """In a \"\"\" string the span follows the line the placeholder is on."""
    text = 'content c: text """第一行\n  第二行 {owner} 结束"""\n'
    found = check_unit(text)
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("E210", 2, 7)]
    assert found[0].hint == "did you mean `{owner.name}`?"


def test_unicode_escape_is_not_a_placeholder():
    """`\\u{4F60}` is a character escape, not a placeholder."""
    assert codes('content c: text "\\u{4F60}好"\n') == []


def test_placeholders_in_staff_text():
    """Task and notify texts are checked too; text fields of content as well."""
    steps = 'task guide "call {customer.nam}"\nnotify sales "{foo}"'
    assert journey_codes(steps) == ["E210", "E210"]
    assert codes('content c: poster "t" { text "{bar}" }\n') == ["E210"]


def test_time_zone_names_that_are_not_zones_never_crash():
    """A folder of the zone database, a path and an overlong name are all just E218."""
    for name in ("Asia", "../etc", "x" * 300):
        assert codes(f'playbook "a" {{ timezone "{name}" }}\n') == ["E218"]


def test_beijing_time_suggests_shanghai():
    """China Standard Time written as `Asia/Beijing` points at the IANA name."""
    found = check_unit('playbook "a" { timezone "Asia/Beijing" }\n')
    assert found[0].hint == "did you mean `Asia/Shanghai`?"


def test_content_resolves_in_every_position():
    """`send C`, `task ... with C` and event arguments name content."""
    steps = ('send hallo via group\ntask guide "x" with hallo\nwait for click(hallo) within 1d\n'
             'send hello via group\ntask guide "x" with hello\nwait for click(hello) within 1d')
    assert journey_codes(steps) == ["E201"] * 3

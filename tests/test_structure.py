"""Journey structure: triggers, welcome messages, splits, labels, clauses, repeats, zero windows."""

from __future__ import annotations

from hypothesis import given, settings
from strategies import programs

from programs import PRELUDE, check_unit, codes, journey_codes
from sopdsl.codes import CODES


def test_journey_without_a_trigger():
    """A journey needs a `when` (E301, at its name)."""
    found = check_unit("journey j {\n  tag \"x\"\n}\n")
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("E301", 1, 9)]
    assert journey_codes('tag "x"', clauses="when purchase") == []


def test_welcome_first_after_friend_added():
    """`welcome` as the first step of a `friend_added` journey is the intended use."""
    assert journey_codes("w: send hello via welcome\nsend hello via private_chat") == []


def test_welcome_not_first():
    """A `welcome` send anywhere but first is E302."""
    assert journey_codes('tag "x"\nsend hello via welcome') == ["E302"]
    assert journey_codes("if vip { send hello via welcome }") == ["E302"]
    assert journey_codes("send hello via welcome\nsend hello via welcome") == ["E302"]


def test_welcome_in_a_journey_not_started_by_friend_added():
    """Without `friend_added`, or with other triggers too, `welcome` is E315."""
    found = check_unit(PRELUDE + "journey j { when purchase send hello via welcome }\n")
    assert [d.code for d in found] == ["E315"]
    assert found[0].message.startswith("journey `j` starts on `purchase`")
    mixed = journey_codes("send hello via welcome", clauses="when friend_added or purchase")
    assert mixed == ["E315"]


def test_welcome_takes_no_time_and_no_role():
    """`at` and `by` mean nothing on `welcome` (E316)."""
    assert journey_codes("send hello via welcome at 10:00") == ["E316"]
    assert journey_codes("send hello via welcome by guide") == ["E316"]


def test_by_on_an_automatic_channel():
    """`by ROLE` applies to staff-confirmed channels only."""
    assert journey_codes("send hello via sms by guide") == ["E316"]
    assert journey_codes("send hello via moments by guide") == []


def test_journey_entering_itself():
    """`enter j` inside `j` is E316; entering another journey is fine."""
    assert journey_codes("enter j") == ["E316"]
    text = PRELUDE + "journey j { when friend_added enter k }\njourney k { when purchase enter j }\n"
    assert codes(text) == []


def test_split_shares_sum_to_100():
    """Shares that do not total 100% are E303, showing the sum."""
    found = check_unit("journey j { when friend_added\n split t { 33.3% a { } 33.3% b { } } }")
    assert [d.code for d in found] == ["E303"]
    assert found[0].message == "the arms of split `t` add up to 66.6%, not 100%"
    assert journey_codes("split t { 33.3% a { } 33.3% b { } 33.4% c { } }") == []


def test_split_arm_names_are_distinct():
    """Two arms of one name are E307."""
    assert journey_codes("split t { 50% a { } 50% a { } }") == ["E307"]


def test_step_labels_are_distinct():
    """A label used twice in a journey is E304, even in nested blocks."""
    found = check_unit(PRELUDE + 'journey j { when friend_added\n d1: wait 1d\n'
                                            ' if vip { d1: tag "x" } }\n')
    assert [(d.code, d.span.line) for d in found] == [("E304", PRELUDE.count("\n") + 3)]
    other = 'journey k { when friend_added d1: wait 1d }\n'
    assert codes(PRELUDE + 'journey j { when friend_added d1: wait 1d }\n' + other) == []


def test_clauses_given_once():
    """A second audience, reentry, priority or cap is E305; several when/goal/exit are fine."""
    for clause in ("audience vip", "reentry always", "priority 3", "cap 2 per 7d"):
        assert journey_codes("", clauses=f"when friend_added {clause} {clause}") == ["E305"]
    clauses = ("when friend_added when purchase goal a: purchase within 7d goal b: click within 7d "
               "exit on friend_deleted exit on left_group exit when vip exit when tag \"x\"")
    assert journey_codes("", clauses=clauses) == []


def test_goal_names_are_distinct():
    """Two goals of one name are E305."""
    clauses = "when friend_added goal a: purchase within 7d goal a: click within 7d"
    assert journey_codes("", clauses=clauses) == ["E305"]


def test_repeats_that_run_nothing():
    """Zero rounds, zero interval and `max 0` are E308."""
    assert journey_codes("repeat 0 every 7d { }") == ["E308"]
    assert journey_codes("repeat 3 every 0d { }") == ["E308"]
    assert journey_codes("repeat every 1d until vip max 0 { }") == ["E308"]
    assert journey_codes("repeat 3 every 7d { }\nrepeat every 1d until vip max 2 { }") == []


def test_caps_and_quotas_of_zero():
    """A journey cap and the playbook's frequency cap and mass quota need sends and a window."""
    assert journey_codes("", clauses="when friend_added cap 0 per 7d") == ["E309"]
    assert journey_codes("", clauses="when friend_added cap 2 per 0d") == ["E309"]
    text = 'playbook "p" { frequency_cap 0 per 7d  mass_quota 1 per 0d }\n'
    assert codes(text) == ["E309", "E309"]
    assert codes('playbook "p" { frequency_cap 3 per 7d  mass_quota 1 per 1d }\n') == []


def test_zero_length_windows_and_waits():
    """Zero `within`, zero waits and zero `due` are E310; `wait 0d at 10:00` waits for a time."""
    assert journey_codes("wait 0d") == ["E310"]
    assert journey_codes("wait for reply within 0d") == ["E310"]
    assert journey_codes('task guide "x" due 0d') == ["E310"]
    assert journey_codes("", clauses="when friend_added goal a: purchase within 0d") == ["E310"]
    assert journey_codes("", clauses="when inactive 0d") == ["E310"]
    assert journey_codes("wait 0d at 10:00\nwait for reply within 1h") == []


def test_quiet_hours_of_no_length():
    """Quiet hours that start when they end are E310."""
    assert codes('playbook "p" { quiet_hours 21:00-21:00 }\n') == ["E310"]
    assert codes('playbook "p" { quiet_hours 21:00-09:00 }\n') == []


def test_scenario_names_clash_and_their_bodies_go_to_the_scenario_checks():
    """A scenario name clashes like any other (E202); its body is checked once, by the scenario
    checks (the unknown role, E201), not a second time by the journey checks."""
    text = PRELUDE + "scenario vip { staff nobody 3 }\n"
    found = check_unit(text)
    assert [d.code for d in found] == ["E202", "E201"]
    assert "nobody" in found[1].message


@settings(max_examples=60, deadline=None)
@given(programs(messy=False, max_decls=6))
def test_any_parsed_program_is_validated_without_raising(text):
    """Every generated program validates into diagnostics with catalogue codes and real spans."""
    found = check_unit(text)
    assert all(d.code in CODES and d.span.line >= 1 and d.span.column >= 1 for d in found)

"""Tests for the notes of a forecast: events journeys refer to that the scenario never produces."""

from __future__ import annotations

from simulator.montecarlo import forecast
from simulator.notes import no_staff_note, unproduced_events, unproduced_note
from simulator.report import build_report
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import program_of

PLAYBOOK = """
event webinar
event signed
event refund
event visit
content note: text "hi"
journey triggered {
  when webinar
  send note via sms
}
journey waiting {
  when friend_added
  goal contract: signed within 7d
  exit on refund
  wait for visit within 2d { then { tag "came" } }
}
journey produced {
  when friend_added
  goal bought: purchase within 7d
}
scenario s { start 2026-12-01  horizon 2d  population 5 { arrivals 1/day }  visit { daily 1% } }
"""


def test_triggers_goals_exits_and_waits_on_unproduced_events_are_found() -> None:
    """Every kind of reference counts; an event the scenario produces (`visit`, `purchase`)
    does not."""
    program = program_of(PLAYBOOK)
    scenario, _ = effective_scenario(program)
    assert unproduced_events(program, scenario) == {
        "webinar": ["triggered"], "signed": ["waiting"], "refund": ["waiting"]}


def test_the_note_names_the_event_the_journeys_and_the_fix() -> None:
    note = unproduced_note("signed", ["a", "b"])
    assert note.startswith("`signed` never happens during this simulation, though journeys "
                           "`a`, `b` refer to it")
    assert "`signed { daily 0.5%  after_click 10% within 1d }`" in note


NO_ROLE = """
content hi: text "hi"
journey hello {
  when friend_added
  send hi via private_chat
}
scenario s { start 2026-12-01  horizon 3d  population 0 { arrivals 5/day }  replications 3 }
"""


def test_sends_nobody_can_do_are_noted_with_their_mean() -> None:
    """A staff-confirmed send in a playbook without roles is dropped as `no_staff`, and the
    report says so with the mean over replications; a playbook with staff has no such note."""
    program = program_of(NO_ROLE)
    scenario, _ = effective_scenario(program)
    result = forecast(program, scenario, baseline=False)
    dropped = [tally.dropped["no_staff"] for tally in result.tallies]
    assert all(count > 0 for count in dropped)
    assert all(tally.delivered == 0 for tally in result.tallies)
    notes = build_report(result)["meta"]["notes"]
    assert no_staff_note(sum(dropped) / len(dropped)) in notes
    staffed = program_of('role guide "导购"\n' + NO_ROLE.replace(
        "replications 3", "replications 3  staff guide 1 { }"))
    scenario, _ = effective_scenario(staffed)
    assert not any("nobody to do them" in note
                   for note in build_report(forecast(staffed, scenario, baseline=False))["meta"]["notes"])

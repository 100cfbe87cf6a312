"""Tests for the notes of a forecast: events journeys refer to that the scenario never produces."""

from __future__ import annotations

from simulator.notes import unproduced_events, unproduced_note
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

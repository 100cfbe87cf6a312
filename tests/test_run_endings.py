"""An event reaches a run's goals and `exit on` only when its name is one they match.

The reference is every goal and `exit on` tried on every event: the journeys' `ending` names
replaced by a set that holds every name.
"""

from __future__ import annotations

import pytest

from runtime_kit import at, event, interpreter, summary

DECLS = """
role guide "导购"
content a: text "a"
content b: text "b"
"""

JOURNEY = """
journey j {
  when friend_added
  goal bought: purchase within 5d
  milestone clicked: click(a) or reply within 5d
  exit on friend_deleted or click(b)
  exit when tag "stop"
  send a via sms
  wait for open(a) or store_visit within 3d { then { tag "opened" } }
  send b via sms
  wait 9d
}
"""

# Each customer's events after entry (`friend_added` at 12-01 20:15), as (name, when, content).
STORIES = {
    "goal": [("open", "12-02 10:00", "a"), ("purchase", "12-03 10:00", None)],
    "goal late": [("purchase", "12-08 10:00", None), ("click", "12-08 11:00", "b")],
    "milestone": [("click", "12-02 10:00", "a"), ("reply", "12-02 11:00", None),
                  ("click", "12-02 12:00", "b")],
    "other content": [("click", "12-02 10:00", "b")],
    "exit on": [("store_visit", "12-02 09:00", None), ("friend_deleted", "12-02 10:00", None)],
    "exit when": [("open", "12-02 09:00", "b"), ("store_visit", "12-02 10:00", None)],
    "nothing": [("open", "12-02 09:00", "b"), ("delivered", "12-02 10:00", "a")],
}


class _Everything(frozenset):
    """Every event name."""

    def __contains__(self, name: object) -> bool:
        return True


def _story(name: str, every_event_tried: bool) -> list[tuple]:
    machine = interpreter(DECLS + JOURNEY)
    if every_event_tried:
        for journey in machine.journeys.values():
            journey.ending = _Everything()
    c = machine.new_customer("c1", at("12-01 00:00"))
    effects = machine.on_event(c, event("friend_added", "12-01 20:15"))
    for what, when, content in STORIES[name]:
        if name == "exit when" and what == "store_visit":
            effects += machine.update(c, at(when), add_tags=["stop"])
        effects += machine.on_event(c, event(what, when, content))
    return summary(effects + machine.advance(c, at("12-12 00:00")))


@pytest.mark.parametrize("name", sorted(STORIES))
def test_same_effects_as_trying_every_goal_and_exit_on(name):
    assert _story(name, False) == _story(name, True)


def test_the_names_are_those_of_goals_and_exit_on():
    machine = interpreter(DECLS + JOURNEY)
    assert machine.journeys["j"].ending == {"purchase", "click", "reply", "friend_deleted"}


def test_each_ending_is_reached():
    """The stories do reach a goal, a milestone, `exit on` and `exit when`."""
    kinds = {name: [row[1] for row in _story(name, False)] for name in STORIES}
    assert "goal_reached" in kinds["goal"] and "goal_reached" not in kinds["goal late"]
    assert "milestone_reached" in kinds["milestone"]
    assert ("exited", "reason=exit_on event=friend_deleted") in [
        row[1::2] for row in _story("exit on", False)]
    assert [row for row in _story("exit when", False) if row[1] == "exited"]

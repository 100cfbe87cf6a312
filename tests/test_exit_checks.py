"""`exit when` between steps: evaluated again only after a step that may change what it reads.

The reference is the rule as written, `exit when` evaluated before every step: an interpreter
whose every instruction counts as changing the customer.
"""

from __future__ import annotations

import pytest

from runtime_kit import at, event, interpreter, summary
from sopdsl.runtime import steps
from sopdsl.runtime.arms import seeded_arms

DECLS = """
role guide "导购"
content a: text "a"
content b: text "b"
attribute level: number
segment high = score >= 10
"""

# Journeys whose `exit when` becomes true through a step of the run itself (a change, or a
# journey it enters), at the same moment, between steps that change nothing.
JOURNEYS = {
    "tag": ('exit when tag "stop"', 'send a via sms  tag "stop"  send b via sms  tag "after"'),
    "score": ("exit when high", 'score +5  send a via sms  score +5  if score > 0 { tag "x" }'),
    "stage": ("exit when stage >= profiled",
              "send a via sms  stage profiled  wait 1d  send b via sms"),
    "set": ("exit when level > 2", 'set level = 1  send a via sms  set level = 3  tag "y"'),
    "enter": ('exit when tag "k"', 'send a via sms  enter k  send b via sms  tag "after"'),
    "split": ('exit when tag "s"',
              'split t { 50% one { tag "s" } 50% two { send a via sms  tag "s" } }  tag "z"'),
    "loop": ('exit when tag "r"', 'repeat 2 every 1d { send a via sms }  tag "r"  send b via sms'),
    "never": ('exit when tag "never"', 'send a via sms  tag "t"  wait 2d  send b via sms'),
}
OTHER = 'journey k {\n  when tag "go" added\n  tag "k"\n}\n'


def _run(clauses: str, body: str, customer: str) -> list[tuple]:
    """Every effect of one customer's run through journey `j` over three days."""
    machine = interpreter(f"{DECLS}{OTHER}journey j {{\n when friend_added\n {clauses}\n"
                          f"{body}\n}}", seeded_arms(7))
    c = machine.new_customer(customer, at("12-01 00:00"), owner="g1")
    effects = machine.on_event(c, event("friend_added", "12-01 20:15"))
    effects += machine.advance(c, at("12-04 23:00"))
    return summary(effects)


@pytest.fixture
def checked_before_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule as written: every instruction may change what `exit when` reads."""
    for cls in (steps.Instruction, *_subclasses(steps.Instruction)):
        monkeypatch.setattr(cls, "changes_customer", True, raising=False)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


@pytest.mark.parametrize("name", sorted(JOURNEYS))
def test_same_effects_as_checking_before_every_step(name, request):
    clauses, body = JOURNEYS[name]
    customers = [f"c{k}" for k in range(6)]  # both arms of the split
    fast = [_run(clauses, body, who) for who in customers]
    request.getfixturevalue("checked_before_every_step")
    assert fast == [_run(clauses, body, who) for who in customers]


def test_a_tag_added_by_a_step_stops_the_run_at_its_next_step():
    """After `tag "stop"` the next step is not run: the run exits there."""
    rows = _run(*JOURNEYS["tag"], "c1")
    assert [row[1:3] for row in rows] == [
        ("entered", None), ("send_requested", "j/1"), ("state_changed", "j/2"),
        ("exited", "j/3")]


def test_a_journey_entered_by_a_step_can_stop_the_run():
    """`enter k` tags the customer through journey k: the run exits at the step after."""
    rows = _run(*JOURNEYS["enter"], "c1")
    assert [row[1] for row in rows][-1] == "exited"
    assert ("send_requested", "j/3") not in [row[1:3] for row in rows]


def test_steps_that_change_nothing_do_not_evaluate_it_again():
    """Between sends and waits that run at once `exit when` is evaluated once, and again only
    after the tag (five steps checked it before)."""
    calls: list[float] = []
    machine = interpreter(f"""{DECLS}
journey j {{
  when friend_added
  exit when tag "stop"
  send a via sms
  send b via sms
  wait until 20:15
  tag "x"
  send a via sms
}}""")
    journey = machine.journeys["j"]
    test = journey.exit_when
    journey.exit_when = lambda c, now: calls.append(now) or test(c, now)
    c = machine.new_customer("c1", at("12-01 00:00"))
    machine.on_event(c, event("friend_added", "12-01 20:15"))
    assert calls == [at("12-01 20:15")] * 2  # before the first send, after the tag

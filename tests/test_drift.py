"""Tests for how a condition's truth can move with time alone, and for the daily segment check
it spares: the analysis against the real expression compiler, and whole replications with the
check kept for every segment."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from programs import ROOT, program_from
from runtime_kit import CLOCK, at, interpreter, summary
from simulator.engine import run_replication
from sopdsl.api import load
from sopdsl.runtime import triggers
from sopdsl.runtime.customer import Customer, Event
from sopdsl.runtime.drift import time_can_bring_in
from sopdsl.runtime.evaluate import ExprCompiler
from sopdsl.runtime.replay import drive
from sopdsl.scenario.build import effective_scenario
from tests.test_engine import small

HEADER = """playbook "t" {
  timezone "Asia/Shanghai"
}
attribute level: enum("silver", "gold")
attribute joined: date
content a: text "a"
campaign c1 "c" {
  phase p 2026-12-05..2026-12-06
}
segment other = count(open, 2d) >= 1 or days_since(click) > 2
"""
START = at("12-01 00:00")
DAY = 24 * 60
EVENTS = ["purchase", "open", "click"]

windows = st.sampled_from(["1d", "2d", "3d", "5d"])
small_ints = st.integers(0, 4)


@st.composite
def values(draw) -> str:
    """A numeric value of the expression language reading history, time or the profile."""
    kind = draw(st.sampled_from(
        ["count", "count_all", "sum", "days_since", "rfm", "number", "plus", "minus", "times"]))
    event = draw(st.sampled_from(EVENTS))
    if kind == "count":
        return f"count({event}, {draw(windows)})"
    if kind == "count_all":
        return f"count({event})"
    if kind == "sum":
        return f"sum(purchase.amount, {draw(windows)})"
    if kind == "days_since":
        return f"days_since({event})"
    if kind == "rfm":
        return f"rfm.{draw(st.sampled_from('rfm'))}"
    if kind == "number":
        return str(draw(small_ints))
    op = {"plus": "+", "minus": "-", "times": "*"}[kind]
    return f"{draw(values())} {op} {draw(values())}"


@st.composite
def atoms(draw) -> str:
    """One test of the expression language."""
    kind = draw(st.sampled_from(
        ["compare", "compare", "compare", "tag", "ever", "level", "today", "campaign", "day",
         "segment", "range"]))
    if kind == "compare":
        op = draw(st.sampled_from([">=", ">", "<", "<=", "==", "!="]))
        # Mostly against a number: the usual thresholds, where a wrong drift shows soonest.
        right = draw(st.one_of(small_ints.map(str), small_ints.map(str), values()))
        return f"{draw(values())} {op} {right}"
    if kind == "tag":
        return 'tag "vip"'
    if kind == "ever":
        return f"ever({draw(st.sampled_from(EVENTS))})"
    if kind == "level":
        return 'level in ["gold"]'
    if kind == "today":
        op = draw(st.sampled_from([">=", "<", "=="]))
        return f"today {op} 2026-12-{draw(st.integers(1, 12)):02d}"
    if kind == "campaign":
        return "in campaign c1"
    if kind == "day":
        return draw(st.sampled_from(["today is workday", "today is joined"]))
    if kind == "segment":
        return "other"
    return f"{draw(values())} in 1..3"


def conditions(depth: int = 2) -> st.SearchStrategy[str]:
    """Conditions combining tests with `and`, `or`, `not` and parentheses."""
    if depth == 0:
        return atoms()
    inner = conditions(depth - 1)
    return st.one_of(
        atoms(),
        st.builds(lambda a, b: f"{a} and {b}", inner, inner),
        st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    )


histories = st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(-6 * DAY, 0),
                               st.integers(-50, 400)), max_size=8)
moments = st.lists(st.integers(0, 12 * DAY), min_size=2, max_size=12)


def truths(text: str, history: list, refund: bool, tags: set, level: str | None,
           times: list[int]) -> tuple[bool, list[bool]]:
    """Whether the analysis says time can bring the customer into `text`, and the condition's
    truth at the times (in order) for a customer with that past, read by the real compiler."""
    program = program_from(HEADER + f"segment s = {text}\n"
                           "journey j {\n  when enter s\n  send a via sms\n}\n")
    errors = [d for d in program.diagnostics if d.severity == "error"]
    assume(not errors)
    expr = program.segments["s"].expr
    c = Customer("c", START, tags=tags, attributes={"level": level,
                                                     "joined": dt.date(1990, 12, 3)})
    for name, offset, amount in history:
        value = (amount if refund else abs(amount)) if name == "purchase" else None
        c.history.record(Event(name, START + offset, None, value))
    holds = ExprCompiler(program, CLOCK).predicate(expr)
    return (time_can_bring_in(expr, program, refunds=c.history.refunded),
            [holds(c, START + t) for t in sorted(times)])


@settings(max_examples=400, deadline=None)
@given(conditions(), histories, st.booleans(), st.sets(st.just("vip")),
       st.sampled_from([None, "gold", "silver"]), moments)
def test_a_condition_time_cannot_bring_in_never_turns_true_with_time(
        text, history, refund, tags, level, times) -> None:
    """With the same history and profile, a condition the analysis says time cannot bring a
    customer into is never false at one moment and true at a later one."""
    rises, seen = truths(text, history, refund, tags, level, times)
    if not rises:
        assert not any(not a and b for a, b in zip(seen, seen[1:])), (text, seen)


@pytest.mark.parametrize("text", [
    "days_since(purchase) > 2", "count(open, 2d) < 1", "not (count(open, 2d) >= 1)",
    "today >= 2026-12-05", "in campaign c1", "other", "today is joined",
    "count(purchase) >= 1 and days_since(open) >= 1", "count(open, 3d) == 0",
    "days_since(click) - count(open, 2d) > 1", "count(open, 2d) * 2 >= 1",
])
def test_conditions_time_can_bring_in_are_told(text: str) -> None:
    """Conditions that grow truer with time (or might: anything not known) are kept."""
    program = program_from(HEADER + f"segment s = {text}\n")
    assert time_can_bring_in(program.segments["s"].expr, program)


@pytest.mark.parametrize("text, refunds", [
    ("count(purchase, 180d) >= 3 and rfm.r >= 4 and not tag \"vip\"", False),
    ("level in [\"gold\"] or sum(purchase.amount, 365d) >= 5000", False),
    ("level in [\"gold\"] or sum(purchase.amount, 365d) >= 5000", True),
    ("ever(open) and days_since(click) < 3 and count(open) > 1", True),
    ("rfm.m >= 3 or not (count(open, 2d) < 1)", False),
])
def test_conditions_only_events_can_bring_in_are_told(text: str, refunds: bool) -> None:
    """Windowed counts and sums with a lower bound, recency scores, tags, attributes and `ever`
    can only fall with time; a sum can rise when a refund leaves its window."""
    program = program_from(HEADER + f"segment s = {text}\n")
    expr = program.segments["s"].expr
    assert time_can_bring_in(expr, program, refunds) == (refunds and "sum(" in text)


def test_a_member_is_checked_daily_and_one_outside_only_at_events() -> None:
    """Outside a segment only events can bring them into, a customer has no daily check; in
    it, they are checked each midnight (to see them leave, so that they can enter again); a
    refund makes a windowed sum one time can bring them into."""
    machine = interpreter('content a: text "a"\n'
                          "segment big = sum(purchase.amount, 2d) >= 100\n"
                          "journey j {\n  when enter big\n  reentry always\n  send a via sms\n}\n")
    c = machine.new_customer("c", START)
    assert machine.next_wakeups(c) == (None, None)
    machine.on_event(c, Event("purchase", at("12-01 10:00"), None, 150.0))
    assert c.segments == {"big": True}
    assert machine.next_wakeups(c) == (None, at("12-02 00:00"))
    assert machine.advance(c, at("12-02 00:00")) == []
    assert machine.next_wakeups(c) == (None, at("12-03 00:00"))
    machine.advance(c, at("12-03 00:00"))  # still in: 12-01 10:00 is within two days
    assert machine.advance_quietly(c, at("12-04 00:00")) == (True, None)  # left, now idle
    assert c.segments == {"big": False}
    machine.on_event(c, Event("purchase", at("12-04 09:00"), None, -20.0))
    assert machine.next_wakeups(c) == (None, at("12-05 00:00"))


def replicate(path, customers: int, days: int, seed: int) -> dict:
    program = load(path)
    scenario, _ = effective_scenario(program)
    return run_replication(program, small(scenario, customers, 10, days), seed).to_dict()


@pytest.mark.parametrize("name", ["repurchase", "vip_birthday"])
def test_sparing_the_daily_check_changes_no_figure(name: str, monkeypatch) -> None:
    """A playbook whose `when enter` segments only events can bring a customer into gives the
    very same tally with the daily check kept for every customer."""
    path = ROOT / "playbooks" / f"{name}.sop"
    spared = replicate(path, 600, 60, 3)
    monkeypatch.setattr(triggers, "time_can_bring_in", lambda *args, **kwargs: True)
    assert replicate(path, 600, 60, 3) == spared


MIXED = """content a: text "a"
segment regular = count(purchase, 2d) >= 2 and not tag "done"
segment big = sum(purchase.amount, 3d) >= 100
segment quiet = days_since(open) > 2
journey on_regular {
  when enter regular
  reentry REENTRY
  tag "seen"
  WAIT
  send a via sms
  tag "done"
}
journey on_big {
  when enter big
  reentry always
  untag "done"
  send a via sms
}
journey on_quiet {
  when enter quiet
  reentry after 2d
  send a via sms
}
"""
# Events close together (mostly purchases), so that customers enter, stay and leave.
steps = st.lists(st.tuples(st.integers(0, 6 * DAY), st.sampled_from(["purchase", "purchase",
                                                                    "open"]),
                           st.sampled_from([30.0, 80.0, -60.0])), max_size=14)


@settings(max_examples=150, deadline=None)
@given(steps, st.sampled_from(["never", "always", "after 1d"]), st.sampled_from(
    ["wait 1d", "wait 1h", ""]), st.lists(st.integers(-3 * DAY, 0), max_size=3), st.booleans(),
    st.booleans())
def test_a_customer_goes_the_same_way_with_the_daily_check_kept_for_every_segment(
        todo, reentry, wait, bought, midnight, rising) -> None:
    """Driven through the same events (some at 00:00, some refunds), a customer's effects and
    final state are the same whether the daily check looks at every customer or only at those
    time can bring into a segment (`rising`: one of the segments is such) and the members."""
    text = MIXED.replace("REENTRY", reentry).replace("WAIT", wait)
    if not rising:
        text = text.replace("days_since(open) > 2", "count(open, 1d) >= 1")
    timeline = sorted((Event(name, START + (t // DAY * DAY if midnight else t), None,
                             amount if name == "purchase" else None)
                       for t, name, amount in todo), key=lambda e: e.time)
    history = [Event("purchase", START + t, None, 60.0) for t in bought]
    runs = []
    for spared in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            if not spared:
                patch.setattr(triggers, "time_can_bring_in", lambda *args, **kwargs: True)
            machine = interpreter(text)
        c = machine.new_customer("c", START, history=history)
        effects = drive(machine, c, list(timeline), START + 12 * DAY)
        runs.append((summary(effects), dict(c.segments), dict(c.entries), sorted(c.tags)))
    assert runs[0] == runs[1]

"""One model of journey semantics: lint, the drawing, the export and runs read the same compiled
instructions, so their timings and graphs agree with what the interpreter does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime_kit import EPOCH
from sopdsl.api import load, load_text
from sopdsl.draw.graph import build_graph
from sopdsl.lint import lint_program
from sopdsl.lint.config import LintConfig, LintSettings
from sopdsl.lint.context import LintContext
from sopdsl.planning.export import export_program
from sopdsl.runtime import steps
from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.runtime.clock import WEEKDAYS
from sopdsl.runtime.customer import Event
from sopdsl.runtime.effects import Entered, SendDelivered, SendDropped, StateChanged
from sopdsl.runtime.replay import CustomerData, replay
from sopdsl.lunar import parse_lunar
from sopdsl.scenario.build import effective_scenario
from simulator.engine import run_replication
from tests.test_engine import small

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = sorted((ROOT / "playbooks").glob("*.sop")) + sorted(
    (ROOT / "tests" / "data").rglob("*.sop"))
NO_DST = 'playbook "p" { timezone "Asia/Shanghai" }\n'


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _duration(minutes: int) -> str:
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    hours, mins = divmod(rest, 60)
    text = "".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (mins, "m")) if n)
    return text or "0m"


MINUTE = st.integers(0, MINUTES_PER_DAY - 1)
WAITS = st.one_of(
    st.integers(1, 3 * MINUTES_PER_DAY).map(lambda d: f"wait {_duration(d)}"),
    st.tuples(st.integers(0, 3 * MINUTES_PER_DAY), MINUTE).map(
        lambda w: f"wait {_duration(w[0])} at {_hhmm(w[1])}"),
    MINUTE.map(lambda t: f"wait until {_hhmm(t)}"),
    st.tuples(st.sampled_from(WEEKDAYS), st.none() | MINUTE).map(
        lambda w: f"wait until {w[0]}" + ("" if w[1] is None else f" at {_hhmm(w[1])}")),
)


@settings(max_examples=120, deadline=None)
@given(waits=st.lists(WAITS, min_size=1, max_size=4), weekday=st.sampled_from(WEEKDAYS),
       entry=MINUTE)
def test_lint_times_each_step_when_the_interpreter_wakes_it(waits, weekday, entry):
    """For a customer entering at a known weekday and time, each step's time on lint's path
    (and its time of day) is when the interpreter runs it; a tag after each wait shows when."""
    body = "".join(f'  {wait}\n  tag "t{i}"\n' for i, wait in enumerate(waits))
    text = f"{NO_DST}journey j {{\n  when every {weekday} at {_hhmm(entry)}\n{body}}}\n"
    program = load_text(text, "timing.sop")
    assert program.ok, [d.message for d in program.diagnostics]

    (path,) = LintContext(program).paths("j").paths
    linted = [(v.node, v.at, v.clock) for v in path if isinstance(v.instruction, steps.Change)]

    result = replay(program, [CustomerData("c")], [], EPOCH, EPOCH + dt.timedelta(days=60))
    entered = next(e.time for e in result.effects if isinstance(e, Entered))
    run = [(e.step, round(e.time - entered), round(result.clock.minute_of_day(e.time)))
           for e in result.effects if isinstance(e, StateChanged) and e.run == 1]
    assert linted == run


REPRODUCTION = """playbook "p" {{ timezone "Asia/Shanghai"  frequency_cap 1 per 1d }}
content a: text "a"
content b: text "b"
journey j {{
  when friend_added
  wait until 20:15
  send a via sms
  {wait}
  send b via sms
}}
"""


def _cap_findings(text: str) -> list[str]:
    program = load_text(text, "cap.sop")
    config = LintConfig(LintSettings(select=["W503"]))
    return [d.message for d in lint_program(program, config) if d.code == "W503"]


@pytest.mark.parametrize(("wait", "over"), [
    ("wait 1d at 10:00", True), ("wait 13h", True), ("wait 2d at 10:00", False),
])
def test_lint_and_runs_agree_on_the_frequency_cap(wait, over):
    """The issue's playbook: lint reports W503 exactly when runs drop the second send, for
    every time of day a customer can be added (`wait 1d at 10:00` from 20:15 is 13h45m)."""
    text = REPRODUCTION.format(wait=wait)
    found = _cap_findings(text)
    assert bool(found) == over
    if wait == "wait 1d at 10:00":
        assert found == ["`j` can send 2 messages within 1d, over the playbook frequency_cap of "
                         "1 per 1d: `j/2` at +0m, `j/4` at +13h45m"]
    program = load_text(text, "cap.sop")
    customers = [CustomerData(f"c{hour}") for hour in range(24)]
    events = [(f"c{hour}", Event("friend_added", hour * 60 + 7)) for hour in range(24)]
    effects = replay(program, customers, events, EPOCH, EPOCH + dt.timedelta(days=5)).effects
    second = [e for e in effects if isinstance(e, (SendDelivered, SendDropped)) and e.step == "j/4"]
    assert len(second) == 24
    assert all(isinstance(e, SendDropped) and e.reason == "frequency_cap" for e in second) == over
    assert not any(isinstance(e, SendDropped) for e in second) == (not over)


@pytest.mark.parametrize(("wait", "over"), [("wait 1d at 10:00", True), ("wait 2d at 10:00", False)])
def test_a_simulation_drops_the_second_send_where_lint_says_so(wait, over):
    """The SimPy simulation of the issue's playbook delivers no second send under the cap, and
    delivers them once lint is satisfied."""
    program = load_text(REPRODUCTION.format(wait=wait), "cap.sop")
    scenario, _ = effective_scenario(program)
    tally = run_replication(program, small(scenario, 0, 20, horizon_days=10), 3)
    first, second = tally.journeys["j"].steps["j/2"], tally.journeys["j"].steps["j/4"]
    assert first.delivered > 0 and second.sent > 0
    assert (second.delivered == 0) == over
    assert (tally.dropped.get("frequency_cap", 0) >= second.sent * 0.9) == over


def _lint_pairs(ctx: LintContext, name: str) -> set[tuple[str, str]]:
    """The steps lint's walk goes between (a repeat's loop end counts as the repeat)."""
    pairs = set()
    for path in ctx.paths(name).paths:
        nodes = [v.node for v in path]
        ended = f"{name}/@exit" if path and isinstance(path[-1].instruction, steps.ExitStep) \
            else f"{name}/@end"
        nodes.append(ended)
        pairs |= {(a, b) for a, b in zip(nodes, nodes[1:]) if a != b}
    return pairs


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.name)
def test_lint_paths_the_drawing_and_the_export_are_one_graph(path):
    """For every bundled and test playbook, the steps lint walks between are the drawing's
    edges out of the steps lint reaches (which are the drawing's reachable steps), and the
    export (of a playbook without errors) lists the drawing's edges."""
    program = load(path)
    ctx = LintContext(program)
    graph = build_graph(program)
    exported = {j.name: j for j in export_program(program, path.name).journeys} \
        if program.ok else {}
    for name in program.journeys:
        own = graph.journey_nodes(name)
        drawn = [(u, v, d["kind"]) for u, v, d in graph.g.edges(own, data=True)]
        if exported:
            assert [(e.source, e.target, e.kind) for e in exported[name].edges] == drawn
        assert ctx.paths(name).complete, name
        reached = ctx.reachable(name)
        assert reached == set(graph.reachable_steps(name)), name
        flow = {(u, v) for u, v, kind in drawn if u in reached and kind != "enter"}
        assert _lint_pairs(ctx, name) == flow, name


WEEKLY = """playbook "p" {{ timezone "Asia/Shanghai"  frequency_cap {cap} per 28d }}
content a: text "a"
journey weekly {{ when every friday at 20:00 {reentry} send a via sms }}
"""


@pytest.mark.parametrize(("reentry", "runs"), [("", 4), ("reentry never", 1),
                                               ("reentry after 10d", 2)])
def test_a_weekly_journey_runs_as_often_in_simulation_plan_and_lint(reentry, runs):
    """Over 4 weeks a weekly journey is entered 4 times by default (once with `reentry never`,
    every other week with `reentry after 10d`): the simulation, the planner's replay and
    lint's count of sends in a 28-day window agree."""
    program = load_text(WEEKLY.format(cap=runs, reentry=reentry), "weekly.sop")
    assert _cap_findings(WEEKLY.format(cap=runs, reentry=reentry)) == []
    over = _cap_findings(WEEKLY.format(cap=runs - 1, reentry=reentry)) if runs > 1 else []
    assert runs == 1 or over[0].startswith(f"`weekly` can send {runs} messages within 28d")
    effects = replay(program, [CustomerData("c1")], [], EPOCH,
                     EPOCH + dt.timedelta(days=28)).effects
    assert sum(isinstance(e, Entered) for e in effects) == runs
    scenario, _ = effective_scenario(program)
    scenario = small(scenario, 3, 0, horizon_days=28).model_copy(update={"start": EPOCH.date()})
    tally = run_replication(program, scenario, 1)
    assert tally.journeys["weekly"].entered == 3 * runs


YEARLY = """playbook "p" {{ timezone "Asia/Shanghai"  frequency_cap 1 per 360d }}
content a: text "a"
attribute lunar_birthday: lunar_date
journey yearly {{ when {attribute} at 10:00  send a via sms }}
"""


@pytest.mark.parametrize(("attribute", "runs"), [("lunar_birthday", 2), ("birthday", 1)])
def test_a_lunar_year_can_be_shorter_than_a_cap_window_in_lint_and_runs(attribute, runs):
    """A lunar birthday recurs after 353 to 385 days, so a 360-day cap can see it twice: lint
    says so, and a customer born 八月十五 enters on 2025-10-06 and on 2026-09-25, 354 days
    later; a solar birthday once."""
    text = YEARLY.format(attribute=attribute)
    findings = _cap_findings(text)
    assert (findings[0].startswith("`yearly` can send 2 messages within 360d") if runs == 2
            else findings == [])
    born = {"lunar_birthday": parse_lunar("八月十五"), "birthday": dt.date(1990, 10, 6)}
    start = dt.datetime(2025, 10, 1)
    effects = replay(load_text(text, "yearly.sop"), [CustomerData("c1", attributes=born)], [],
                     start, start + dt.timedelta(days=360)).effects
    assert sum(isinstance(e, Entered) for e in effects) == runs


CURRENT = """playbook "p" {{ timezone "Asia/Shanghai" }}
content a: text "a"
segment vip = tag "vip"
journey welcome_vip {{ when enter vip{scope}  send a via sms }}
scenario s {{
  start 2026-11-30  horizon 3d
  population 50 {{ arrivals 0/day  tag "vip" 100% }}
}}
"""


@pytest.mark.parametrize(("scope", "entries"), [(" including current", 1), ("", 0)])
def test_current_members_enter_alike_in_simulation_and_plan(scope, entries):
    """`including current` enters every customer already in the segment when first followed,
    once, in the simulation and in the planner's replay; without it, none of them."""
    program = load_text(CURRENT.format(scope=scope), "vip.sop")
    effects = replay(program, [CustomerData("c1", tags=("vip",))], [], EPOCH,
                     EPOCH + dt.timedelta(days=3)).effects
    assert sum(isinstance(e, Entered) for e in effects) == entries
    scenario, _ = effective_scenario(program)
    assert run_replication(program, scenario, 1).journeys["welcome_vip"].entered == 50 * entries

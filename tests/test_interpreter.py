"""Tests for the step machine: waits, sends, wait for, branches, loops, goals, exits, entries."""

from __future__ import annotations

from collections import Counter

from runtime_kit import at, event, interpreter, kinds, show, summary
from sopdsl.runtime.arms import pick, seeded_arms, stable_arm
from sopdsl.runtime.effects import Entered, SendRequested

DECLS = """
role guide "导购"
role sales "销售"
content a: text "a"
content b: text "b"
content c: article "c"
"""


def start(body: str, trigger: str = "when friend_added", clauses: str = "", **kwargs):
    """An interpreter of one journey `j`, and a customer who just triggered it at 12-01 20:15."""
    machine = interpreter(f"{DECLS}journey j {{\n {trigger}\n {clauses}\n{body}\n}}", **kwargs)
    customer = machine.new_customer("c1", at("12-01 00:00"), owner="g1")
    effects = machine.on_event(customer, event("friend_added", "12-01 20:15"))
    return machine, customer, effects


def sends(effects) -> list[tuple[str | None, str, str | None]]:
    return [(show(e.time), e.content, show(e.earliest))
            for e in effects if isinstance(e, SendRequested)]


def test_wait_days_at_a_time_is_that_date_at_that_time():
    """`wait 1d at 10:00` at 20:15 wakes the next day at 10:00, not 34 hours later."""
    machine, c, _ = start("wait 1d at 10:00  send a via sms")
    assert show(machine.next_wakeup(c)) == "12-02 10:00"
    assert sends(machine.advance(c, at("12-02 10:00"))) == [("12-02 10:00", "a", "12-02 10:00")]


def test_wait_at_a_time_already_passed_that_day_takes_the_day_after():
    """`wait 2h at 10:00` at 20:15 lands on 22:15, whose 10:00 has passed: the next day 10:00."""
    machine, c, _ = start("wait 2h at 10:00  send a via sms")
    assert show(machine.next_wakeup(c)) == "12-02 10:00"


def test_wait_at_a_time_later_that_day_can_be_shorter_than_the_duration():
    """`wait 2h at 23:00` at 20:15: the date of 22:15 at 23:00, only 2h45m later."""
    machine, c, _ = start("wait 2h at 23:00  send a via sms")
    assert show(machine.next_wakeup(c)) == "12-01 23:00"


def test_plain_wait_crosses_midnight():
    """`wait 5h` at 20:15 wakes at 01:15; the send then waits for quiet hours to end."""
    machine, c, _ = start("wait 5h  send a via sms")
    assert show(machine.next_wakeup(c)) == "12-02 01:15"
    assert sends(machine.advance(c, at("12-02 01:15"))) == [("12-02 01:15", "a", "12-02 08:30")]


def test_wait_until_time_of_day():
    """`wait until 19:30` at 20:15 is tomorrow 19:30; at exactly 19:30 it does not wait."""
    machine, c, _ = start("wait until 19:30  send a via sms  wait until 19:30  send b via sms")
    effects = machine.advance(c, at("12-02 19:30"))
    assert sends(effects) == [("12-02 19:30", "a", "12-02 19:30"),
                              ("12-02 19:30", "b", "12-02 19:30")]


def test_wait_until_weekday():
    """From Tuesday, `until saturday at 10:00` is Saturday 10:00; `until saturday` on one is now."""
    machine, c, _ = start("wait until saturday at 10:00  send a via sms  wait until saturday "
                          "send b via sms  wait until sunday  send c via sms")
    assert show(machine.next_wakeup(c)) == "12-05 10:00"
    effects = machine.advance(c, at("12-06 00:00"))
    assert sends(effects) == [("12-05 10:00", "a", "12-05 10:00"),
                              ("12-05 10:00", "b", "12-05 10:00"),
                              ("12-06 00:00", "c", "12-06 08:30")]


def test_sends_are_pushed_out_of_quiet_hours_but_welcome_is_not():
    """At 22:00 a send may go from 08:30; a welcome message goes at once."""
    machine = interpreter(f"{DECLS}journey j {{ when friend_added "
                          "send a via welcome  send b via private_chat }")
    c = machine.new_customer("c1", at("12-01 00:00"), owner="g1")
    effects = machine.on_event(c, event("friend_added", "12-01 22:00"))
    assert sends(effects) == [("12-01 22:00", "a", "12-01 22:00"),
                              ("12-01 22:00", "b", "12-02 08:30")]
    requested = [e for e in effects if isinstance(e, SendRequested)]
    assert [e.staff_confirmed for e in requested] == [False, True]


def test_send_at_a_time_waits_for_it_then_quiet_hours_apply():
    """`send a at 10:30` waits for 10:30; `send b at 22:00` waits for 22:00, then 08:30."""
    machine, c, _ = start("send a via sms at 10:30  send b via sms at 22:00")
    effects = machine.advance(c, at("12-03 00:00"))
    assert sends(effects) == [("12-02 10:30", "a", "12-02 10:30"),
                              ("12-02 22:00", "b", "12-03 08:30")]


WAIT_FOR = """
send a via private_chat
wait for click(a) or reply within 2d {
  then { tag "engaged" }
  timeout { send b via moments }
}
send c via sms
"""


def test_wait_for_then_arm_on_a_matching_event():
    """A click on `a` a day later runs `then`, and the journey goes on to its end at once."""
    machine, c, _ = start(WAIT_FOR)
    effects = machine.on_event(c, event("click", "12-02 12:00", "a"))
    assert summary(effects) == [
        ("12-02 12:00", "state_changed", "j/2.then/1", "field=tag name=engaged value=engaged"),
        ("12-02 12:00", "send_requested", "j/3",
         "content=c channel=sms earliest=12-02 12:00 priority=0 staff_confirmed=False"),
        ("12-02 12:00", "completed", None, ""),
    ]


def test_wait_for_timeout_arm_and_non_matching_content():
    """A click on other content does not count; two days later the timeout arm runs."""
    machine, c, _ = start(WAIT_FOR)
    assert machine.on_event(c, event("click", "12-02 12:00", "b")) == []
    assert show(machine.next_wakeup(c)) == "12-03 20:15"
    effects = machine.advance(c, at("12-03 20:15"))
    assert [e[1] for e in sends(effects)] == ["b", "c"]
    assert "engaged" not in c.tags


def test_wait_for_deadline_is_inclusive():
    """A reply at exactly the deadline still picks `then`."""
    machine, c, _ = start(WAIT_FOR)
    effects = machine.on_event(c, event("reply", "12-03 20:15"))
    assert kinds(effects)[0] == "state_changed"
    assert [e[1] for e in sends(effects)] == ["c"]


def test_wait_for_ignores_events_before_the_wait_started():
    """A reply before the journey reached the wait does not end it."""
    machine, c, _ = start("wait 1d  " + WAIT_FOR, trigger="when friend_added")
    machine.on_event(c, event("reply", "12-02 08:00"))
    effects = machine.advance(c, at("12-04 20:15"))
    assert [e[1] for e in sends(effects)] == ["a", "b", "c"]


def test_bare_click_matches_any_content():
    """`wait for click` is satisfied by a click on any content."""
    machine, c, _ = start("wait for click within 1d { then { tag \"t\" } }")
    machine.on_event(c, event("click", "12-02 09:00", "whatever"))
    assert "t" in c.tags


def test_if_elif_else_takes_the_first_true_branch():
    """Score 15 skips the first branch (>= 20) and takes the `elif`."""
    body = ('score +15  if score >= 20 { tag "high" } elif score >= 10 { tag "mid" } '
            'else { tag "low" }  tag "after"')
    machine, c, _ = start(body)
    assert c.tags == {"mid", "after"}


def test_repeat_runs_n_rounds_with_waits_between_and_none_after():
    """`repeat 3 every 2d`: sends at entry, +2d and +4d; the next step follows the third at once."""
    machine, c, effects = start("repeat 3 every 2d { send a via sms }  send b via sms")
    effects += machine.advance(c, at("12-20 00:00"))
    assert sends(effects) == [
        ("12-01 20:15", "a", "12-01 20:15"), ("12-03 20:15", "a", "12-03 20:15"),
        ("12-05 20:15", "a", "12-05 20:15"), ("12-05 20:15", "b", "12-05 20:15")]
    assert c.runs == {}


def test_repeat_until_is_checked_after_each_round_and_after_each_wait():
    """The condition becoming true during the wait stops the loop before the next round."""
    body = 'repeat every 1d until tag "done" max 5 { score +1 }  tag "out"'
    machine, c, _ = start(body)
    assert c.score == 1
    machine.advance(c, at("12-02 20:15"))
    assert c.score == 2
    machine.update(c, at("12-03 08:00"), add_tags=["done"])
    machine.advance(c, at("12-03 20:15"))
    assert c.score == 2 and "out" in c.tags


def test_repeat_until_stops_at_max():
    """With the condition never true, `max 3` ends the loop after the third round."""
    machine, c, _ = start('repeat every 1d until tag "never" max 3 { score +1 }  tag "out"')
    machine.advance(c, at("12-10 00:00"))
    assert c.score == 3 and "out" in c.tags


def test_goal_inside_its_window_ends_the_run():
    """A purchase two days after entry reaches the 3d goal; nothing else of the run happens."""
    machine, c, _ = start("wait 5d  send a via sms", clauses="goal bought: purchase within 3d")
    effects = machine.on_event(c, event("purchase", "12-03 20:15", amount=100))
    assert summary(effects) == [("12-03 20:15", "goal_reached", "j/1",
                                 "goal=bought event=purchase")]
    assert machine.next_wakeup(c) is None


def test_goal_outside_its_window_is_not_reached():
    """A purchase after the window does nothing; the run completes when its steps are done."""
    machine, c, _ = start("wait 5d  send a via sms", clauses="goal bought: purchase within 3d")
    assert machine.on_event(c, event("purchase", "12-05 20:16", amount=100)) == []
    assert kinds(machine.advance(c, at("12-06 20:15"))) == ["send_requested", "completed"]


def test_run_stays_open_for_its_goal_window_after_the_last_step():
    """Steps done on day 1, goal within 14d: a purchase on day 10 still counts."""
    machine, c, effects = start("send a via sms", clauses="goal bought: purchase within 14d")
    assert "completed" not in kinds(effects)
    assert show(machine.next_wakeup(c)) == "12-15 20:15"
    effects = machine.on_event(c, event("purchase", "12-11 10:00", amount=1))
    assert summary(effects) == [("12-11 10:00", "goal_reached", None,
                                 "goal=bought event=purchase")]


def test_run_completes_when_the_goal_window_closes():
    """Without a purchase the run completes at entry + 14d."""
    machine, c, _ = start("send a via sms", clauses="goal bought: purchase within 14d")
    assert summary(machine.advance(c, at("12-20 00:00"))) == [
        ("12-15 20:15", "completed", None, "")]


def test_first_goal_in_order_wins():
    """Two goals matching one event: the first declared is recorded."""
    machine, c, _ = start("wait 5d", clauses="goal one: reply within 1d  goal two: reply within 9d")
    assert summary(machine.on_event(c, event("reply", "12-01 21:00")))[0][3] == (
        "goal=one event=reply")


def test_exit_on_event_ends_the_run():
    """`exit on friend_deleted` ends a waiting run; its wait never fires."""
    machine, c, _ = start("wait 1d  send a via sms", clauses="exit on friend_deleted")
    effects = machine.on_event(c, event("friend_deleted", "12-01 22:00"))
    assert summary(effects) == [("12-01 22:00", "exited", "j/1",
                                 "reason=exit_on event=friend_deleted")]
    assert machine.advance(c, at("12-05 00:00")) == []


def test_exit_when_is_checked_before_every_step():
    """A tag added during a wait makes the run exit at the next step, before it runs."""
    machine, c, _ = start("wait 1d  send a via sms", clauses='exit when tag "blacklist"')
    assert machine.update(c, at("12-02 08:00"), add_tags=["blacklist"])[0].kind == "state_changed"
    assert summary(machine.advance(c, at("12-03 00:00"))) == [
        ("12-02 20:15", "exited", "j/2", "reason=exit_when")]


def test_exit_when_is_checked_on_every_event():
    """`exit when count(reply) >= 2`: the second reply ends the run at once."""
    machine, c, _ = start("wait 9d", clauses="exit when count(reply) >= 2")
    assert machine.on_event(c, event("reply", "12-02 10:00")) == []
    assert summary(machine.on_event(c, event("reply", "12-02 11:00"))) == [
        ("12-02 11:00", "exited", "j/1", "reason=exit_when event=reply")]


def test_exit_step():
    """`exit` ends the run there; later steps never run."""
    machine, c, effects = start('tag "x"  exit  tag "y"')
    assert kinds(effects) == ["entered", "state_changed", "exited"]
    assert c.tags == {"x"} and c.runs == {}


def test_audience_is_checked_when_triggered():
    """An employee never enters; the same event for a customer later tagged differently does."""
    machine = interpreter(DECLS + 'journey j { when reply  audience not tag "employee"  '
                          "reentry always  send a via sms }")
    c = machine.new_customer("c1", 0.0, tags=["employee"])
    assert machine.on_event(c, event("reply", "12-01 10:00")) == []
    c.tags.clear()
    assert kinds(machine.on_event(c, event("reply", "12-01 11:00")))[0] == "entered"


def entries(reentry: str, replies: list[str]) -> list[str | None]:
    machine = interpreter(DECLS + f"journey j {{ when reply  reentry {reentry}  send a via sms }}")
    c = machine.new_customer("c1", 0.0)
    found = []
    for when in replies:
        found += [show(e.time) for e in machine.on_event(c, event("reply", when))
                  if isinstance(e, Entered)]
    return found


def test_reentry_never_is_the_default_rule():
    """`reentry never`: only the first trigger enters."""
    assert entries("never", ["12-01 10:00", "12-05 10:00"]) == ["12-01 10:00"]


def test_reentry_always():
    """`reentry always`: every trigger after the last run ended enters."""
    assert entries("always", ["12-01 10:00", "12-01 10:01"]) == ["12-01 10:00", "12-01 10:01"]


def test_reentry_after_counts_from_the_last_entry():
    """`reentry after 3d`: not 2 days later, again at exactly 3 days, not 1 day after that."""
    assert entries("after 3d", ["12-01 10:00", "12-03 10:00", "12-04 10:00", "12-05 10:00"]) == [
        "12-01 10:00", "12-04 10:00"]


def test_one_active_run_per_customer_per_journey():
    """A second trigger while the run waits does not start another run."""
    machine = interpreter(DECLS + "journey j { when reply  reentry always  wait 1d }")
    c = machine.new_customer("c1", 0.0)
    machine.on_event(c, event("reply", "12-01 10:00"))
    assert machine.on_event(c, event("reply", "12-01 12:00")) == []
    assert c.entries["j"] == (1, at("12-01 10:00"))


def test_enter_starts_another_journey_and_this_one_goes_on():
    """`enter k` runs k's first steps at once, then j continues; a refused entry says why."""
    text = DECLS + """
journey j { when reply  enter k  tag "after"  enter k  enter m }
journey k { when purchase  wait 1d }
journey m { when purchase  audience tag "vip" }
"""
    machine = interpreter(text)
    c = machine.new_customer("c1", 0.0)
    effects = machine.on_event(c, event("reply", "12-01 10:00"))
    assert summary(effects) == [
        ("12-01 10:00", "entered", None, "trigger=reply"),
        ("12-01 10:00", "entered", None, "trigger=enter from j/1"),
        ("12-01 10:00", "state_changed", "j/2", "field=tag name=after value=after"),
        ("12-01 10:00", "entry_refused", "j/3", "reason=active target=k"),
        ("12-01 10:00", "entry_refused", "j/4", "reason=audience target=m"),
        ("12-01 10:00", "completed", None, ""),
    ]
    assert [e.journey for e in effects[:2]] == ["j", "k"]


def test_handoff_task_and_notify_effects():
    """Staff effects carry the role, text, content and due time."""
    body = 'task sales "call" with a due 1d  notify guide "look"  handoff sales'
    machine, c, effects = start(body)
    assert summary(effects)[1:4] == [
        ("12-01 20:15", "task", "j/1",
         "role=sales instruction=call content=a due_in=1440 due_wall=False escalation=()"),
        ("12-01 20:15", "notify", "j/2", "role=guide text=look"),
        ("12-01 20:15", "handoff", "j/3", "role=sales"),
    ]


def test_state_steps_change_the_customer_and_no_op_changes_are_silent():
    """Tag, score and stage change state; tagging twice or keeping the stage emits nothing."""
    body = 'tag "x"  tag "x"  score +5  score -2  stage prospect  stage prospect  untag "y"'
    machine, c, effects = start(body)
    assert [row[3] for row in summary(effects)] == [
        "trigger=friend_added", "field=tag name=x value=x", "field=score value=5",
        "field=score value=3", "field=stage value=prospect", ""]
    assert (c.score, c.stage, c.tags) == (3, "prospect", {"x"})


def test_split_uses_the_injected_chooser():
    """The chooser's arm index picks the arm, and the choice is an effect."""
    body = "split test { 50% control { }  50% coupon { send a via sms } }"
    machine, c, effects = start(body, choose_arm=lambda cid, split, shares: 1)
    assert summary(effects)[1][1:] == ("arm_chosen", "j/1", "split=test arm=coupon")
    assert [e[1] for e in sends(effects)] == ["a"]


def test_stable_arm_is_stable_and_follows_the_shares():
    """Same id, same arm; over 4000 ids a 20/30/50 split lands within two points of its shares."""
    shares = [0.2, 0.3, 0.5]
    assert all(stable_arm(f"c{i}", "s", shares) == stable_arm(f"c{i}", "s", shares)
               for i in range(50))
    counts = Counter(stable_arm(f"c{i}", "s", shares) for i in range(4000))
    assert [abs(counts[arm] / 4000 - share) < 0.02 for arm, share in enumerate(shares)] == [
        True, True, True]
    assert [stable_arm("c1", name, [0.5, 0.5]) for name in "abcdefgh"] != [0] * 8


def test_seeded_arms_repeat_with_the_seed():
    """Two choosers with one seed draw the same arms."""
    first, second = seeded_arms(7), seeded_arms(7)
    draws = [(first("c", "s", [1, 1]), second("c", "s", [1, 1])) for _ in range(20)]
    assert all(a == b for a, b in draws) and len({a for a, _ in draws}) == 2
    assert pick(0.999999, [0.5, 0.5]) == 1 and pick(0.0, [0.5, 0.5]) == 0


def test_on_step_hears_each_step_as_it_starts_in_run_order():
    """`on_step` hears every step start once per execution (loop bodies per round), not the
    steps skipped by a branch, nor a step an `exit when` stops."""
    heard: list[tuple[str, str, int, str, str | None]] = []
    machine = interpreter(f"""{DECLS}
journey j {{
  when friend_added
  exit when tag "stop"
  send a via sms
  if score > 5 {{ send b via sms }} else {{ tag "low" }}
  repeat 2 every 1d {{ send c via sms }}
  tag "stop"
  send a via sms
}}""")
    machine.on_step = lambda c, run, step, now: heard.append(
        (c.id, run.journey.name, run.number, step, show(now)))
    customer = machine.new_customer("c1", at("12-01 00:00"))
    machine.on_event(customer, event("friend_added", "12-01 20:15"))
    machine.advance(customer, at("12-03 00:00"))
    assert [(step, when) for *_, step, when in heard] == [
        ("j/1", "12-01 20:15"), ("j/2", "12-01 20:15"), ("j/2.else/1", "12-01 20:15"),
        ("j/3", "12-01 20:15"), ("j/3.body/1", "12-01 20:15"), ("j/3.body/1", "12-02 20:15"),
        ("j/4", "12-02 20:15")]
    assert {who for who, *_ in heard} == {"c1"} and {r[1:3] for r in heard} == {("j", 1)}


def test_before_step_holds_a_run_where_the_gate_says_and_goals_still_end_it():
    """A `before_step` gate that holds an instruction stops the run there for good: the step
    does not run, nothing wakes it, the steps before it ran; a goal still ends the run."""
    machine = interpreter(f"""{DECLS}
journey j {{
  when friend_added
  goal bought: purchase within 7d
  tag "before"
  wait 1d
  tag "held"
  tag "after"
}}""")
    asked: list[tuple[str, str | None]] = []

    def gate(c, run, instruction, now) -> bool:
        asked.append((instruction.step, show(now)))
        return instruction.step == "j/3"

    machine.before_step = gate
    customer = machine.new_customer("c1", at("12-01 00:00"))
    machine.on_event(customer, event("friend_added", "12-01 20:15"))
    effects = machine.advance(customer, at("12-05 00:00"))
    assert asked == [("j/1", "12-01 20:15"), ("j/2", "12-01 20:15"), ("j/3", "12-02 20:15")]
    assert customer.tags == {"before"} and kinds(effects) == []
    assert machine.next_wakeup(customer) is None and customer.runs["j"].pc == 2
    assert kinds(machine.on_event(customer, event("purchase", "12-05 09:00"))) == ["goal_reached"]


def test_only_records_an_event_that_nothing_can_react_to():
    """An event can only be recorded while no run is open and no trigger starts on it."""
    machine = interpreter('content hi: text "hi"\n'
                          'journey bought {\n  when purchase\n  wait for click within 3d\n}\n')
    customer = machine.new_customer("c1", 0.0)
    assert machine.only_records(customer, event("click", "12-01 10:00"))
    assert not machine.only_records(customer, event("purchase", "12-01 10:00"))
    machine.on_event(customer, event("purchase", "12-01 10:00"))
    assert not machine.only_records(customer, event("click", "12-01 11:00"))


def test_only_records_nothing_while_a_send_is_held_for_quiet_hours():
    """A send done inside quiet hours is held until they end: while it is, with no run open
    and no trigger on the event, an event is still not only recorded; once it has gone, it is."""
    machine = interpreter('content hi: text "hi"\n'
                          'journey welcome {\n  when friend_added\n  send hi via private_chat\n}\n')
    customer = machine.new_customer("c1", 0.0)
    effects = machine.on_event(customer, event("friend_added", "12-01 23:00"))
    send = next(e for e in effects if isinstance(e, SendRequested))
    assert machine.deliver(customer, send, at("12-01 23:00")) == []
    assert not customer.runs and customer.held
    assert not machine.only_records(customer, event("click", "12-02 01:00"))
    assert kinds(machine.advance(customer, at("12-02 08:30"))) == ["send_delivered"]
    assert machine.only_records(customer, event("click", "12-02 09:00"))

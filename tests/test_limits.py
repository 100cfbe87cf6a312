"""Tests for delivery: frequency cap and journey caps by priority, WeCom limits, delivered events."""

from __future__ import annotations

from runtime_kit import at, event, interpreter, kinds, show
from sopdsl.runtime.effects import SendDelivered, SendDropped, SendRequested

DECLS = """
content a: text "a"
content b: text "b"
content c: text "c"
journey low { when reply  priority 1  send a via sms }
journey mid { when reply  priority 5  send b via sms }
journey high { when reply  priority 9  send c via sms }
journey chat { when purchase  reentry always  send a via private_chat }
journey posts { when store_visit  reentry always  send b via moments }
journey capped { when click  reentry always  cap 1 per 1d  send c via sms }
"""


def playbook(settings: str) -> str:
    return f'playbook "t" {{\n timezone "Asia/Shanghai"\n {settings}\n}}\n'


def setup(settings: str = ""):
    machine = interpreter(DECLS, playbook=playbook(settings))
    return machine, machine.new_customer("c1", 0.0, owner="g1")


def requests(effects) -> list[SendRequested]:
    return [e for e in effects if isinstance(e, SendRequested)]


def outcomes(effects) -> list[tuple[str, str, str | None]]:
    return [(e.content, e.kind, getattr(e, "reason", None))
            for e in effects if isinstance(e, (SendDelivered, SendDropped))]


def test_frequency_cap_drops_the_lowest_priority_send_due_at_the_same_instant():
    """With room for two more sends, of three due together the priority 1 send is dropped."""
    machine, c = setup("frequency_cap 3 per 7d")
    machine.deliver(c, requests(machine.on_event(c, event("click", "11-30 12:00")))[0],
                    at("11-30 12:00"))
    sends = requests(machine.on_event(c, event("reply", "12-01 10:00")))
    assert [s.content for s in sends] == ["a", "b", "c"]
    effects = machine.deliver_all(c, sends, at("12-01 10:00"))
    assert outcomes(effects) == [("c", "send_delivered", None), ("b", "send_delivered", None),
                                 ("a", "send_dropped", "frequency_cap")]


def test_frequency_cap_window_slides():
    """Once the oldest counted send is 7 days old, a send fits again; drops do not count."""
    machine, c = setup("frequency_cap 1 per 7d")
    first = requests(machine.on_event(c, event("purchase", "12-01 10:00")))[0]
    assert kinds(machine.deliver(c, first, at("12-01 10:00")))[0] == "send_delivered"
    second = requests(machine.on_event(c, event("purchase", "12-08 09:59")))[0]
    assert outcomes(machine.deliver(c, second, at("12-08 09:59"))) == [
        ("a", "send_dropped", "frequency_cap")]
    third = requests(machine.on_event(c, event("purchase", "12-08 10:00")))[0]
    assert kinds(machine.deliver(c, third, at("12-08 10:01")))[0] == "send_delivered"


def test_journey_cap_counts_only_its_own_sends():
    """`cap 1 per 1d` drops the journey's second send that day, not other journeys' sends."""
    machine, c = setup()
    first = requests(machine.on_event(c, event("click", "12-01 10:00")))[0]
    machine.deliver(c, first, at("12-01 10:00"))
    second = requests(machine.on_event(c, event("click", "12-01 11:00")))[0]
    assert outcomes(machine.deliver(c, second, at("12-01 11:00"))) == [
        ("c", "send_dropped", "journey_cap")]
    other = requests(machine.on_event(c, event("store_visit", "12-01 12:00")))[0]
    assert outcomes(machine.deliver(c, other, at("12-01 12:00"))) == [("b", "send_delivered", None)]


def test_wecom_one_mass_send_per_staff_member_per_customer_per_day():
    """The owner's second private chat send that day fails; another member's, and tomorrow's, go."""
    machine, c = setup("mass_quota 10 per month")
    sends = [requests(machine.on_event(c, event("purchase", when)))[0]
             for when in ("12-01 10:00", "12-01 11:00", "12-01 12:00", "12-02 00:00")]
    assert outcomes(machine.deliver(c, sends[0], at("12-01 10:00"))) == [
        ("a", "send_delivered", None)]
    assert outcomes(machine.deliver(c, sends[1], at("12-01 23:59"))) == [
        ("a", "send_dropped", "staff_daily_limit")]
    delivered = machine.deliver(c, sends[2], at("12-01 23:59"), staff="g2")
    assert [(e.kind, e.staff) for e in delivered if isinstance(e, SendDelivered)] == [
        ("send_delivered", "g2")]
    assert outcomes(machine.deliver(c, sends[3], at("12-02 00:00"))) == [
        ("a", "send_delivered", None)]


def test_monthly_mass_quota_counts_the_calendar_month():
    """`mass_quota 4 per month`: the fifth in December fails, the first in January goes."""
    machine, c = setup("mass_quota 4 per month")
    results = []
    for day in (1, 5, 10, 20, 31):
        send = requests(machine.on_event(c, event("purchase", f"12-{day:02d} 10:00")))[0]
        results += outcomes(machine.deliver(c, send, at(f"12-{day:02d} 10:00")))
    send = requests(machine.on_event(c, event("purchase", "01-01 10:00")))[0]
    results += outcomes(machine.deliver(c, send, at("01-01 10:00")))
    assert [r[2] for r in results] == [None, None, None, None, "mass_quota", None]


def test_mass_quota_in_a_sliding_window_and_moments_are_not_mass_sends():
    """`mass_quota 1 per 2d`: a chat send a day later fails; moments posts are not counted."""
    machine, c = setup("mass_quota 1 per 2d")
    first = requests(machine.on_event(c, event("purchase", "12-01 10:00")))[0]
    machine.deliver(c, first, at("12-01 10:00"))
    post = requests(machine.on_event(c, event("store_visit", "12-02 10:00")))[0]
    assert outcomes(machine.deliver(c, post, at("12-02 10:00"))) == [("b", "send_delivered", None)]
    second = requests(machine.on_event(c, event("purchase", "12-02 11:00")))[0]
    assert outcomes(machine.deliver(c, second, at("12-02 11:00"))) == [
        ("a", "send_dropped", "mass_quota")]


def test_no_send_reaches_a_customer_who_deleted_the_friend_except_sms():
    """After `friend_deleted` a private chat fails; an sms still goes."""
    machine, c = setup()
    chat = requests(machine.on_event(c, event("purchase", "12-01 10:00")))[0]
    sms = requests(machine.on_event(c, event("click", "12-01 10:00")))[0]
    machine.on_event(c, event("friend_deleted", "12-01 11:00"))
    assert outcomes(machine.deliver(c, chat, at("12-01 12:00"))) == [
        ("a", "send_dropped", "not_friend")]
    assert outcomes(machine.deliver(c, sms, at("12-01 12:00"))) == [("c", "send_delivered", None)]


def test_delivery_produces_the_delivered_event():
    """A delivered send is a `delivered` event the journeys see (here: `wait for delivered`)."""
    machine = interpreter('content a: text "a"\n'
                          'journey j { when reply  send a via private_chat  '
                          'wait for delivered within 1d { then { tag "seen" } } }')
    c = machine.new_customer("c1", 0.0, owner="g1")
    send = requests(machine.on_event(c, event("reply", "12-01 10:00")))[0]
    effects = machine.deliver(c, send, at("12-01 15:00"))
    assert kinds(effects) == ["send_delivered", "state_changed", "completed"]
    assert effects[0].staff == "g1" and show(effects[0].time) == "12-01 15:00"
    assert c.history.count("delivered", at("12-01 15:00")) == 1


QUIET_DECLS = """
content a: text "a"
content b: text "b"
journey vip { when purchase  priority 9  send a via private_chat }
journey news { when reply  priority 1  send b via sms }
"""


def test_a_send_done_inside_quiet_hours_goes_out_when_they_end():
    """Staff confirm a chat at 21:45 under quiet hours from 21:30: it goes out at 08:30, as
    theirs; the customer's next moment is then."""
    machine = interpreter(QUIET_DECLS, playbook=playbook("quiet_hours 21:30-08:30"))
    c = machine.new_customer("c1", 0.0, owner="g1")
    chat = requests(machine.on_event(c, event("purchase", "12-01 20:00")))[0]
    assert machine.deliver(c, chat, at("12-01 21:45"), staff="g2") == []
    assert show(machine.next_wakeup(c)) == "12-02 08:30"
    assert machine.advance(c, at("12-02 08:29")) == []
    delivered = [e for e in machine.advance(c, at("12-02 08:30")) if isinstance(e, SendDelivered)]
    assert [(show(e.time), e.content, e.staff) for e in delivered] == [("12-02 08:30", "a", "g2")]


def test_a_held_send_and_a_send_due_at_its_release_go_by_priority():
    """A priority 9 chat held overnight and a priority 1 sms due at 08:30 with room for one:
    the chat goes, the sms is dropped, whichever the driver delivers first."""
    machine = interpreter(QUIET_DECLS, playbook=playbook(
        "quiet_hours 21:30-08:30  frequency_cap 1 per 1d"))
    c = machine.new_customer("c1", 0.0, owner="g1")
    chat = requests(machine.on_event(c, event("purchase", "12-01 20:00")))[0]
    sms = requests(machine.on_event(c, event("reply", "12-01 21:40")))[0]
    machine.deliver(c, chat, at("12-01 21:45"))
    assert show(sms.earliest) == "12-02 08:30"
    assert outcomes(machine.deliver_all(c, [sms], at("12-02 08:30"))) == [
        ("a", "send_delivered", None), ("b", "send_dropped", "frequency_cap")]

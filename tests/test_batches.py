"""Staff actions in the simulator, against closed forms: a mass send or a moments post is one
action of its sender for all the customers it reaches; a `chat` is one per customer."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sopdsl.builtins import BATCHED_CHANNELS, CHANNEL_FACTS, MASS_CHANNELS, STAFF_CHANNELS
from sopdsl.runtime.batches import BatchKey, batch_key
from sopdsl.runtime.effects import SendDelivered, SendRequested
from sopdsl.scenario.build import effective_scenario
from simulator.engine import run_replication
from simulator.trace import trace_replication
from tests.runtime_kit import program_of

PLAYBOOK = ('playbook "test" {\n  timezone "Asia/Shanghai"\n  quiet_hours 21:30-08:30\n'
            '  mass_quota 31 per month\n}\n')
STAFF = """
  staff guide {senders} {{
    capacity 500/day
    completion 100%
    delay exponential(30m)
    hours 09:00-21:00
  }}
"""


def forecast_of(body: str, customers: int, senders: int, days: int, channel: str):
    """The program and effective scenario of a one-journey playbook sending via `channel`."""
    text = f"""
role guide "导购"
content post: text "本周新品"
journey j {{
  {body.replace('CHANNEL', channel)}
}}
scenario s {{
  start 2026-12-01
  horizon {days}d
  population {customers} {{
    arrivals 0/day
    owner guide
  }}
  {STAFF.format(senders=senders)}
  channel {channel} {{
    unfriend 0%
  }}
  fatigue {{ }}
}}
"""
    program = program_of(text, PLAYBOOK)
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    return program, scenario


def test_the_channel_table_decides_who_confirms_and_what_is_batched() -> None:
    """`chat` is staff work per customer; the 群发 channels and moments are batched; only the
    1:1 mass send takes the customers' mass quota."""
    assert set(STAFF_CHANNELS) == {"private_chat", "chat", "group", "moments"}
    assert BATCHED_CHANNELS == {"private_chat", "group", "moments"}
    assert MASS_CHANNELS == {"private_chat"}  # a group post takes the group's quota instead
    assert CHANNEL_FACTS["moments"].post and not CHANNEL_FACTS["chat"].mass
    assert CHANNEL_FACTS["group"].group and not CHANNEL_FACTS["group"].wecom


def test_batch_key_is_step_sender_and_release_moment() -> None:
    """Sends of one step by one sender released at one moment share a key; `chat` has none."""
    def send(channel: str, earliest: float, step: str = "j/1") -> SendRequested:
        return SendRequested(time=0.0, customer="c", journey="j", step=step, run=1,
                             content="post", channel=channel, role=None, earliest=earliest,
                             priority=0, staff_confirmed=True)

    assert batch_key(send("moments", 600.0), "guide-1") == BatchKey("j", "j/1", "guide-1", 600.0)
    assert batch_key(send("moments", 600.0), "guide-2") != batch_key(send("moments", 600.0),
                                                                     "guide-1")
    assert batch_key(send("moments", 601.0), "g") != batch_key(send("moments", 600.0), "g")
    assert batch_key(send("moments", 600.0, "j/2"), "g") != batch_key(send("moments", 600.0), "g")
    assert batch_key(send("chat", 600.0), "guide-1") is None


@pytest.mark.parametrize("senders,customers", [(3, 30), (4, 10)])
def test_one_moments_post_per_sender_reaches_all_their_customers(senders: int,
                                                                 customers: int) -> None:
    """S senders, N customers round-robin, one moments step released once: S actions, N
    deliveries, and each customer's delivery is the moment their sender finished the post."""
    program, scenario = forecast_of("when every day at 10:00\n  send post via CHANNEL",
                                    customers, senders, 1, "moments")
    trace = trace_replication(program, scenario, 7)
    tally = trace.tally
    assert tally.staff["guide"].tasks == senders
    assert tally.staff["guide"].done == senders
    assert tally.delivered == customers
    assert tally.journeys["j"].steps["j/1"].actions == senders
    moments: dict[str, set[float]] = defaultdict(set)
    reached: dict[str, int] = defaultdict(int)
    for customer in trace.customers.values():
        for effect in customer.effects:
            if isinstance(effect, SendDelivered):
                assert effect.staff == customer.owner
                moments[customer.owner or ""].add(effect.time)
                reached[customer.owner or ""] += 1
    assert all(len(times) == 1 for times in moments.values())  # one moment per post
    assert sorted(reached.values()) == sorted(
        customers // senders + (k < customers % senders) for k in range(senders))


def test_a_daily_mass_send_is_one_action_a_day_not_one_per_customer() -> None:
    """A daily private_chat mass send over 30 days to N customers of one guide: 30 actions."""
    customers = 40
    program, scenario = forecast_of("when every day at 10:00\n  reentry after 1d\n"
                                    "  send post via CHANNEL", customers, 1, 30, "private_chat")
    tally = run_replication(program, scenario, 3)
    assert tally.staff["guide"].tasks == 30
    assert tally.journeys["j"].steps["j/1"].actions == 30
    assert tally.journeys["j"].steps["j/1"].sent == 30 * customers
    assert tally.delivered == 30 * customers


def test_chat_is_one_work_item_per_customer() -> None:
    """`chat` is each customer's own message: one action per customer, no batching."""
    customers = 40
    program, scenario = forecast_of("when every day at 10:00\n  reentry always\n"
                                    "  send post via CHANNEL", customers, 1, 3, "chat")
    tally = run_replication(program, scenario, 3)
    assert tally.staff["guide"].tasks == 3 * customers
    assert tally.journeys["j"].steps["j/1"].actions == 3 * customers
    assert tally.delivered == 3 * customers


def test_the_language_reference_lists_every_channel_with_its_sentence() -> None:
    """docs/language.md names each channel with the sentence the channel table gives it."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    for name, facts in CHANNEL_FACTS.items():
        assert f"| `{name}` | {facts.means} |" in text

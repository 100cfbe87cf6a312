"""A post's recipients handled together (simulator.posts, `BehaviourSampler.respond_post`): the
same responses as each recipient's own draw against their own chance, multipliers included,
and the same deliveries as one send at a time."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from simulator.behaviour import CLICK, OPEN, REPLY, UNFRIEND, BehaviourSampler, DrawStream
from simulator.engine import Replication, run_replication
from simulator.latent import draw_latent, named_generators
from simulator.trace import trace_replication
from sopdsl.builtins import MINUTES_PER_DAY as DAY
from sopdsl.runtime.interpreter import Interpreter
from sopdsl.scenario.build import effective_scenario
from tests.runtime_kit import CLOCK, program_of
from tests.test_population import within_binomial

DECLS = """content post: poster "p" { purpose advocacy }
segment vip = tag "VIP"
journey j { when friend_added  tag "x" }
"""


def sampler(open_chance: int, unfriend: int, seed: int, own: int = 0):
    """An interpreter and a sampler whose moments chances fatigue and an effect scale (`own`
    customers: each with their own open and unfriend chances, drawn per customer)."""
    # Chances spread over (0, 1), so a recipient read at another's number is often wrong.
    opens, unfriends = (("beta(1, 1) per customer", "beta(1, 3) per customer") if own
                        else (f"{open_chance}%", f"{unfriend}%"))
    program = program_of(DECLS + f"""scenario s {{
  channel moments {{ open {opens}  click 30%  reply 20%  unfriend {unfriends}  delay exponential(2h) }}
  purpose advocacy {{ click x0.8 }}
  effect vip {{ open x1.6  click x2 }}
  fatigue {{ above 2 per 7d: open x0.4  unfriend x3 }}
  purchase {{ daily 0%  after_click 0% within 1d  value fixed(1) }}
}}
""")
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    latent = (draw_latent(scenario, own, named_generators(np.random.SeedSequence(seed)))
              if own else None)
    behaviour = BehaviourSampler(program, scenario, random.Random(seed),
                                 np.random.default_rng(seed), latent, None,
                                 np.random.default_rng(seed + 1))
    return Interpreter(program, CLOCK), behaviour


def recipients(machine: Interpreter, kinds: list[int]) -> list:
    """Customers by kind: bit 1 a VIP, bit 2 fatigued (three sends in the week)."""
    customers = []
    for number, kind in enumerate(kinds):
        customer = machine.new_customer(str(number), 0.0, tags=["VIP"] if kind & 1 else [])
        if kind & 2:
            customer.sends.times.extend([-3 * DAY, -2 * DAY, -DAY])
        customers.append(customer)
    return customers


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.integers(0, 3), min_size=1, max_size=300),
       open_chance=st.integers(1, 90), unfriend=st.sampled_from([0, 5, 40]),
       seed=st.integers(0, 2**16), own=st.booleans())
@example(kinds=[0, 1, 2, 3] * 50, open_chance=30, unfriend=5, seed=3, own=True)
def test_a_posts_responders_are_those_whose_draws_fall_below_their_own_chances(
        kinds: list[int], open_chance: int, unfriend: int, seed: int, own: bool) -> None:
    """Fed the same draws, the batch gives exactly the responses of a plain reference: each
    recipient's open (and unfriend) draw against their own chance, multipliers worked out for
    everyone, then click and reply draws of the openers (and what a click leads to), in order;
    with chances drawn per customer (`own`), each recipient's own, read by their number."""
    machine, batch = sampler(open_chance, unfriend, seed, len(kinds) + 7 if own else 0)
    _, twin = sampler(open_chance, unfriend, seed, len(kinds) + 7 if own else 0)
    assert bool(twin.own["moments"]) == own
    customers = recipients(machine, kinds)
    # Recipients are customers numbered out of order: each must be read at their own number.
    numbers = random.Random(seed).sample(range(len(kinds) + 7), len(kinds)) if own \
        else list(range(len(kinds)))
    now = 100.0
    found = batch.respond_post(customers, numbers, "moments", "post", now)

    delays = [twin.delays["moments"].next() for _ in customers]
    drawn = twin.posts.random((len(customers), 2 if unfriend or own else 1)).tolist()
    expected = []
    for position, customer in enumerate(customers):
        mine = {key: values[numbers[position]] for key, values in twin.own["moments"].items()}
        chances = twin.model.chance_values(customer, now, "moments", "post", mine)
        opened = drawn[position][0] < chances[OPEN]
        clicked = opened and twin.rng.random() < chances[CLICK]
        replied = opened and twin.rng.random() < chances[REPLY]
        unfriended = bool(unfriend or own) and drawn[position][1] < chances[UNFRIEND]
        for follow in twin.model.after_click if clicked else ():  # the events a click leads to
            if follow.chance > 0 and twin.rng.random() < follow.chance:
                twin.rng.random()  # its moment
        if opened or unfriended:
            expected.append((position, now + delays[position], opened, clicked, replied,
                             unfriended))
    assert [(position, r.at, r.opened, r.clicked, r.replied,
             any(e.name == "friend_deleted" for e in r.events))
            for position, r in found] == expected


def test_a_posts_recipients_whose_multipliers_matter_are_decided_with_them() -> None:
    """VIPs open at 24% x1.6, the fatigued at 24% x0.4: the shares the batch gives are theirs,
    not the channel's plain chance."""
    machine, batch = sampler(24, 0, 3)
    n = 20_000
    for kind, chance in ((0, 0.24), (1, 0.384), (2, 0.096), (3, 0.24 * 1.6 * 0.4)):
        customers = recipients(machine, [kind] * n)
        found = batch.respond_post(customers, list(range(n)), "moments", "post", 0.0)
        assert within_binomial(sum(r.opened for _, r in found), n, chance)


def test_taking_draws_in_a_block_gives_the_draws_one_at_a_time() -> None:
    """`take` hands out the very draws `next` would, across refills."""
    first, second = np.random.default_rng(5), np.random.default_rng(5)
    blocks = DrawStream(lambda n: first.normal(1.0, 2.0, n), batch=7, floor=0.0)
    single = DrawStream(lambda n: second.normal(1.0, 2.0, n), batch=7, floor=0.0)
    taken = blocks.take(3) + blocks.take(0) + blocks.take(12) + [blocks.next()]
    assert taken == [single.next() for _ in range(16)]


MOMENTS = """role guide "导购"
content post: poster "本周新品" { purpose advocacy }
segment vip = tag "VIP"
journey weekly {
  when every day at 10:00
  reentry always
  send post via moments
}
scenario s {
  start 2026-12-01
  horizon 10d
  population 400 {
    arrivals 0/day
    owner guide
    tag "VIP" 30%
  }
  staff guide 4 {
    capacity 500/day
    completion 100%
    delay fixed(0m)
    hours 09:00-21:00
  }
  channel moments { open 40%  click 10% }
  effect vip { open x1.5 }
  fatigue { above 3 per 7d: open x0.5 }
}
"""


def test_a_post_reaches_as_many_as_one_send_at_a_time_and_a_trace_keeps_each_delivery() -> None:
    """Delivered together, a moments post counts what one delivery at a time counts (nothing
    the responses do changes a send here), and a trace still sees every delivery."""
    program = program_of(MOMENTS, 'playbook "t" {\n  timezone "Asia/Shanghai"\n}\n')
    scenario, diagnostics = effective_scenario(program)
    assert diagnostics == []
    together = run_replication(program, scenario, 4)

    class OneAtATime(Replication):
        def _deliver_post(self, recipients, now, member):
            for index, send in recipients:
                customer = self.customers[index] or self._stock_customer(index)
                self._apply(index, customer,
                            self.interpreter.deliver(customer, send, now, staff=member))

    alone = OneAtATime(program, scenario, 4, None).run()
    assert together.delivered == alone.delivered > 3000
    assert together.sends == alone.sends
    step, other = together.journeys["weekly"].steps, alone.journeys["weekly"].steps
    assert {s: v.delivered for s, v in step.items()} == {s: v.delivered for s, v in other.items()}
    opened = sum(v.opened for v in step.values())
    assert abs(opened - sum(v.opened for v in other.values())) < 8 * opened ** 0.5
    trace = trace_replication(program, scenario, 4)
    assert trace.tally.delivered == together.delivered
    assert sum(e.kind == "send_delivered" for c in trace.customers.values()
               for e in c.effects) == together.delivered

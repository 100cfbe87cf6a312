"""One post's deliveries made together: a moments post or a customer group's post reaches all its
recipients at the moment its sender made it.

Each recipient's delivery is the interpreter's, as any send's is (quiet hours, limits, the
`delivered` event and what the journeys make of it). A recipient whose delivery did nothing
else (the usual case) is counted with the others in one addition, and the responses of all of
them are drawn in one go (`BehaviourSampler.respond_post`): most recipients of a post respond
with nothing and cost no call of their own. docs/simulation.md ("Random numbers") says which
draws a post's recipients use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sopdsl.runtime.customer import Customer
from sopdsl.runtime.effects import Effect, SendDelivered, SendRequested

if TYPE_CHECKING:
    from simulator.engine import Replication


class PostDeliveries:
    """The part of a replication (`simulator.engine.Replication`) that delivers posts."""

    def _deliver_post(self: Replication, recipients: Sequence[tuple[int, SendRequested]],
                      now: float, member: str) -> None:
        """Deliver one post done by `member` now to each (customer number, their send): the
        sends of one step, of one content."""
        plain: list[tuple[int, Customer, SendDelivered]] = []
        for index, send in recipients:
            customer = self.customers[index] or self._stock_customer(index)
            effects = self.interpreter.deliver(customer, send, now, staff=member)
            delivered = effects[0] if len(effects) == 1 else None
            if type(delivered) is SendDelivered:
                self._post_effects(index, customer, effects)
                plain.append((index, customer, delivered))
            else:
                self._apply(index, customer, effects)
        if not plain:
            return
        # What `_apply` does for each of them: count the delivery (whole numbers: the same sums
        # in one addition), draw the response, schedule the customer's next wake-up.
        sent = plain[0][2]
        self.counts.add_planned(self._plain_plan(sent), now, len(plain))
        for index, customer, _ in plain:
            self.wakes.schedule(index, customer)
        responses = self.behaviour.respond_post(
            [customer for _, customer, _ in plain], [index for index, _, _ in plain],
            sent.channel, sent.content, now)
        for position, response in responses:
            index, _, delivered = plain[position]
            self._responded(index, response, delivered)

    def _post_effects(self, index: int, customer: Customer, effects: list[Effect]) -> None:
        """A recipient's effects of a post counted with the others' (a trace keeps them)."""

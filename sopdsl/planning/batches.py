"""The staff actions of a plan: one `batch` task per mass send or moments post, listing the
customers it goes to, from the customer-level sends that name it.

Customers are planned one at a time, so a batch is known whole only when every customer has
been planned: only its first send and its customers' ids are kept until then.
"""

from __future__ import annotations

from collections.abc import Iterable

from sopdsl.builtins import GROUP_CHANNELS, channel_kind
from sopdsl.planning.build import clip_title
from sopdsl.planning.model import PlanTask


class PlanBatches:
    """Collects the sends of each batch as customers are planned."""

    def __init__(self) -> None:
        self._first: dict[str, PlanTask] = {}
        self._customers: dict[str, list[str]] = {}

    def add(self, tasks: Iterable[PlanTask]) -> None:
        """Note the batched sends among one customer's tasks."""
        for task in tasks:
            # A send via group names its group's post, which the plan lists on its own.
            if task.kind == "send" and task.batch is not None and task.customer is not None \
                    and task.channel not in GROUP_CHANNELS:
                self._first.setdefault(task.batch, task)
                self._customers.setdefault(task.batch, []).append(task.customer)

    def tasks(self) -> list[PlanTask]:
        """One task per batch, by due time, then key: the staff action for all its customers."""
        found = [_batch_task(first, self._customers[key]) for key, first in self._first.items()]
        return sorted(found, key=lambda task: (task.due.start, task.key))


def _batch_task(first: PlanTask, customers: list[str]) -> PlanTask:
    """The batch of `first` (one of its sends) for these customers."""
    reach = len(customers)
    kind = channel_kind(first.channel or "")
    title = f"{first.title} · {kind} to {reach} customer{'s' if reach != 1 else ''}"
    return first.model_copy(update={
        "key": first.batch, "kind": "batch", "customer": None, "customer_name": None,
        "entry": None, "round": 1, "title": clip_title(title), "customers": sorted(customers),
        "reach": reach})


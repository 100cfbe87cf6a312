"""What one push did: tasks per outcome and per operation, remote ids, time taken."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

ACCEPTED = "accepted"
REJECTED = "rejected"
ALREADY_PUSHED = "already pushed"
REJECTED_BEFORE = "rejected before"
HELD_BACK = "held back"
NOT_PUSHED = "not pushed"
WOULD_SEND = "would send"
OUTCOMES = (ACCEPTED, REJECTED, ALREADY_PUSHED, REJECTED_BEFORE, HELD_BACK, NOT_PUSHED,
            WOULD_SEND)
# Outcomes that leave work the target does not have: the push exits 1 and a re-run may help.
UNFINISHED = frozenset((REJECTED, REJECTED_BEFORE, HELD_BACK, NOT_PUSHED))


@dataclass
class PushReport:
    """Counts of one push (or dry run) of a plan to one destination."""

    target: str
    destination: str
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)  # outcome -> tasks
    by_operation: dict[str, Counter[str]] = field(default_factory=dict)  # operation -> outcomes
    requests: int = 0  # requests sent, retries included
    remote_ids: list[str] = field(default_factory=list)  # in the order the system gave them
    rejections: dict[str, str] = field(default_factory=dict)  # key -> reason, this push
    held_back: list[str] = field(default_factory=list)  # keys a crash left uncertain
    other_tasks: int = 0  # plan tasks this target does not carry
    stopped: str | None = None  # why the push stopped before the end
    elapsed: float = 0.0  # seconds

    def add(self, outcome: str, operation: str, tasks: int) -> None:
        """Count `tasks` tasks of `operation` under `outcome`."""
        self.counts[outcome] += tasks
        self.by_operation.setdefault(operation, Counter())[outcome] += tasks

    @property
    def complete(self) -> bool:
        """True when the target has every task it carries (or a dry run found nothing wrong)."""
        return self.stopped is None and not any(self.counts[o] for o in UNFINISHED)

    @property
    def throughput(self) -> float:
        """Tasks the target answered for per second (accepted or rejected)."""
        answered = self.counts[ACCEPTED] + self.counts[REJECTED]
        return answered / self.elapsed if self.elapsed > 0 else 0.0

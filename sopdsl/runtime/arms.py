"""Split arm choosers: a stable hash for planning, a seeded generator for simulation."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence

ArmChooser = Callable[[str, str, Sequence[float]], int]


def pick(u: float, shares: Sequence[float]) -> int:
    """The arm whose slice of [0, 1) holds `u`, slices sized by the shares' proportions."""
    total = sum(shares)
    running = 0.0
    for index, share in enumerate(shares):
        running += share / total
        if u < running:
            return index
    return len(shares) - 1


def stable_arm(customer_id: str, split: str, shares: Sequence[float]) -> int:
    """The same arm for the same customer and split, every run: sha256 of split and customer."""
    digest = hashlib.sha256(f"{split}\x1f{customer_id}".encode()).digest()
    return pick(int.from_bytes(digest[:8], "big") / 2**64, shares)


def seeded_arms(seed: int) -> ArmChooser:
    """A chooser drawing arms at random from its own generator, reproducible from `seed`."""
    rng = random.Random(seed)

    def choose(customer_id: str, split: str, shares: Sequence[float]) -> int:
        return pick(rng.random(), shares)

    return choose

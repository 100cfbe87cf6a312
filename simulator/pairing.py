"""Figures of two forecasts paired by replication seed (common random numbers): B - A per pair.

`compare` pairs two playbooks or scenarios, the lift pairs a forecast with its baseline; both
read the difference and its significance from here. A pair where either side is undefined (a
rate with nothing eligible) is left out; with no pair left the difference is undefined too.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.stats import defined_estimate, paired_difference

# Below this, two exact figures are the same number up to floating-point rounding.
EXACT_TOLERANCE = 1e-9


def check_paired(seeds_a: list[int], seeds_b: list[int]) -> None:
    """Raise ValueError unless both sides ran the same replication seeds."""
    if seeds_a != seeds_b:
        raise ValueError("both forecasts must use the same replication seeds")


def paired(a: Sequence[float | None], b: Sequence[float | None], exact: bool) -> dict:
    """`{"a", "b", "difference", "significant"}`: both sides' estimates, the mean of B - A over
    the pairs with its paired t 95% interval, and whether that interval excludes zero (None
    with one pair, which has no spread to judge by)."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not pairs:
        return {"a": defined_estimate(a), "b": defined_estimate(b), "difference": None,
                "significant": None}
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    difference = paired_difference(xs, ys)
    if exact:
        significant: bool | None = abs(difference.mean) > EXACT_TOLERANCE
    elif len(pairs) < 2:
        significant = None
    else:
        significant = difference.excludes_zero()
    return {"a": defined_estimate(a), "b": defined_estimate(b),
            "difference": difference.as_dict(), "significant": significant}

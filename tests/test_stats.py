"""Tests for the Student t quantile, mean intervals and paired difference intervals."""

from __future__ import annotations

import math

import pytest

from simulator.stats import Estimate, estimate, paired_difference, t_quantile

# t(0.975, df) from published tables (to the digits printed there).
T_TABLE = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 9: 2.2622, 10: 2.2281,
           19: 2.0930, 29: 2.0452, 30: 2.0423, 60: 2.0003, 120: 1.9799}


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE.items()))
def test_t_quantile_matches_the_table(df: int, expected: float) -> None:
    """The 97.5% t quantile agrees with the printed table to four decimals."""
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-5)


def test_t_quantile_closed_forms() -> None:
    """For 1 and 2 degrees of freedom the quantile has a closed form: tan and a square root."""
    p = 0.975
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-12)
    # df 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), so t = (2p - 1) sqrt(2 / (1 - (2p - 1)^2)).
    q = 2 * p - 1
    assert t_quantile(p, 2) == pytest.approx(q * math.sqrt(2 / (1 - q * q)), rel=1e-12)


def test_t_quantile_is_symmetric_and_tends_to_the_normal() -> None:
    """Lower quantiles mirror upper ones, the median is zero, and huge df give the normal 1.96."""
    assert t_quantile(0.025, 7) == pytest.approx(-t_quantile(0.975, 7), rel=1e-12)
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.975, 100_000) == pytest.approx(1.959964, abs=1e-4)


def test_estimate_of_three_values() -> None:
    """10, 12, 14: mean 12, sd 2, half width t(0.975, 2) * 2 / sqrt(3) = 4.96828."""
    result = estimate([10.0, 12.0, 14.0])
    assert result.mean == 12.0
    assert result.low == pytest.approx(12 - 4.968275, abs=1e-6)
    assert result.high == pytest.approx(12 + 4.968275, abs=1e-6)


def test_estimate_of_five_values() -> None:
    """1..5: mean 3, sd sqrt(2.5), half width 2.776445 * sqrt(2.5 / 5) = 1.963243."""
    result = estimate([5.0, 1.0, 4.0, 2.0, 3.0])
    assert result.mean == 3.0
    assert (result.low, result.high) == pytest.approx((3 - 1.963243, 3 + 1.963243), abs=1e-6)


def test_one_replication_gives_a_zero_width_interval() -> None:
    """A single value is its own mean and both ends of its interval."""
    assert estimate([7.5]) == Estimate(7.5, 7.5, 7.5)


def test_equal_values_give_a_zero_width_interval() -> None:
    """No spread, no uncertainty."""
    assert estimate([2.0, 2.0, 2.0, 2.0]) == Estimate(2.0, 2.0, 2.0)


def test_estimate_needs_a_value() -> None:
    """An empty sample has no mean."""
    with pytest.raises(ValueError):
        estimate([])


def test_paired_difference_by_hand() -> None:
    """b - a = 1, 2, 2, 3: mean 2, sd sqrt(2/3), half width 3.182446 * sqrt(2/3) / 2 = 1.299229."""
    result = paired_difference([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 7.0])
    assert result.mean == 2.0
    assert (result.low, result.high) == pytest.approx((2 - 1.299229, 2 + 1.299229), abs=1e-6)
    assert result.excludes_zero()


def test_pairing_removes_shared_noise() -> None:
    """When both sides move together, the paired interval is far narrower than unpaired ones."""
    a = [10.0, 20.0, 30.0, 40.0]
    b = [11.0, 21.5, 30.5, 41.0]
    paired = paired_difference(a, b)
    unpaired_half = (estimate(a).high - estimate(a).low) / 2
    assert paired.excludes_zero()
    assert (paired.high - paired.low) / 2 < unpaired_half / 10


def test_paired_difference_needs_pairs() -> None:
    """Samples of different lengths cannot be paired."""
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])


def test_as_dict_is_the_report_shape() -> None:
    """An estimate prints as `{"mean": x, "ci95": [lo, hi]}`, rounded to ten digits."""
    assert Estimate(1 / 3, 0.25, 0.5).as_dict() == {"mean": 0.3333333333, "ci95": [0.25, 0.5]}

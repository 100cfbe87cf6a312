"""Staff actions in the exact forecaster, against closed forms: the expected number of batches
is summed over senders and release moments (the chance a sender has anyone to send to), not
over customers."""

from __future__ import annotations

import math

import pytest

from simulator.exact import Refusal, forecast_exact
from tests.test_batches import forecast_of


def poisson_min(mean: float, cap: int) -> float:
    """E[min(K, cap)] for K ~ Poisson(mean)."""
    return sum(min(k, cap) * math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
               for k in range(200))


@pytest.mark.parametrize("senders,customers,share", [(3, 30, 0.3), (4, 10, 0.05), (5, 7, 1.0)])
def test_stock_batches_are_one_per_sender_with_anyone_selected(senders: int, customers: int,
                                                               share: float) -> None:
    """A tagged audience at one moments moment: sender r posts with chance 1 - (1 - p)^N_r,
    N_r its customers (round-robin); each selected customer is reached."""
    program, scenario = forecast_of(
        f'when every day at 10:00\n  audience tag "vip"\n  send post via CHANNEL',
        customers, senders, 1, "moments")
    people = scenario.population.model_copy(update={"tags": {"vip": share}})
    scenario = scenario.model_copy(update={"population": people})
    tally = forecast_exact(program, scenario)
    assert not isinstance(tally, Refusal), tally
    owned = [customers // senders + (r < customers % senders) for r in range(senders)]
    expected = sum(1 - (1 - share) ** n for n in owned)
    assert tally.staff["guide"].tasks == pytest.approx(expected, rel=1e-9)
    assert tally.journeys["j"].steps["j/1"].actions == pytest.approx(expected, rel=1e-9)
    assert tally.journeys["j"].steps["j/1"].sent == pytest.approx(customers * share, rel=1e-9)
    # Each batch is done with the staff's completion chance (100%) on the day.
    assert tally.staff["guide"].done == pytest.approx(expected, rel=1e-6)


def test_arrivals_batch_at_the_end_of_quiet_hours_and_alone_otherwise() -> None:
    """New friends' mass send a day after they arrive: a release in quiet hours (21:30-08:30)
    waits for 08:30 and joins that morning's batch of its sender; any other is a batch of its
    own. Round-robin gives a window's K arrivals to min(K, S) of the S senders, so each
    morning makes E[min(K, S)] batches, whatever the senders' turn."""
    rate, senders = 12.0, 4
    program, scenario = forecast_of("when friend_added\n  wait 1d\n  send post via CHANNEL",
                                    0, senders, 4, "private_chat")
    people = scenario.population.model_copy(update={"arrivals_per_day": rate})
    scenario = scenario.model_copy(update={"population": people})
    tally = forecast_exact(program, scenario)
    assert not isinstance(tally, Refusal), tally
    per_hour = rate / 24
    mornings = (poisson_min(per_hour * 8.5, senders)  # arrived 00:00-08:30 on day 1
                + 2 * poisson_min(per_hour * 11, senders))  # 21:30-08:30, days 1-2 and 2-3
    alone = 3 * per_hour * 13  # arrived 08:30-21:30 on days 1-3
    assert tally.staff["guide"].tasks == pytest.approx(mornings + alone, rel=1e-6)
    # Counting every customer as a batch, or thinning arrivals at random over the senders,
    # would give these instead.
    per_customer = per_hour * (8.5 + 2 * 11) + alone
    thinned = senders * (1 - math.exp(-per_hour * 8.5 / senders)) \
        + 2 * senders * (1 - math.exp(-per_hour * 11 / senders)) + alone
    assert abs(tally.staff["guide"].tasks - per_customer) > 1
    assert abs(tally.staff["guide"].tasks - thinned) > 0.3


def test_a_mass_send_timed_by_an_earlier_ones_confirmation_is_refused() -> None:
    """The customers of one batch share the moment it is confirmed: a later mass send timed
    from that moment would batch them again, which the method does not follow."""
    program, scenario = forecast_of(
        "when every day at 10:00\n  send post via CHANNEL\n"
        "  wait for delivered within 1d {\n    then {\n      wait 2h\n"
        "      send post via CHANNEL\n    }\n  }", 6, 2, 2, "private_chat")
    refusal = forecast_exact(program, scenario)
    assert isinstance(refusal, Refusal)
    assert "follows when an earlier one was confirmed" in str(refusal)


def test_a_handoff_with_mass_sends_is_refused() -> None:
    """Which member's batches a handed-off customer joins is not followed."""
    program, scenario = forecast_of("when every day at 10:00\n  send post via CHANNEL\n"
                                    "  handoff guide", 6, 2, 2, "moments")
    refusal = forecast_exact(program, scenario)
    assert isinstance(refusal, Refusal) and "handoff guide" in str(refusal)

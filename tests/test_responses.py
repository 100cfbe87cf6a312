"""The censored response estimator: closed forms it must meet."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sopdsl.calibration.responses import Responses, beta_of, fit_responses, share_interval


def test_sends_watched_to_the_end_give_the_plain_share():
    """Watched long past any delay, the chance is answered / sends and the delay's MLE."""
    rng = np.random.default_rng(1)
    tally = Responses()
    delays = rng.lognormal(np.log(90), 0.6, 300)
    for delay in delays:
        tally.answer(float(delay))
    for _ in range(700):
        tally.silence(10 ** 7, 10 ** 7)
    fit = fit_responses(tally)
    assert fit.fit.value("chance") == pytest.approx(0.3, rel=1e-4)
    assert fit.delay[0] == "lognormal"
    assert fit.delay[1] == pytest.approx(float(np.exp(np.mean(np.log(delays)))), rel=1e-3)
    assert fit.delay[2] == pytest.approx(float(np.std(np.log(delays))), rel=1e-3)


def test_exponential_delays_cut_at_a_window_have_the_closed_form_chance():
    """Exponential delays with mean m, all sends watched for c: the MLE of the chance and
    mean solve d = m - c e^(-c/m) / (1 - e^(-c/m)) (the truncated mean) and
    answered / sends = pi (1 - e^(-c/m)); check the fit against them."""
    rng = np.random.default_rng(2)
    watched, tally = 240.0, Responses()
    for _ in range(4000):
        if rng.random() < 0.4:
            delay = rng.exponential(120)
            if delay < watched:
                tally.answer(float(delay))
                continue
        tally.silence(watched, watched)
    fit = fit_responses(tally, ("exponential",))
    mean = fit.delay[1]
    mean_delay = tally.sum_delay / tally.answered
    cut = np.exp(-watched / mean)
    assert mean_delay == pytest.approx(mean - watched * cut / (1 - cut), rel=1e-4)
    assert fit.fit.value("chance") * (1 - cut) == pytest.approx(tally.answered / tally.sends,
                                                                rel=1e-4)


def test_clopper_pearson_and_beta_moments():
    """The share interval is Clopper-Pearson's; beta_of matches the mean and sd."""
    low, high = share_interval(7, 20)
    assert low == pytest.approx(stats.beta.ppf(0.025, 7, 14))
    assert high == pytest.approx(stats.beta.ppf(0.975, 8, 13))
    a, b = beta_of(0.3, 0.02)
    assert stats.beta.mean(a, b) == pytest.approx(0.3)
    assert stats.beta.std(a, b) == pytest.approx(0.02)
    assert beta_of(0.3, 0.5) is None

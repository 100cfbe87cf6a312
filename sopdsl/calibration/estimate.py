"""From tallies to figures: every estimator of `calibrate`, each on the data it needs."""

from __future__ import annotations

import math

import numpy as np

from sopdsl.builtins import CHANNELS, MINUTES_PER_DAY, PURPOSES
from sopdsl.calibration import bgnbd, gamma_gamma
from sopdsl.calibration.collect import AFTER_CLICK_WINDOW, Tallies
from sopdsl.calibration.figures import (
    MIN_ANSWERS, MIN_SAMPLE, Figure, covariance_figures, delay_figure, interval_note, kept,
    number, percent, positive_text, probability_text, shares_text,
)
from sopdsl.calibration.mle import Fit, ParameterEstimate
from sopdsl.calibration.responses import count_interval, fit_responses, share_interval
from sopdsl.scenario.defaults import CHANNEL_DEFAULTS, PURCHASE, PURPOSE_DEFAULTS
from sopdsl.scenario.model import Multipliers
from sopdsl.scenario.distributions import duration_text

PER_WEEK = "7d"
# The chances a purpose's multipliers are fitted for; `unfriend` answers any send, whatever
# its content, and purchases follow clicks, not sends.
MULTIPLIED = ("open", "click", "reply")
# A shape parameter past this describes a spread too small to see: the likelihood is flat.
EDGE = 1e4


def population(tallies: Tallies, arrivals_days: float) -> list[Figure]:
    """The stock, arrivals per day and the stock's shares of tags, stages and attributes."""
    block = ("population",)
    stock = tallies.stock
    figures = []
    if arrivals_days > 0:
        low, high = count_interval(tallies.arrivals)
        rate = tallies.arrivals / arrivals_days
        figures.append(Figure(block, "arrivals", f"{number(rate)}/day", rate,
                              low / arrivals_days, high / arrivals_days, None, tallies.arrivals,
                              interval_note(tallies.arrivals, f"friends added in "
                                            f"{number(arrivals_days)} days",
                                            low / arrivals_days, high / arrivals_days)))
    if stock < MIN_SAMPLE:
        return figures
    for tag, count in sorted(tallies.tags.items()):
        low, high = share_interval(count, stock)
        figures.append(Figure(block, f'tag "{tag}"', percent(count / stock), count / stock,
                              low, high, None, stock,
                              interval_note(stock, "customers", low, high, "percent")))
    if tallies.stages:
        text = shares_text(tallies.stages)
        figures.append(Figure(block, "stage", text, None, None, None, None, stock,
                              f"n = {stock:,} customers"))
    for name, counts in sorted(tallies.shares.items()):
        total = sum(counts.values())
        if total < MIN_SAMPLE:
            continue
        text = shares_text(counts)
        figures.append(Figure(block, f"attribute {name}:", text, None, None, None, None, total,
                              f"n = {total:,} customers with a value"))
    for name, (n, total, squares) in sorted(tallies.numbers.items()):
        if n < MIN_SAMPLE:
            continue
        mean = total / n
        sd = math.sqrt(max(squares / n - mean * mean, 0.0) * n / (n - 1))
        if sd > 0:
            figures.append(Figure(block, f"attribute {name}:",
                                  f"normal({number(mean)}, {number(sd)})", mean, None, None,
                                  sd / math.sqrt(n), n, f"n = {n:,} customers with a value"))
    return figures


def channels(tallies: Tallies, uncertain: bool) -> list[Figure]:
    """Each channel's open, click, reply and unfriend chances and its response delay."""
    figures = []
    for channel in CHANNELS:
        if (channel, "open") not in tallies.channels:
            continue
        block = (f"channel {channel}",)
        default = CHANNEL_DEFAULTS[channel]
        opens = tallies.channels[(channel, "open")]
        has_opens = opens.answered > 0
        chosen = {"open": (opens, "sends"),
                  "click": (tallies.responses(channel, "click_opened" if has_opens else "click"),
                            "opened sends" if has_opens else "sends"),
                  "reply": (tallies.responses(channel, "reply_opened" if has_opens else "reply"),
                            "opened sends" if has_opens else "sends"),
                  "unfriend": (tallies.responses(channel, "unfriend"), "sends")}
        delay = None
        for key, (tally, what) in chosen.items():
            if key != "open" and not has_opens and key != "unfriend":
                figures.append(Figure(block, key, percent(getattr(default, key)), None, None,
                                      None, None, tally.sends,
                                      "default: the data has no opens on this channel, and "
                                      f"{key} is a chance given open"))
                continue
            default_text = percent(getattr(default, key))
            if tally.sends < MIN_SAMPLE:
                figures.append(kept(block, key, default_text, tally.sends, what))
                continue
            fit = fit_responses(tally) if tally.answered >= MIN_ANSWERS else None
            if fit is None:
                figures.append(kept(block, key, default_text, tally.answered,
                                    f"answers of {tally.sends:,} {what}", MIN_ANSWERS))
                continue
            chance = fit.fit.estimates["chance"]
            extra = f"{tally.censored:,} cut short" if tally.censored else ""
            figures.append(Figure(block, key, probability_text(chance.value, chance.se,
                                                               uncertain),
                                  chance.value, chance.low, chance.high, chance.se, tally.sends,
                                  interval_note(tally.sends, what, chance.low, chance.high,
                                                "percent", extra)))
            if key == "open":
                delay = (fit, tally)
        figures.append(_delay(block, delay, default.delay))
    return figures


def purposes(tallies: Tallies, channel_figures: list[Figure]) -> list[Figure]:
    """Each content purpose's open, click and reply multipliers: on each channel with enough
    sends of the purpose, its fitted chance over the channel's, averaged over the channels
    weighted by the purpose's sends (the scenario's purpose multipliers span channels)."""
    fitted = {(f.block[0].removeprefix("channel "), f.key): f for f in channel_figures
              if f.value is not None and f.key in MULTIPLIED}
    figures = []
    for purpose in PURPOSES:
        if not any(key[1] == purpose for key in tallies.purposes):
            continue
        block = (f"purpose {purpose}",)
        default = PURPOSE_DEFAULTS.get(purpose, Multipliers())
        for key in MULTIPLIED:
            ratios, sends, answered = [], 0, 0
            for channel in CHANNELS:
                base = fitted.get((channel, key))
                if base is None:
                    continue
                # As the channel's own figure: click and reply are chances given open.
                tally = tallies.purposes.get((channel, purpose, key if key == "open"
                                              else f"{key}_opened"))
                if tally is None:
                    continue
                sends += tally.sends
                answered += tally.answered
                fit = (fit_responses(tally) if tally.sends >= MIN_SAMPLE
                       and tally.answered >= MIN_ANSWERS else None)
                if fit is not None:
                    chance = fit.fit.estimates["chance"]
                    ratios.append((tally.sends, chance.value / base.value,
                                   (chance.low or 0.0) / base.value,
                                   (chance.high or 1.0) / base.value))
            default_text = f"x{number(getattr(default, key))}"
            if not ratios:
                figures.append(kept(block, key, default_text, sends,
                                    f"sends of {purpose} content", MIN_SAMPLE)
                               if sends < MIN_SAMPLE else
                               kept(block, key, default_text, answered,
                                    f"answers of {sends:,} sends of {purpose} content",
                                    MIN_ANSWERS))
                continue
            counted = sum(n for n, *_ in ratios)
            value, low, high = (sum(n * r[i] for n, *r in ratios) / counted for i in range(3))
            figures.append(Figure(block, key, f"x{number(value)}", value, low, high, None,
                                  counted, interval_note(
                                      counted, f"sends of {purpose} content", low, high,
                                      extra=f"its fitted {key} over the channel's")))
        figures.append(Figure(block, "unfriend", f"x{number(default.unfriend)}", None, None,
                              None, None, 0, "default: not fitted per purpose"))
        figures.append(_purpose_purchase(tallies, purpose, default))
    return figures


def _purpose_purchase(tallies: Tallies, purpose: str, default: Multipliers) -> Figure:
    """A purpose's purchase multiplier: the after-click purchase chance of the clicks on its
    content's sends over that of every click (the scenario's `after_click`), so that chance
    times the multiplier is the purpose's."""
    block = (f"purpose {purpose}",)
    clicks = tallies.purpose_clicks[purpose]
    anyway = _anyway(_purchase_days(tallies))
    overall = (_excess(tallies.after_click.get("purchase", 0) / tallies.clicks, anyway)
               if tallies.clicks else 0.0)
    if clicks < MIN_SAMPLE or tallies.clicks < MIN_SAMPLE or overall <= 0:
        return kept(block, "purchase", f"x{number(default.purchase)}", clicks,
                    f"clicks on {purpose} content")
    followed = tallies.purpose_bought[purpose]
    value = _excess(followed / clicks, anyway) / overall
    low, high = (_excess(bound, anyway) / overall for bound in share_interval(followed, clicks))
    return Figure(block, "purchase", f"x{number(value)}", value, low, high, None, clicks,
                  interval_note(clicks, f"clicks on {purpose} content", low, high,
                                extra="its after-click purchase chance over every click's"))


def _delay(block: tuple[str, ...], found, default) -> Figure:
    if found is None:
        return kept(block, "delay", default.text(), 0, "answered sends", MIN_ANSWERS)
    fit, tally = found
    return delay_figure(block, fit, tally.answered, "answers")


def purchases(tallies: Tallies, uncertain: bool,
              profile: bool = True) -> tuple[list[Figure], Fit | None, Fit | None]:
    """The BG/NBD purchase process (its intervals by profile likelihood unless not `profile`),
    Gamma-Gamma values and the after-click chance."""
    figures = []
    block = ("purchase", "bgnbd")
    bought = tallies.purchases()
    buyers = len(bought.x)
    process = None
    if buyers >= MIN_SAMPLE and max(bought.x, default=0) > 0:
        process = bgnbd.fit(np.frombuffer(bought.x), np.frombuffer(bought.t_x),
                            np.frombuffer(bought.T), profile)
        figures.extend(_fitted(block, process, bgnbd.NAMES, buyers, "buyers", uncertain))
        figures.append(Figure(block, "per", PER_WEEK, None, None, None, None, buyers,
                              f"log-likelihood {process.loglik:.1f}"))
        figures.extend(_jointly(block, process, bgnbd.NAMES, buyers, uncertain))
    else:
        figures.append(kept(("purchase",), "daily", percent(PURCHASE.daily), buyers, "buyers"))
    spend = None
    repeaters = len(bought.repeat_x)
    block = ("purchase", "value gamma_gamma")
    if repeaters >= MIN_SAMPLE:
        spend = gamma_gamma.fit(np.frombuffer(bought.repeat_x),
                                np.frombuffer(bought.repeat_mean))
        figures.extend(_fitted(block, spend, gamma_gamma.NAMES, repeaters, "repeat buyers",
                               uncertain))
        figures.extend(_jointly(block, spend, gamma_gamma.NAMES, repeaters, uncertain))
    else:
        figures.append(_values(tallies, repeaters))
    figures.append(after_click(tallies, "purchase", ("purchase",), _purchase_days(tallies),
                               uncertain))
    return figures, process, spend


# The largest log-scale standard error (se over the estimate) a parameter is drawn with.
MAX_LOG_SE = 3.0


def _fitted(block: tuple[str, ...], fit: Fit, names: tuple[str, ...], count: int,
            counted: str, uncertain: bool) -> list[Figure]:
    """The figures of a fit's positive parameters, each with its sample and interval; with
    `uncertain`, a distribution over each the fit pins down unless all are drawn jointly."""
    figures = []
    joint = _joint(fit, names, uncertain)
    for name in names:
        estimate = fit.estimates[name]
        drawn = uncertain and _pinned(estimate) and not joint
        figures.append(Figure(block, name, positive_text(estimate.value, estimate.se, drawn),
                              estimate.value, estimate.low, estimate.high, estimate.se, count,
                              interval_note(count, counted, estimate.low, estimate.high,
                                            extra=_extra(estimate))))
    return figures


def _jointly(block: tuple[str, ...], fit: Fit, names: tuple[str, ...], count: int,
             uncertain: bool) -> list[Figure]:
    """The `log_covariance` rows that draw a fit's parameters together (none unless the fit
    pins every one down and `uncertain`): the estimates are correlated, and drawing each on its
    own makes combinations the data rules out (a Gamma-Gamma q near 1 with a large p)."""
    if not _joint(fit, names, uncertain):
        return []
    return covariance_figures((*block, "log_covariance"), names, fit.link_covariance, count)


def _joint(fit: Fit, names: tuple[str, ...], uncertain: bool) -> bool:
    return uncertain and fit.link_covariance is not None and all(
        _pinned(fit.estimates[name]) for name in names)


def _extra(estimate: ParameterEstimate) -> str:
    """The standard error, and a warning when the fit runs off to the edge of the parameter
    space: the data shows no spread in what the parameter describes, so it is not pinned."""
    if not _pinned(estimate):
        return "not pinned down: the data shows no spread here; written at its estimate"
    return f"se {number(estimate.se)}" if estimate.se else ""


def _pinned(estimate: ParameterEstimate) -> bool:
    """Whether the data pins a positive parameter down: inside the parameter space, with a
    finite interval no wider than a factor of e^(1.96 MAX_LOG_SE) either way. One that is not
    is written at its estimate, never as a distribution: draws over a flat likelihood are
    nonsense (a lognormal with sigma in the hundreds has no finite mean)."""
    if estimate.value > EDGE or estimate.high is None or not math.isfinite(estimate.high):
        return False
    return estimate.se is None or estimate.se / estimate.value <= MAX_LOG_SE


def _purchase_days(tallies: Tallies) -> float:
    """Latent purchases (after-click candidates left out) per customer-day observed: the
    rate purchases come at without a click."""
    exposure = tallies.exposure_days()
    bought = tallies.purchases()
    return (sum(bought.x) + len(bought.x)) / exposure if exposure > 0 else 0.0


def _values(tallies: Tallies, repeaters: int) -> Figure:
    n, total, squares = tallies.values
    if n < MIN_SAMPLE:
        return kept(("purchase",), "value", PURCHASE.value.text(), repeaters,
                    "repeat buyers")
    mean = total / n
    sigma = math.sqrt(max(squares / n - mean * mean, 1e-12))
    se = sigma / math.sqrt(n)
    return Figure(("purchase",), "value", f"lognormal({number(math.exp(mean))}, {number(sigma)})",
                  math.exp(mean), math.exp(mean - 1.96 * se), math.exp(mean + 1.96 * se), None, n,
                  interval_note(n, "purchases (too few repeat buyers for gamma_gamma)",
                                math.exp(mean - 1.96 * se), math.exp(mean + 1.96 * se),
                                extra="median"))


def after_click(tallies: Tallies, event: str, block: tuple[str, ...], daily_rate: float,
                uncertain: bool) -> Figure:
    """The chance that a click brings the event within the window, over what would have
    happened anyway at the event's daily rate."""
    within = f" within {duration_text(AFTER_CLICK_WINDOW)}"
    clicks = tallies.clicks
    if clicks < MIN_SAMPLE:
        return kept(block, "after_click", percent(PURCHASE.after_click) + within
                    if event == "purchase" else f"0%{within}", clicks, "clicks")
    followed = tallies.after_click.get(event, 0)
    anyway = _anyway(daily_rate)
    low, high = (_excess(bound, anyway) for bound in share_interval(followed, clicks))
    value = _excess(followed / clicks, anyway)
    se = math.sqrt(max(value * (1 - value), 1e-12) / clicks)
    return Figure(block, "after_click", probability_text(value, se, uncertain) + within, value,
                  low, high, se, clicks,
                  interval_note(clicks, "clicks", low, high, "percent",
                                f"{percent(anyway)} would follow anyway"))


def _anyway(daily_rate: float) -> float:
    """The chance the event happens in a click's window at its daily rate, click or not."""
    return -math.expm1(-daily_rate * AFTER_CLICK_WINDOW / MINUTES_PER_DAY)


def _excess(share: float, anyway: float) -> float:
    """The share of clicks followed by the event, beyond what would have happened anyway."""
    return min(max((share - anyway) / (1 - anyway), 0.0), 1.0)


def other_events(tallies: Tallies, uncertain: bool) -> list[Figure]:
    """Each other event's daily chance per customer and its after-click chance."""
    exposure = tallies.exposure_days()
    figures = []
    for event, count in sorted(tallies.events.items()):
        if exposure <= 0:
            break
        block = (event,)
        rate = count / exposure
        low, high = count_interval(count)
        figures.append(Figure(block, "daily", percent(-math.expm1(-rate)), rate,
                              low / exposure, high / exposure, None, count,
                              interval_note(count, f"events in {number(exposure)} "
                                            "customer-days", low / exposure, high / exposure,
                                            "percent")))
        if tallies.clicks >= MIN_SAMPLE:
            figures.append(after_click(tallies, event, block, rate, uncertain))
    return figures

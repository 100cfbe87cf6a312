"""A forecast's report: every figure of the tallies as a mean with its 95% interval.

Each tally is first turned into its figures (a nested dict of numbers in the report's
shape); the report then puts each figure's values over the replications into an estimate
`{"mean": x, "ci95": [lo, hi]}`. A figure a replication lacks (a goal nobody reached, a
step nobody ran) counts as zero there. Ratios (rates, AOV, ROI...) are computed per
replication and then averaged, so their intervals come from the same t rule as counts; a ratio
with nothing to divide by is undefined in that replication and left out, and `null` when it is
undefined in all of them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from simulator.notes import no_staff_note, unproduced_note
from sopdsl.builtins import GROUP_CHANNELS
from simulator.results import GoalTally, JourneyTally, StaffTally, Tally
from simulator.stats import defined_estimate, estimate

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast

GOAL_NOTE = ("goal rates count only entries whose goal window ended inside the horizon; "
             "later entries count in `reached` but not in the rate")
SPEND_NOTE = ("an arm's spend is its measured entries' purchases from the arm's choice to the "
              "end of the journey's longest goal window (to the horizon without goals)")
EXACT_SPEND_NOTE = "the exact forecaster does not forecast arms' spend (null)"
INTERVAL_NOTE = "every figure is the mean over replications with a Student t 95% interval"
EXACT_NOTE = "expected values computed without sampling: intervals have zero width"
GROSS_NOTE = ("KPIs are gross: they include what customers would have done without the playbook; "
              "the lift section holds what the playbook adds")
NO_BASELINE_NOTE = "no baseline was run, so there is no lift"
MEAN_VALUES_NOTE = ("values the scenario writes as distributions (and models drawn jointly by "
                    "their `log_covariance`) are taken at their means (the forecast at the "
                    "mean values, not the mean over them); Monte Carlo draws them once per "
                    "replication")


def quick_note(sample: float) -> str:
    """What a quick forecast's reader should know: what it simulated and what it cannot show."""
    return (f"a quick forecast: {sample:.1%} of the customers were simulated with staff scaled "
            f"alike, and counts are scaled back ×{1 / sample:,.1f}; rates are the sample's. How "
            "work queues at full scale (backlog, expiry, mass sends' reach) can differ: "
            "forecast without --quick for those")


STEP_FIELDS = ("reached", "sent", "delivered", "opened", "clicked", "actions")
# Group steps add the distinct groups their posts reached and customers they reached.
GROUP_STEP_FIELDS = ("groups", "customers")
STAFF_FIELDS = ("tasks", "done", "expired", "utilisation", "max_backlog", "on_time", "late",
                "missed", "abandoned", "sla_hit_rate")
TOTAL_FIELDS = ("customers", "arrivals", "sends", "delivered", "interactions", "purchases",
                "purchasers", "unfriends", "cost")


def build_report(forecast: Forecast) -> dict:
    """The report dict: journeys, funnel, kpis (gross), staff, totals, the lift over the
    baseline, the steps no run reached, the events never produced, and meta."""
    from simulator.lift import lift

    figures = [tally_figures(tally) for tally in forecast.tallies]
    report = aggregate(figures)
    for name, journey in forecast.tallies[0].journeys.items():
        for step_id, step in journey.steps.items():
            if step.channel is not None:
                report["journeys"][name]["steps"][step_id]["channel"] = step.channel
    report["lift"] = lift(forecast)
    report["unreached_steps"] = unreached_steps(forecast.tallies)
    report["unproduced_events"] = [{"event": event, "journeys": journeys}
                                   for event, journeys in forecast.unproduced.items()]
    report["meta"] = report_meta(forecast)
    return report


def unreached_steps(tallies: list[Tally]) -> list[dict]:
    """`{"journey", "step"}` of every step no run reached in any replication, in order."""
    return [{"journey": name, "step": step_id}
            for name, journey in tallies[0].journeys.items() for step_id in journey.steps
            if all(tally.journeys[name].steps[step_id].reached == 0 for tally in tallies)]


def report_json(report: dict) -> str:
    """A report (or a comparison) as the JSON text written to files and standard output."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def tally_figures(tally: Tally) -> dict:
    """One tally's figures, in the report's shape, as plain numbers."""
    return {
        "journeys": {name: _journey(journey) for name, journey in tally.journeys.items()},
        "funnel": dict(tally.funnel),
        "kpis": tally.kpis(),
        "staff": {role: _staff(staff) for role, staff in tally.staff.items()},
        "totals": {**{key: getattr(tally, key) for key in TOTAL_FIELDS},
                   "dropped": dict(tally.dropped)},
    }


def aggregate(figures: list[dict]) -> dict:
    """The figures of every replication as one dict of estimates: missing numbers count as 0,
    undefined ones (None: a rate with nothing eligible) are left out, and a figure undefined
    in every replication is None."""
    keys = list(dict.fromkeys(key for figure in figures for key in figure))
    merged: dict = {}
    for key in keys:
        values = [figure.get(key, 0.0) for figure in figures]
        if any(isinstance(value, dict) for value in values):
            merged[key] = aggregate([value or {} for value in values])
        else:
            merged[key] = defined_estimate(values)
    return merged


def _journey(journey: JourneyTally) -> dict:
    return {
        "entered": journey.entered,
        "completed": journey.completed,
        "exited": journey.exited,
        "goals": _goals(journey.goals),
        "steps": {step_id: {key: getattr(step, key) for key in _step_fields(step.channel)}
                  for step_id, step in journey.steps.items()},
        "arms": {split: {arm: {"entered": tally.entered, "goals": _goals(tally.goals),
                               "measured": tally.measured, "spend": tally.spend,
                               "spend_per_entry": tally.spend_per_entry}
                         for arm, tally in arms.items()}
                 for split, arms in journey.arms.items()},
    }


def _step_fields(channel: str | None) -> tuple[str, ...]:
    if channel in GROUP_CHANNELS:
        return STEP_FIELDS + GROUP_STEP_FIELDS
    return STEP_FIELDS


def _goals(goals: dict[str, GoalTally]) -> dict:
    return {name: {"reached": goal.reached, "eligible": goal.eligible, "rate": goal.rate}
            for name, goal in goals.items()}


def _staff(staff: StaffTally) -> dict:
    return {key: getattr(staff, key) for key in STAFF_FIELDS}


def report_meta(forecast: Forecast) -> dict:
    """What produced the forecast: method, playbook, replications, seed, scenario, customers."""
    from sopdsl.scenario.distributions import duration_text

    scenario = forecast.scenario
    exact = forecast.method == "exact"
    return {
        "method": forecast.method,
        "playbook": forecast.playbook,
        "replications": None if exact else len(forecast.tallies),
        "seed": forecast.seed,
        "scenario": scenario.name,
        "start": scenario.start.isoformat(),
        "horizon": duration_text(scenario.horizon_minutes),
        "horizon_minutes": scenario.horizon_minutes,
        "customers": estimate([tally.customers for tally in forecast.tallies]).as_dict(),
        "sample": forecast.sample,
        "baseline": forecast.baseline is not None,
        **({"real_base": forecast.real_base} if forecast.real_base is not None else {}),
        "notes": [GOAL_NOTE, *_spend_notes(forecast), EXACT_NOTE if exact else INTERVAL_NOTE,
                  *([MEAN_VALUES_NOTE] if exact and (scenario.drawn or scenario.drawn_jointly)
                    else []),
                  *([quick_note(forecast.sample)] if forecast.sample is not None else []),
                  GROSS_NOTE, _lift_note(forecast), *_real_base_note(forecast),
                  *_no_staff_notes(forecast),
                  *(unproduced_note(event, journeys)
                    for event, journeys in forecast.unproduced.items())],
    }


def _spend_notes(forecast: Forecast) -> list[str]:
    if not any(journey.arms for journey in forecast.tallies[0].journeys.values()):
        return []
    return [SPEND_NOTE, *([EXACT_SPEND_NOTE] if forecast.method == "exact" else [])]


def _real_base_note(forecast: Forecast) -> list[str]:
    real = forecast.real_base
    if real is None:
        return []
    return [f"started from {real['customers']:,} real customers as they were at "
            f"{real['start'].replace('T', ' ')}, their running journeys replayed from "
            f"{real['lookback_days']} days before; arrivals and staff from the scenario"]


def _no_staff_notes(forecast: Forecast) -> list[str]:
    nobody = estimate([tally.dropped.get("no_staff", 0.0) for tally in forecast.tallies]).mean
    return [no_staff_note(nobody)] if nobody > 0 else []


def _lift_note(forecast: Forecast) -> str:
    from simulator.lift import EXACT_NOTE as EXACT_LIFT_NOTE, NOTE as LIFT_NOTE

    if forecast.method == "exact":
        return EXACT_LIFT_NOTE
    return NO_BASELINE_NOTE if forecast.baseline is None else LIFT_NOTE


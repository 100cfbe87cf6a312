"""The lift of a forecast: what the playbook adds over the same customers without it.

Every Monte Carlo forecast also runs its baseline (`simulator.engine.switched_off`): each
replication again, from the same seed, with the playbook switched off. Both runs meet the same
customers, arrivals, daily chances and their draws (common random numbers), so replication
pairs differ only by what the playbook did. The increment of each figure is the mean of the
pairs' differences with its paired t 95% interval (`simulator.pairing`, as `compare` reads
two forecasts). The exact forecaster runs no baseline: its lift is Monte Carlo only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.pairing import check_paired, paired
from simulator.results import Tally, roi
from simulator.stats import defined_estimate

if TYPE_CHECKING:
    from simulator.montecarlo import Forecast

# The totals a lift compares, as the Tally names them.
LIFT_FIGURES = ("purchases", "purchasers", "gmv", "unfriends", "cost")
NOTE = ("lift: each figure with the playbook, without it (the baseline: the same customers and "
        "random draws, no journey running) and the increment between them, over replication "
        "pairs, with a paired t 95% interval; incremental ROI is the increment of GMV less the "
        "increment of cost, over the increment of cost")
EXACT_NOTE = ("no lift: the exact method runs no baseline; forecast with `--method montecarlo` "
              "for what the playbook adds over the same customers without it")


def lift(forecast: Forecast) -> dict | None:
    """The report's `lift` section; None when the forecast ran no baseline."""
    if forecast.baseline is None:
        return None
    check_paired([t.seed for t in forecast.tallies], [t.seed for t in forecast.baseline])
    pairs = list(zip(forecast.baseline, forecast.tallies, strict=True))
    found: dict = {name: _row([(getattr(a, name), getattr(b, name)) for a, b in pairs])
                   for name in LIFT_FIGURES}
    found["goal_events"] = {
        journey: {goal: _row([(_occurred(a, journey, goal), _occurred(b, journey, goal))
                              for a, b in pairs])
                  for goal in goals}
        for journey, goals in forecast.tallies[0].goal_events.items()}
    found["incremental_roi"] = defined_estimate([incremental_roi(a, b) for a, b in pairs])
    found["note"] = NOTE
    return found


def incremental_roi(baseline: Tally, playbook: Tally) -> float | None:
    """ROI of the increment: (GMV gained - cost added) / cost added; None when it adds no cost."""
    return roi(playbook.gmv - baseline.gmv, playbook.cost - baseline.cost)


def _occurred(tally: Tally, journey: str, goal: str) -> float:
    return tally.goal_events.get(journey, {}).get(goal, 0.0)


def _row(values: list[tuple[float | None, float | None]]) -> dict:
    """`{"playbook", "baseline", "increment", "significant"}` of one figure's pairs."""
    found = paired([a for a, _ in values], [b for _, b in values], exact=False)
    return {"playbook": found["b"], "baseline": found["a"], "increment": found["difference"],
            "significant": found["significant"]}

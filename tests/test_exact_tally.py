"""The arrival cohorts' copies summed over the horizon: the forecast of the playbooks with
daily arrivals against figures stored from an earlier version of the forecaster."""

from __future__ import annotations

import pytest

from programs import TEST_DATA
from simulator.exact import forecast_exact
from simulator.results import Tally
from sopdsl.api import load
from sopdsl.scenario.build import effective_scenario
from test_exact_vs_montecarlo import figures

# Every figure the exact-vs-Monte-Carlo test compares, the goals' reached and eligible runs,
# the purchases and the daily deliveries and purchases of the two playbooks with daily
# arrivals, as the forecaster computed them with one trajectory per arrival step of the day,
# each copied to every arrival day, before its transitions were reused and its counts
# gathered the faster ways. A faster way to follow the cohorts (or to count) is the same sum
# taken another way, so it must agree to rounding; a cohort weighed wrongly, shifted a step
# or cut at the wrong point of the horizon moves these by far more. The purchasers are the
# later version's, which counts a customer whose first purchase follows a delay (a response's,
# a click's window) when it comes, not at the step it became likely.
BEFORE = {'arrivals.sop': {'daily.delivered': [60.0,
                                      72.4714681333784,
                                      104.10438477763981,
                                      148.20039272184135,
                                      148.20039272184135,
                                      148.20039272184135,
                                      148.20039272184135,
                                      148.20039272184135],
                  'daily.purchases': [0.10779541816197367,
                                      0.34799252361451,
                                      0.6619133184881095,
                                      0.9347320808846186,
                                      1.1304399817278936,
                                      1.252508603026443,
                                      1.336633838639544,
                                      1.3967182484936564],
                  'delivered': 977.5778165202253,
                  'dropped.expired': 46.755588155825926,
                  'purchasers': 7.121132130225006,
                  'purchases': 7.168734013036748,
                  'rate welcome.engaged': 0.2936156049217881,
                  'sends': 1063.7649537390514,
                  'staff.guide.done': 27.561254469156523,
                  'staff.guide.expired': 4.5043919070728045,
                  'staff.guide.tasks': 34.99999987991788,
                  'welcome.engaged.eligible': 180.0,
                  'welcome.engaged.reached': 121.15963561261086,
                  'welcome/1.delivered': 480.0,
                  'welcome/3.actions': 34.99999987991788,
                  'welcome/3.delivered': 277.11286278113903,
                  'welcome/4.timeout/1.delivered': 220.46495373908573},
 'batches.sop': {'daily.delivered': [174.88137819655313,
                                     196.3695999379967,
                                     202.268507982055,
                                     202.2764184653278,
                                     223.85250930198657,
                                     224.52516645798352,
                                     224.5251664595791,
                                     224.525166456215],
                 'daily.purchases': [0.23312934019867818,
                                     0.35890631975251913,
                                     0.5291167403389794,
                                     0.6890371947038417,
                                     0.7847403177201127,
                                     0.8743688036577524,
                                     0.9562988248050877,
                                     1.0254235380908363],
                 'daily_post/1.actions': 32.0,
                 'daily_post/1.delivered': 1358.10912032859,
                 'daily_tip/1.actions': 27.84365460347317,
                 'daily_tip/1.delivered': 54.20730430035847,
                 'delivered': 1673.2239132576983,
                 'dropped.expired': 256.61644634215486,
                 'dropped.staff_daily_limit': 0.16487104065810468,
                 'purchasers': 5.411373227991595,
                 'purchases': 5.4510210792678055,
                 'rate welcome.engaged': 0.12749991627506324,
                 'sends': 1978.7000099516101,
                 'staff.guide.done': 249.4796322815376,
                 'staff.guide.expired': 36.732369428159934,
                 'staff.guide.tasks': 297.5369053607342,
                 'welcome.engaged.eligible': 89.99999999999997,
                 'welcome.engaged.reached': 25.790744698644414,
                 'welcome/2.actions': 132.99324072195265,
                 'welcome/2.delivered': 172.58515378088927,
                 'welcome/4.actions': 104.70001003530832,
                 'welcome/4.delivered': 88.32233484786042}}


def _figures(tally: Tally) -> dict:
    found: dict = dict(figures(tally))
    found["purchases"], found["purchasers"] = tally.purchases, tally.purchasers
    for name, journey in tally.journeys.items():
        for goal, figure in journey.goals.items():
            found[f"{name}.{goal}.reached"] = figure.reached
            found[f"{name}.{goal}.eligible"] = figure.eligible
    found["daily.delivered"] = tally.daily.delivered
    found["daily.purchases"] = tally.daily.purchases
    return found


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_arrival_cohorts_forecast_as_stored(name: str) -> None:
    """Every stored figure agrees to 1e-9 relative, and no figure appears or disappears."""
    program = load(TEST_DATA / "exact" / name)
    scenario, _ = effective_scenario(program)
    tally = forecast_exact(program, scenario)
    assert isinstance(tally, Tally), tally
    found = _figures(tally)
    assert set(found) == set(BEFORE[name])
    for path, value in BEFORE[name].items():
        assert found[path] == pytest.approx(value, rel=1e-9, abs=1e-9), path

"""Forecasts of a loaded playbook: Monte Carlo replications, the exact method, reports, comparisons.

    program = sopdsl.load("playbooks/onboarding.sop")
    scenario, _ = effective_scenario(program, "baseline")
    forecast = simulator.simulate(program, scenario, replications=20)
    report = simulator.build_report(forecast)
"""

from simulator.compare import compare, render_comparison
from simulator.montecarlo import Forecast, Refused, SchedulerError, forecast_exactly, simulate
from simulator.report import build_report
from simulator.report_text import render_report
from sopdsl.scenario.build import effective_scenario

__all__ = (
    "Forecast", "Refused", "SchedulerError", "build_report", "compare", "effective_scenario",
    "forecast_exactly", "render_comparison", "render_report", "simulate",
)

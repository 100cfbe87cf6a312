"""Forecasts of a loaded playbook: Monte Carlo replications, the exact method, reports, comparisons.

    program = sopdsl.load("playbooks/onboarding.sop")
    scenario, _ = simulator.effective_scenario(program, "baseline")
    forecast = simulator.forecast(program, scenario.overridden(replications=20))
    report = simulator.build_report(forecast)
    simulator.write_outputs("out", forecast, report)   # report.json, daily.csv, charts
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.backtest import backtest
    from simulator.compare import compare, render_comparison
    from simulator.real_base import read_base
    from simulator.montecarlo import Forecast, Refused, forecast, forecast_exactly, simulate
    from simulator.outputs import WrittenOutputs, write_outputs
    from simulator.report import build_report, report_json
    from simulator.report_text import render_report
    from sopdsl.executors import SchedulerError
    from sopdsl.scenario.build import effective_scenario

# The forecasting methods; here, with nothing imported, so the command line names them cheaply.
METHODS = ("montecarlo", "exact")
# Imported on first use, so `import simulator` costs nothing until a forecast is asked for.
_HOMES = {
    "backtest": "simulator.backtest", "read_base": "simulator.real_base",
    "compare": "simulator.compare", "render_comparison": "simulator.compare",
    "Forecast": "simulator.montecarlo",
    "Refused": "simulator.montecarlo", "SchedulerError": "sopdsl.executors",
    "forecast": "simulator.montecarlo", "forecast_exactly": "simulator.montecarlo",
    "simulate": "simulator.montecarlo",
    "WrittenOutputs": "simulator.outputs", "write_outputs": "simulator.outputs",
    "build_report": "simulator.report", "report_json": "simulator.report",
    "render_report": "simulator.report_text",
    "effective_scenario": "sopdsl.scenario.build",
}
__all__ = (
    "METHODS", "Forecast", "Refused", "SchedulerError", "WrittenOutputs", "backtest",
    "build_report", "compare", "effective_scenario", "forecast", "forecast_exactly",
    "read_base", "render_comparison", "render_report", "report_json", "simulate",
    "write_outputs",
)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)

"""sopdsl: write private-domain operation SOPs as playbooks; check, lint, format, simulate, plan."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sopdsl.errors import SopdslError

if TYPE_CHECKING:
    from sopdsl.api import CheckReport, check, check_paths, load, load_text
    from sopdsl.calibration.calibrate import Calibration, calibrate
    from sopdsl.checker.program import Program
    from sopdsl.diagnostics import Diagnostic
    from sopdsl.planning.plans import PlanResult, plan, write_plan

__all__ = ("Calibration", "CheckReport", "Diagnostic", "PlanResult", "Program", "SopdslError",
           "calibrate", "check", "check_paths", "load", "load_text", "plan", "write_plan")

# Imported on first use, so `sopdsl --help` does not pay for Lark and pydantic.
_HOMES = {
    "Calibration": "sopdsl.calibration.calibrate",
    "calibrate": "sopdsl.calibration.calibrate",
    "CheckReport": "sopdsl.api",
    "check": "sopdsl.api",
    "check_paths": "sopdsl.api",
    "load": "sopdsl.api",
    "load_text": "sopdsl.api",
    "Diagnostic": "sopdsl.diagnostics",
    "Program": "sopdsl.checker.program",
    "PlanResult": "sopdsl.planning.plans",
    "plan": "sopdsl.planning.plans",
    "write_plan": "sopdsl.planning.plans",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sopdsl' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)

"""The largest simulation sopdsl runs, checked before any work (docs/simulation.md, "Limits").

Past these a forecast would take days or more memory than a machine has, and the value is
almost always a typing slip (`replications 1000000000`). The same check serves scenario
blocks (diagnostics on the value) and the command line's overrides (an input error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sopdsl.scenario.model import Scenario

MAX_REPLICATIONS = 10_000
MAX_HORIZON_DAYS = 3_660  # ten years
# Every replication keeps its daily series until the report: replications x days of them.
MAX_SIMULATED_DAYS = 1_000_000
MAX_CUSTOMERS = 5_000_000  # the stock plus the arrivals over the horizon
MAX_STAFF = 100_000  # members of one role
MAX_WORKERS = 256
# A scenario's numbers are floats: every seed up to 2^53 - 1 is read exactly as written.
MAX_SEED = 2**53 - 1
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class SizeProblem:
    """One bound a scenario passes: which value (`replications`, `horizon`, `seed`,
    `population`, `customers`, `simulated_days`, or `staff` with the role), and why."""

    what: str
    message: str
    hint: str
    role: str | None = None


def size_problems(scenario: Scenario) -> list[SizeProblem]:
    """Every bound the scenario (with any command-line overrides applied) passes."""
    days = scenario.horizon_minutes / MINUTES_PER_DAY
    population = scenario.population
    customers = population.size + population.arrivals_per_day * days
    problems = []
    if scenario.replications > MAX_REPLICATIONS:
        problems.append(SizeProblem(
            "replications", f"{scenario.replications:,} replications are more than the "
            f"{MAX_REPLICATIONS:,} sopdsl runs", "20 give stable averages; 100 narrow intervals"))
    if days > MAX_HORIZON_DAYS:
        problems.append(SizeProblem(
            "horizon", f"a horizon of {days:,.0f} days is longer than the {MAX_HORIZON_DAYS:,} "
            "days sopdsl simulates", "forecast a quarter or a year, such as `horizon 90d`"))
    elif scenario.replications <= MAX_REPLICATIONS and (
            scenario.replications * days > MAX_SIMULATED_DAYS):
        problems.append(SizeProblem(
            "simulated_days", f"{scenario.replications:,} replications of {days:,.0f} days are "
            f"{scenario.replications * days:,.0f} simulated days, more than the "
            f"{MAX_SIMULATED_DAYS:,} sopdsl keeps", "run fewer replications or a shorter horizon"))
    if population.size > MAX_CUSTOMERS:
        problems.append(SizeProblem(
            "population", f"a population of {population.size:,} customers is more than the "
            f"{MAX_CUSTOMERS:,} sopdsl simulates", "simulate a sample, such as `population "
            "100000`: rates and shares do not depend on the size"))
    elif customers > MAX_CUSTOMERS:
        problems.append(SizeProblem(
            "customers", f"{population.size:,} customers and {population.arrivals_per_day:,.0f} "
            f"arrivals a day for {days:,.0f} days are {customers:,.0f} customers, more than the "
            f"{MAX_CUSTOMERS:,} sopdsl simulates", "simulate a sample with fewer arrivals a day"))
    if scenario.seed > MAX_SEED:
        problems.append(SizeProblem("seed", f"the seed is larger than {MAX_SEED:,} (2^53 - 1)",
                                 "any whole number from 0 to 2^53 - 1 will do, such as 42"))
    for role, staff in scenario.staff.items():
        if staff.count > MAX_STAFF:
            problems.append(SizeProblem(
                "staff", f"{staff.count:,} members of `{role}` are more than the {MAX_STAFF:,} "
                "sopdsl simulates in one role", "give the team's real size", role))
    return problems

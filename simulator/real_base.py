"""Real customers as a simulation's stock: each one's profile and events as at the start, and
what their own history tells of their behaviour.

The customers and events files are the planner's (sorted by customer id, read side by side one
customer at a time, `sopdsl.histories`). The engine follows each customer from the lookback
through the journeys as the planner does (`sopdsl.runtime.replay.follow_customer`), and draws
their latent behaviour given their `Evidence` (`simulator.latent.draw_posterior`). Arrivals and
staff come from the scenario; with a staff file, a role's members are the file's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.checker.program import Program
from sopdsl.customers_io import EventRecord, Moments, Roster, customer_of, read_staff
from sopdsl.data_rows import DataProblems
from sopdsl.diagnostics import Diagnostic
from sopdsl.event_blocks import BlockRows
from sopdsl.histories import HeldProblems, as_pairs, convert_records, data_files, follow
from sopdsl.planning.planner import DEFAULT_LOOKBACK_DAYS
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData
from sopdsl.scenario.model import Scenario
from sopdsl.scenario.uncertainty import GeneratorFor
from simulator.base_evidence import EvidenceReader
from simulator.base_store import HeldCustomers
from simulator.latent import draw_posterior
from simulator.population import (
    Column, History, Population, Profiles, arrival_profiles, lunar_attributes,
)

# A record of an event at or after the start: (customer number, the record); the number is
# -1 for a customer added as a friend after the start (an arrival, not in the base).
Later = Callable[[int, EventRecord], None]


@dataclass
class RealBase:
    """The customers at the start (minute 0 is `start`), their events before it, and the
    evidence of their behaviour; `roster` holds the staff file's members."""

    start: dt.datetime
    held: HeldCustomers
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    evidence: Evidence | None = None
    roster: Roster = field(default_factory=Roster)
    timed: bool = False  # some purchase has a time of day: the data is not by day

    @property
    def size(self) -> int:
        """How many customers it holds."""
        return self.held.size

    def customers(self) -> Iterator[tuple[CustomerData, list[Event]]]:
        """Each customer and their events before the start, decoded a block at a time."""
        return iter(self.held)

    def events_of(self, index: int) -> list[Event]:
        """One customer's events before the start."""
        return self.held.events(index)


def read_base(program: Program, customers: str | Path, events: str | Path | None = None,
              staff: str | Path | None = None, *, start: dt.datetime,
              lookback_days: int = DEFAULT_LOOKBACK_DAYS,
              later: Later | None = None) -> tuple[RealBase | None, list[Diagnostic]]:
    """The real base at `start` (the playbook's time zone) from the data files; None when they
    could not be read to the end. Events at or after the start are `E610`, or go to `later`
    (a back-test's actual outcome) when it is given: then a customer with no event before the
    start who is added as a friend after it is an arrival, not in the base."""
    problems = DataProblems()
    base = RealBase(start, HeldCustomers(tuple(program.attributes)), lookback_days)
    if staff is not None:
        base.roster = read_staff(Path(staff), program, problems)
        if problems.fatal:
            return None, problems.finish()
    clock = Clock(start, program.settings.timezone)
    moments = Moments(clock)
    customers_path, events_path = Path(customers), Path(events) if events else None
    files = data_files(customers_path, events_path)
    evidence = EvidenceReader(program, start.hour * 60 + start.minute + start.second / 60)
    held = HeldProblems()
    for rows in follow(customers_path, events_path, program, held, moments, whole=True):
        problems.add(rows.reports)
        if rows.converted and (later is not None or not _any_after(rows.events)):
            # Rows of plain blocks, with none to report: held as their blocks' columns.
            data = customer_of(files.customers, rows.line, rows.row, program, problems)
            if later is not None and _any_after(rows.events):
                records = [record for _, record in as_pairs(rows).events]
                if _later(base, later, records):
                    continue
            base.held.add_rows(data, rows.events)
            evidence.add(rows.events)
            continue
        data, records = convert_records(as_pairs(rows), program, moments, files, problems,
                                        later=later is not None, command="simulate")
        if later is not None and _later(base, later, records):
            continue
        before = [record for record in records if record.event.time < 0]
        base.held.add(data, [record.event for record in before])
        evidence.add(before)
    problems.add(held.take())
    problems.fatal = problems.fatal or held.fatal
    if problems.fatal:
        return None, problems.finish()
    base.held.finish()
    base.evidence = evidence.evidence()
    base.timed = evidence.timed
    return base, problems.finish()


def _any_after(pieces: list[BlockRows]) -> bool:
    """Whether some of the rows are at or after the start."""
    return any(piece.block.latest >= 0 and piece.block.times[piece.start:piece.end].max() >= 0
               for piece in pieces)


def _later(base: RealBase, later: Later, records: list[EventRecord]) -> bool:
    """Hand the records at or after the start to `later`; whether the customer is an arrival
    (no event before the start, added as a friend after it), not in the base."""
    arrival = (all(record.event.time >= 0 for record in records)
               and any(record.event.name == "friend_added" for record in records))
    number = -1 if arrival else base.size
    for record in records:
        if record.event.time >= 0:
            later(number, record)
    return arrival


def lookback_minutes(base: RealBase) -> float:
    """How far before the start customers are followed through the journeys."""
    return base.lookback_days * MINUTES_PER_DAY


def base_population(program: Program, scenario: Scenario, base: RealBase, members: list[str],
                    rng: np.random.Generator, generator_for: GeneratorFor) -> Population:
    """The real base as the stock and the scenario's arrivals after it, with each customer's
    own draws given their evidence (`draw_posterior`)."""
    people = scenario.population
    horizon = scenario.horizon_minutes
    arrivals = int(rng.poisson(people.arrivals_per_day * horizon / MINUTES_PER_DAY))
    times = np.sort(rng.uniform(0, horizon, arrivals))
    first_stage = program.settings.stages[0]
    later = arrival_profiles(scenario, arrivals, first_stage, members, base.size, rng,
                             lunar_attributes(program))
    held = base.held
    stages = [held.stages[index] or first_stage for index in range(base.size)]
    stock = Profiles(base.size, {}, {}, Column(np.arange(base.size), stages),
                     [held.owners[index] for index in range(base.size)])
    assert base.evidence is not None
    latent = draw_posterior(scenario, base.evidence, base.size + arrivals, generator_for)
    return Population(stock, History({}, {}, np.empty(0), {}), times, later, latent)


def frequency_segments(x: np.ndarray, top: int = 7) -> list[str]:
    """Each customer's segment by repeat purchases before the start: "0" to "`top`+"."""
    return [f"{top}+" if v >= top else str(int(v)) for v in x]


def staff_of(roster: Roster, program: Program) -> dict[str, list[str]]:
    """The staff file's members of each of the playbook's roles, by id (a member with two
    roles serves the first in the file's order)."""
    found: dict[str, list[str]] = {}
    for member in sorted(roster.members.values(), key=lambda m: m.id):
        role = next((r for r in member.roles if r in program.roles), None)
        if role is not None:
            found.setdefault(role, []).append(member.id)
    return found

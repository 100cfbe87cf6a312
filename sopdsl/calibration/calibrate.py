"""`calibrate`: a scenario fitted to customers and events before a cut-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sopdsl.builtins import MINUTES_PER_DAY
from sopdsl.calibration import estimate
from sopdsl.calibration.collect import collect
from sopdsl.calibration.figures import Figure
from sopdsl.calibration.mle import Fit
from sopdsl.calibration.recorded import with_recorded
from sopdsl.checker.program import Program
from sopdsl.checker.program import collect as collect_program
from sopdsl.calibration.staff import staff_figures, tally_tasks
from sopdsl.customers_io import (
    EventRecord, Moments, Roster, customer_of, read_staff, read_tasks, row_customer,
)
from sopdsl.event_blocks import BlockRows
from sopdsl.histories import HeldProblems, as_pairs, convert_records, data_files, follow
from sopdsl.runtime.replay import CustomerData
from sopdsl.data_rows import DataProblems
from sopdsl.diagnostics import Diagnostic
from sopdsl.runtime.clock import Clock
from sopdsl.sent import RecordedSend
from sopdsl.syntax.files import display_path
from sopdsl.syntax.loader import Loader


@dataclass
class Calibration:
    """The fitted figures in scenario order, the likelihood fits behind them, and the data
    problems met (`complete` is False when the data could not be read to the end)."""

    name: str
    until: dt.datetime
    uncertainty: bool
    customers: int = 0
    stock: int = 0
    figures: list[Figure] = field(default_factory=list)
    fits: dict[str, Fit] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    complete: bool = True

    def summary(self) -> str:
        """One line saying what the scenario was fitted to."""
        return (f"fitted by sopdsl calibrate to {self.customers:,} customers' data before "
                f"{self.until.isoformat(sep=' ', timespec='minutes')}")

    def figure(self, block: tuple[str, ...], key: str) -> Figure | None:
        """The figure written at `key` in `block`, None when there is none."""
        return next((f for f in self.figures if f.block == block and f.key == key), None)


def calibrate(customers: str | Path, events: str | Path | None = None, *, until: dt.datetime,
              staff: str | Path | None = None, tasks: str | Path | None = None,
              program: Program | None = None, name: str = "fitted", uncertainty: bool = True,
              progress: Callable[[int], None] | None = None,
              recorded: Mapping[str, Sequence[RecordedSend]] | None = None,
              profile: bool = True) -> Calibration:
    """Fit a scenario to the customers and events before `until` (the playbook's time zone
    when it has no offset); problems in the data are diagnostics, never exceptions.

    `staff` (members and roles) and `tasks` (their task log) give the staff figures.
    `program` names the attributes, stages, events and roles the data may hold (default: the
    built-in ones); `uncertainty` writes each fitted parameter as a distribution over its
    value; `progress` is called with the number of customers read since it was last called.
    `recorded` holds, by customer, sends a push ledger recorded: those the events lack count
    as `delivered` rows. Without `profile` the BG/NBD intervals are Wald's instead of the
    profile likelihood's: a caller that reads only estimates and standard errors (a back-test)
    saves most of the fit's time.
    """
    program = program or builtin_program()
    customers, events = Path(customers), Path(events) if events else None
    problems = DataProblems()
    clock = Clock(until, program.settings.timezone)
    result = Calibration(name, until, uncertainty)
    files = data_files(customers, events)
    reading = HeldProblems()
    tallies = collect(_histories(customers, events, program, clock, problems, recorded or {},
                                 reading),
                      program, problems, files.events,
                      until.hour * 60 + until.minute + until.second / 60, progress, reading)
    roster = read_staff(Path(staff), program, problems) if staff else Roster()
    roles = (tally_tasks(read_tasks(Path(tasks), clock, problems), roster, problems,
                         display_path(Path(tasks))) if tasks and not problems.fatal else {})
    result.diagnostics = problems.finish()
    if problems.fatal:
        result.complete = False
        return result
    result.customers, result.stock = tallies.customers, tallies.stock
    # Arrivals are counted from the first one: earlier data may predate the friend export.
    days = -tallies.first_arrival / MINUTES_PER_DAY
    result.figures.extend(estimate.population(tallies, days))
    channels = estimate.channels(tallies, uncertainty)
    result.figures.extend(channels)
    result.figures.extend(estimate.purposes(tallies, channels))
    bought, process, spend = estimate.purchases(tallies, uncertainty, profile)
    result.figures.extend(bought)
    result.figures.extend(estimate.other_events(tallies, uncertainty))
    result.figures.extend(staff_figures(roles, roster, uncertainty))
    if process is not None:
        result.fits["bgnbd"] = process
    if spend is not None:
        result.fits["gamma_gamma"] = spend
    return result


def _histories(customers: Path, events: Path | None, program: Program, clock: Clock,
               problems: DataProblems, recorded: Mapping[str, Sequence[RecordedSend]],
               reading: HeldProblems
               ) -> Iterator[tuple[CustomerData, list[EventRecord] | list[BlockRows]]]:
    """Each customer with their event rows, those at or after the cut-off included, and the
    recorded sends they lack: rows of plain blocks left in their blocks when nothing is to be
    added; problems into `reading` in reading order, `problems.fatal` when the files could not
    be read to the end."""
    held = HeldProblems()
    files = data_files(customers, events)
    moments = Moments(clock)
    for rows in follow(customers, events, program, held, moments, whole=True):
        reading.add(rows.reports)
        sends = recorded.get(row_customer(rows.row), ())
        if rows.converted and not sends:
            yield customer_of(files.customers, rows.line, rows.row, program, reading), rows.events
            continue
        customer, records = convert_records(as_pairs(rows), program, moments, files, reading,
                                            later=True)
        yield customer, with_recorded(records, sends, moments)
    reading.add(held.take())
    problems.fatal = problems.fatal or held.fatal


def builtin_program() -> Program:
    """A playbook that declares nothing: built-in events, attributes and stages only."""
    loader = Loader()
    return collect_program(loader.load(loader.add_text('playbook "built-in" { }',
                                                       Path("built-in.sop"))))

"""Plans of real customers: as a value (`plan`), or written while they are made (`stream_plan`),
as JSON, CSV for CRM task imports or iCalendar (`write_plan`).

A plan written to a file replaces it in one step, and only once the plan is complete: data
that cannot be read to the end leaves the file as it was. For `ics`, a path is a folder of
one calendar file per assignee, replaced as a whole; it must be new or hold only calendars,
which is checked before planning starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sopdsl.atomic import atomic_folder, atomic_output, check_folder, write_text
from sopdsl.checker.program import Program
from sopdsl.codes import Severity
from sopdsl.diagnostics import Diagnostic
from sopdsl.errors import SopdslError
from sopdsl.planning import CSV_STYLES, PLAN_FORMATS
from sopdsl.planning.csv_file import PlanCsvWriter
from sopdsl.planning.ics import PlanCalendars, file_name
from sopdsl.planning.model import Plan, PlanPlaybook, PlanSummary, PlanTask, PlanWindow, PlanWriter
from sopdsl.planning.planner import (
    DEFAULT_LOOKBACK_DAYS, PlanInputs, Planner, PlanSettings, PlanSink, plan_files,
)

Destination = IO[str] | Path


@dataclass
class PlanResult:
    """A plan, None when the data could not be read to the end, and the data's problems
    (rows left out of the plan, or why it stopped)."""

    plan: Plan | None
    problems: list[Diagnostic]


def plan(program: Program, customers: str | Path, events: str | Path | None = None,
         staff: str | Path | None = None, *, start: dt.datetime | dt.date, days: int,
         lookback_days: int = DEFAULT_LOOKBACK_DAYS,
         staff_hours: tuple[int, int] | None = None, workers: int = 1,
         scheduler: str | None = None) -> PlanResult:
    """The work `program` asks for the customers in the data files, from `start` (the
    playbook's time zone) for `days` days; staff hours in minutes of the day. `workers`
    processes or the Dask cluster at `scheduler` plan customers in parallel (the same plan).
    A playbook with errors is not planned: its errors are the problems."""
    if not program.ok:
        return PlanResult(None, [d for d in program.diagnostics if d.severity is Severity.ERROR])
    if not isinstance(start, dt.datetime):
        start = dt.datetime.combine(start, dt.time())
    settings = PlanSettings(start, days, lookback_days)
    if staff_hours is not None:
        settings = dataclasses.replace(settings, staff_hours=staff_hours)
    inputs = PlanInputs(Path(customers), _path(events), _path(staff))
    collected = _Collected()
    summary, problems = plan_files(program, inputs, settings, collected.open,
                                   workers=workers, scheduler=scheduler)
    return PlanResult(None if summary is None else collected.plan(summary), problems)


def write_plan(plan: Plan, fmt: str, out: Destination, csv_style: str = "hubspot") -> None:
    """Write a plan as `json` (the whole plan), `csv` (staff tasks in `csv_style` CRM columns)
    or `ics` (staff to-dos, one calendar per assignee) to a text stream or a path."""
    with _output(fmt, out, csv_style) as output:
        sink = output.open(plan.playbook, plan.window)
        sink.write(plan.tasks)
        sink.close(plan.summary)
        output.finish()


def stream_plan(program: Program, inputs: PlanInputs, settings: PlanSettings, fmt: str,
                out: Destination, csv_style: str = "hubspot", *, workers: int = 1,
                scheduler: str | None = None) -> tuple[PlanSummary | None, list[Diagnostic]]:
    """Plan the data files into `out` as each customer is planned, so memory stays flat;
    `workers` or a Dask `scheduler` plan customers in parallel (see `plan`).

    The summary is None when the data could not be read to the end; the problems say why.
    """
    try:
        with _output(fmt, out, csv_style) as output:
            summary, problems = plan_files(program, inputs, settings,
                                           lambda planner: output.open(*planner.header()),
                                           workers=workers, scheduler=scheduler)
            if summary is None:
                raise _Aborted(problems)
            output.finish()
    except _Aborted as aborted:
        return None, aborted.problems
    return summary, problems


class _Aborted(SopdslError):
    """The data could not be read to the end: a file being written is left as it was."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        super().__init__("the data could not be read to the end")
        self.problems = problems


class _Collected:
    """A sink that keeps the whole plan in memory."""

    def open(self, planner: Planner) -> _Collected:
        self.playbook, self.window = planner.header()
        self.tasks: list[PlanTask] = []
        return self

    def write(self, tasks: list[PlanTask]) -> None:
        self.tasks.extend(tasks)

    def close(self, summary: PlanSummary) -> None:
        """Nothing to finish: `plan(summary)` gives the result."""

    def plan(self, summary: PlanSummary) -> Plan:
        return Plan(playbook=self.playbook, window=self.window, tasks=self.tasks,
                    summary=summary)


class _Output:
    """Where a plan goes in one format, opened once the plan's header is known."""

    def __init__(self, fmt: str, out: Destination, csv_style: str,
                 files: contextlib.ExitStack) -> None:
        if fmt not in PLAN_FORMATS:
            raise ValueError(f"plans are written as {', '.join(PLAN_FORMATS)}, not {fmt!r}")
        if csv_style not in CSV_STYLES:
            raise ValueError(f"CSV styles are {', '.join(CSV_STYLES)}, not {csv_style!r}")
        self.fmt, self.out, self.csv_style, self.files = fmt, out, csv_style, files
        self.calendars: PlanCalendars | None = None
        if fmt == "ics" and isinstance(out, Path):
            check_folder(out, _calendar)  # refused now rather than after a long plan

    def open(self, playbook: PlanPlaybook, window: PlanWindow) -> PlanSink:
        """The plan's writer: json and csv write as tasks come, ics when the plan is done."""
        if self.fmt == "ics":
            self.calendars = PlanCalendars(playbook, window)
            return self.calendars
        text = self._file() if isinstance(self.out, Path) else self.out
        if self.fmt == "csv":
            return PlanCsvWriter(text, self.csv_style)
        return PlanWriter(text, playbook, window)

    def finish(self) -> None:
        """Write what waits for the whole plan: the calendars."""
        if self.calendars is None:
            return
        made = self.calendars.calendars()
        if not isinstance(self.out, Path):
            for text in made.values():
                self.out.write(text)
            return
        with atomic_folder(self.out, _calendar) as folder:
            for name, text in made.items():
                write_text(folder / file_name(name), text)

    def _file(self) -> IO[str]:
        """UTF-8 text into the output file, which replaces the old one when the plan is done."""
        binary = self.files.enter_context(atomic_output(self.out))
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        self.files.callback(_detach, text)  # runs before the file is put in place
        return text


@contextlib.contextmanager
def _output(fmt: str, out: Destination, csv_style: str) -> Iterator[_Output]:
    with contextlib.ExitStack() as files:
        yield _Output(fmt, out, csv_style, files)


def _calendar(name: str) -> bool:
    """Names an ics folder from an earlier plan may hold (the whole folder is replaced)."""
    return name.endswith(".ics")


def _detach(text: io.TextIOWrapper) -> None:
    text.flush()
    text.detach()


def _path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)

"""Streamed reading of customers, events and staff from CSV or JSON Lines files.

Rows are read one at a time (see `data_rows`) and turned into values a row at a time. A bad
row is a diagnostic with its file and line and is skipped; nothing here raises on bad data.
`histories` reads customers and their events side by side.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopdsl.builtins import CHANNELS, PURPOSES, date_out_of_range
from sopdsl.checker.program import Program
from sopdsl.data_rows import DataProblems, read_rows
from sopdsl.diagnostics import did_you_mean
from sopdsl.lunar import LunarError, parse_lunar
from sopdsl.errors import SopdslError
from sopdsl.runtime.arms import stable_arm
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.customer import Event
from sopdsl.runtime.handoff import hand_over
from sopdsl.runtime.evaluate import plain_number
from sopdsl.runtime.replay import CustomerData
from sopdsl.syntax.files import display_path

CUSTOMER_COLUMNS = ("customer_id", "owner", "tags", "stage", "score")
EVENT_COLUMNS = ("customer_id", "time", "event", "content", "amount", "group", "channel",
                 "journey", "step", "purpose")
STAFF_COLUMNS = ("staff_id", "name", "role", "email")
TASK_COLUMNS = ("staff_id", "created", "done", "customer_id", "task_id")
TAG_SEPARATOR = ";"
_TRUE = frozenset(("true", "yes", "1", "y", "t"))
_FALSE = frozenset(("false", "no", "0", "n", "f"))


class Columns:
    """Checks each row's columns once per column name: required ones and unknown ones."""

    def __init__(self, name: str, known: Iterable[str], required: Iterable[str],
                 problems: DataProblems) -> None:
        self.name, self.known, self.required = name, set(known), tuple(required)
        self.problems = problems
        self.seen: set[str] = set()

    def check(self, line: int, row: dict[str, Any]) -> bool:
        """Report new unknown columns; False when a required column is missing."""
        for column in () if self.seen.issuperset(row) else row:
            if column not in self.seen:
                self.seen.add(column)
                if column not in self.known:
                    self.problems.report("W603", self.name, line,
                                         f"unknown column `{column}` is ignored",
                                         did_you_mean(column, self.known)
                                         or "columns are the documented ones and the "
                                            "playbook's attributes")
        for column in self.required:
            value = row.get(column)
            if (value and not value.isspace()) if value.__class__ is str else (
                    text_cell(value) is not None):
                continue
            self.problems.report("E602", self.name, line, f"no `{column}` in this row")
            return False
        return True


def text_cell(value: Any) -> str | None:
    """A cell as stripped text, None when empty or missing."""
    if value.__class__ is str:  # nearly every cell: CSV cells are text
        return value.strip() or None
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


def read_customers(
    path: Path, program: Program, problems: DataProblems,
) -> Iterator[tuple[int, CustomerData]]:
    """(line, customer) in file order; bad values are reported and left out."""
    name = display_path(path)
    columns = customer_columns(name, program, problems)
    for line, row in read_rows(path, problems):
        if columns.check(line, row):
            yield line, customer_of(name, line, row, program, problems)


def customer_columns(name: str, program: Program, problems: DataProblems) -> Columns:
    """The column check of a customers file."""
    return Columns(name, (*CUSTOMER_COLUMNS, *program.attributes), ("customer_id",), problems)


def customer_of(name: str, line: int, row: dict[str, Any], program: Program,
                problems: DataProblems) -> CustomerData:
    """The customer of one row whose columns passed; bad values are reported and left out."""
    customer = CustomerData(text_cell(row["customer_id"]) or "", owner=text_cell(row.get("owner")))
    bad = Cells(name, line, problems)
    customer.tags = bad.tags(row.get("tags"))
    customer.stage = bad.stage(row.get("stage"), program)
    customer.score = bad.number("score", row.get("score")) or 0
    for attribute, info in program.attributes.items():
        if attribute in row:
            value = bad.attribute(attribute, info.type, info.values, row[attribute])
            if value is not None:
                customer.attributes[attribute] = value
    return customer


@dataclass(slots=True)
class EventRecord:
    """One event row: whose it is, the event and where it was read; a send's or response's
    channel, and the journey and step that sent it, when the row names them."""

    customer: str
    event: Event
    line: int
    channel: str | None = None
    journey: str | None = None
    step: str | None = None
    purpose: str | None = None  # the content's purpose, when the row names it


def read_events(path: Path, program: Program, clock: Clock,
                problems: DataProblems) -> Iterator[EventRecord]:
    """Events before the clock's epoch (the plan's start), in file order, times in run-time
    minutes; bad rows are reported and left out."""
    name = display_path(path)
    columns = event_columns(name, problems)
    names = EventNames(name, program, problems)
    moments = Moments(clock)
    for line, row in read_rows(path, problems):
        if columns.check(line, row) and names.known(line, row):
            record = event_record_of(name, line, row, moments, problems)
            if record is not None:
                yield record


def event_columns(name: str, problems: DataProblems) -> Columns:
    """The column check of an events file."""
    return Columns(name, EVENT_COLUMNS, ("customer_id", "time", "event"), problems)


def row_customer(row: dict[str, Any]) -> str:
    """The customer id of a row whose columns passed."""
    return text_cell(row["customer_id"]) or ""


class EventNames:
    """Checks that each row's event is one the playbook knows, reporting each unknown once."""

    def __init__(self, name: str, program: Program, problems: DataProblems) -> None:
        self.name, self.events, self.problems = name, program.events, problems
        self.unknown: set[str] = set()

    def known(self, line: int, row: dict[str, Any]) -> bool:
        """Whether the row's event is known (an unknown one is reported the first time)."""
        event = text_cell(row["event"]) or ""
        if event in self.events:
            return True
        if event not in self.unknown:
            self.unknown.add(event)
            self.problems.report("W605", self.name, line,
                                 f"unknown event `{event}`: its rows are ignored",
                                 did_you_mean(event, self.events)
                                 or "events are the built-in ones and those the playbook "
                                    "declares")
        return False


# E610 as each command that reads histories up to its --start says it: (message, hint).
AFTER_START = {
    "plan": ("event at or after the plan's start",
             "a plan replays history before --start; later events belong to a later plan"),
    "simulate": ("event at or after the forecast's start",
                 "a forecast of real customers starts from their history before --start; "
                 "`sopdsl backtest --at` compares a forecast with later events"),
}


def event_record_of(name: str, line: int, row: dict[str, Any], moments: Moments,
                    problems: DataProblems, later: bool = False,
                    customer: str | None = None, command: str = "plan") -> EventRecord | None:
    """The event row of one row with a known event, None when a cell is bad or it is at or
    after the clock's epoch (reported as at `command`'s start; with `later` such events are
    given, for the caller to judge). `customer` is the row's customer id when the caller has
    read it already."""
    get = row.get
    when = moments.quick(row["time"])
    amount = get("amount")
    channel = text_cell(get("channel"))
    purpose = text_cell(get("purpose"))
    if when is None or (amount is not None and amount != "") or (
            channel is not None and channel not in CHANNELS) or (
            purpose is not None and purpose not in PURPOSES):
        # Not the common well-formed row: each cell read with its checks and problems.
        cells = Cells(name, line, problems)
        when = cells.moment(row["time"], moments)
        amount = cells.number("amount", amount)
        channel = cells.channel(channel)
        purpose = cells.purpose(purpose)
        if when is None or cells.bad:
            return None
    else:
        amount = None
    if after_start(name, line, when, problems, later, command):
        return None
    return EventRecord(customer if customer is not None else row_customer(row),
                       Event(text_cell(row["event"]) or "", when, text_cell(get("content")),
                             amount),
                       line, channel, text_cell(get("journey")), text_cell(get("step")),
                       purpose)


def after_start(name: str, line: int, when: float, problems: DataProblems, later: bool,
                command: str) -> bool:
    """Whether an event at run-time minute `when` is left out for being at or after the
    clock's epoch (reported as at `command`'s start), which `later` allows."""
    if when >= 0 and not later:
        message, hint = AFTER_START[command]
        problems.report("E610", name, line, message, hint=hint)
        return True
    return False


def finite_number(value: str | float) -> float | int | None:
    """A number cell's value (whole numbers as int), None unless it is a finite number."""
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return plain_number(number) if math.isfinite(number) else None


@dataclass(slots=True)
class TaskRecord:
    """One row of a staff task log: whose task, when it was created and done (None: not
    done), in run-time minutes, and where it was read."""

    staff: str
    created: float
    done: float | None
    line: int


def read_tasks(path: Path, clock: Clock, problems: DataProblems) -> Iterator[TaskRecord]:
    """A staff task log's tasks in file order; bad rows are reported and left out."""
    name = display_path(path)
    columns = Columns(name, TASK_COLUMNS, ("staff_id", "created"), problems)
    moments = Moments(clock)
    for line, row in read_rows(path, problems):
        if not columns.check(line, row):
            continue
        cells = Cells(name, line, problems)
        created = cells.moment(row["created"], moments, "created")
        done = (cells.moment(row["done"], moments, "done") if text_cell(row.get("done"))
                else None)
        if created is None or cells.bad:
            continue
        if done is not None and done < created:
            cells.fail("`done` is before `created`", "check the columns' order and time zone")
            continue
        yield TaskRecord(text_cell(row["staff_id"]) or "", created, done, line)


class OutOfRange(SopdslError, ValueError):
    """A date and time outside the dates sopdsl works with."""


class Moments:
    """Event times as run-time minutes. `YYYY-MM-DD HH:MM` on a day without a clock change
    is read without making a datetime, which is most rows of a large file."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.midnights: dict[str, float | None] = {}
        self.hours: dict[str, float | None] = {}

    def quick(self, text: Any) -> float | None:
        """The run-time minute of a cell written exactly `YYYY-MM-DD HH:MM` on a day without
        a clock change; None for anything else (`minutes` then reads it with its checks)."""
        if text.__class__ is not str or len(text) != 16:
            return None
        hour = self.hours.get(text[:14], False)  # `YYYY-MM-DD HH:`, checked once
        if hour is False:
            hour = self.hours[text[:14]] = self._hour(text[:14])
        minute = text[14:]
        if hour is not None and minute.isdigit() and minute.isascii() and minute < "60":
            return hour + int(minute)
        return None

    def _hour(self, text: str) -> float | None:
        """The minute an hour `YYYY-MM-DD HH:` starts at, None unless written just so."""
        hour = text[11:13]
        if text[10] not in " T" or text[13] != ":" or not (
                hour.isdigit() and hour.isascii() and hour < "24"):
            return None
        midnight = self.midnight(text[:10])
        return None if midnight is None else midnight + int(hour) * 60

    def midnight(self, day: str) -> float | None:
        """The run-time minute of a day's (`YYYY-MM-DD`) local midnight, None unless the day is
        24 hours long and a date sopdsl works with."""
        if day not in self.midnights:
            self.midnights[day] = self._midnight(day)
        return self.midnights[day]

    def minutes(self, text: str) -> float:
        """The run-time minute of an ISO date and time; ValueError when it is not one."""
        found = self.quick(text)
        if found is not None:
            return found
        when = dt.datetime.fromisoformat(text)
        problem = date_out_of_range(when.date())
        if problem:
            raise OutOfRange(problem)
        return self.clock.minutes(when)

    def _midnight(self, text: str) -> float | None:
        """The day's local midnight, None when the day is not 24 hours long, not a date, or
        out of range (the slow path then says why)."""
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None
        if date_out_of_range(day):
            return None
        start = self.clock.at(day, 0)
        return start if self.clock.at(day + dt.timedelta(days=1), 0) - start == 1440 else None


class Cells:
    """Converts one row's cells, reporting each bad one (`bad` is then True)."""

    __slots__ = ("file", "line", "problems", "bad")

    def __init__(self, file: str, line: int, problems: DataProblems) -> None:
        self.file, self.line, self.problems = file, line, problems
        self.bad = False

    def fail(self, message: str, hint: str | None = None) -> None:
        self.bad = True
        self.problems.report("E604", self.file, self.line, message, hint)

    def number(self, column: str, value: Any) -> float | int | None:
        if isinstance(value, bool):
            self.fail(f"`{column}` must be a number, not `{value}`")
            return None
        text = text_cell(value)
        if text is None:
            return None
        number = finite_number(value if isinstance(value, (int, float)) else text)
        if number is None:
            self.fail(f"`{column}` must be a number, not `{text}`")
        return number

    def channel(self, value: Any) -> str | None:
        return self._one_of(value, CHANNELS, "channel")

    def purpose(self, value: Any) -> str | None:
        return self._one_of(value, PURPOSES, "purpose")

    def _one_of(self, value: Any, names: Sequence[str], what: str) -> str | None:
        """The cell's text when it is one of `names` (or empty); E604 with a suggestion else."""
        text = text_cell(value)
        if text is None or text in names:
            return text
        self.fail(f"`{text}` is not a {what}", did_you_mean(text, names)
                  or f"{what}s: {', '.join(names)}")
        return None

    def tags(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, list):
            return tuple(str(tag).strip() for tag in value if str(tag).strip())
        text = text_cell(value)
        return tuple(t.strip() for t in text.split(TAG_SEPARATOR) if t.strip()) if text else ()

    def stage(self, value: Any, program: Program) -> str | None:
        text = text_cell(value)
        if text is None or text in program.settings.stages:
            return text
        self.fail(f"`{text}` is not a stage of this playbook",
                  did_you_mean(text, program.settings.stages)
                  or f"stages: {', '.join(program.settings.stages)}")
        return None

    def attribute(self, name: str, kind: str, values: tuple[str, ...], value: Any) -> Any:
        if kind == "number":
            return self.number(name, value)
        if kind == "bool" and isinstance(value, bool):
            return value
        text = text_cell(value)
        if text is None:
            return None
        if kind == "bool":
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            self.fail(f"`{name}` must be true or false, not `{text}`")
        elif kind == "date":
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.fail(f"`{name}` must be a date such as 1990-05-17, not `{text}`")
        elif kind == "lunar_date":
            try:
                return parse_lunar(text)
            except LunarError as error:
                self.fail(f"`{name}`: {error}", error.hint)
        elif kind == "enum" and text not in values:
            self.fail(f"`{text}` is not a value of `{name}`",
                      did_you_mean(text, values) or f"values: {', '.join(values)}")
        else:
            return text
        return None

    def moment(self, value: Any, moments: Moments, column: str = "time") -> float | None:
        text = text_cell(value) or ""
        try:
            return moments.minutes(text)
        except OutOfRange as error:
            self.fail(f"`{column}` {error}", "check the year: events are replayed from 1970 on")
            return None
        except ValueError:
            self.fail(f"`{column}` must be a date and time such as 2026-12-01 20:15, not `{text}`",
                      "without an offset the time is read in the playbook's time zone")
            return None


@dataclass(frozen=True)
class StaffMember:
    """A staff member: id (a WeCom userid), display name, roles and e-mail."""

    id: str
    name: str | None
    roles: tuple[str, ...]
    email: str | None


@dataclass
class Roster:
    """The staff known to the planner; empty when no staff file is given."""

    members: dict[str, StaffMember] = field(default_factory=dict)
    _roles: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for member in sorted(self.members.values(), key=lambda m: m.id):
            for role in member.roles:
                self._roles.setdefault(role, []).append(member.id)

    def has_role(self, staff_id: str | None, role: str) -> bool:
        """True when the staff member holds the role."""
        member = self.members.get(staff_id or "")
        return member is not None and role in member.roles

    def hand_over(self, role: str, customer: str, current: str | None) -> StaffMember | None:
        """The role's member a handoff gives the customer to (`runtime.handoff`): never the
        current owner unless they are the only member, the same one every run."""
        found = hand_over(self._roles.get(role, []), current,
                          lambda n: stable_arm(customer, f"role:{role}", [1.0] * n))
        return self.members[found] if found is not None else None

    def pick(self, role: str, customer: str) -> StaffMember | None:
        """The role's member for this customer: the same one every run (a hash of both ids)."""
        members = self._roles.get(role)
        if not members:
            return None
        index = stable_arm(customer, f"role:{role}", [1.0] * len(members))
        return self.members[members[index]]


def read_staff(path: Path, program: Program, problems: DataProblems) -> Roster:
    """The staff file: one row per member and role (a member may have several rows)."""
    name = display_path(path)
    columns = Columns(name, STAFF_COLUMNS, ("staff_id", "role"), problems)
    found: dict[str, StaffMember] = {}
    for line, row in read_rows(path, problems):
        if not columns.check(line, row):
            continue
        staff, role = text_cell(row["staff_id"]) or "", text_cell(row["role"]) or ""
        if role not in program.roles:
            problems.report("E604", name, line, f"`{role}` is not a role of this playbook",
                            did_you_mean(role, program.roles)
                            or f"roles: {', '.join(program.roles) or 'none declared'}")
            continue
        known = found.get(staff)
        roles = (*known.roles, role) if known else (role,)
        found[staff] = StaffMember(staff, text_cell(row.get("name")) or (known and known.name),
                                   roles, text_cell(row.get("email")) or (known and known.email))
    return Roster(found)

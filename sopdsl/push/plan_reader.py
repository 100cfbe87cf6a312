"""Plan files for `sopdsl push`: the run and its tasks, streamed, or a diagnostic saying why not.

`sopdsl plan` writes one task per line (see `PlanWriter`); such files are read a line at a
time, so a plan of 100,000 tasks takes little memory. Any other JSON layout of a valid plan
(pretty-printed, minified, edited by hand) is parsed whole instead.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from sopdsl import jsontext
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.syntax.files import display_path
from sopdsl.planning.model import PLAN_SCHEMA_NAME, PLAN_VERSION, PlanPlaybook, PlanTask, PlanWindow
from sopdsl.push.target import PlanRun
from sopdsl.reading import not_regular
from sopdsl.syntax.source import Span
from sopdsl.errors import SopdslError

_TASKS_OPEN = ('  "tasks": [', '  "tasks": [],')
_TASKS_CLOSE = "  ],"
_MAX_HEADER_LINES = 64  # PlanWriter's header is about a dozen lines
_REMAKE = "make it again with `sopdsl plan PLAYBOOK ... -o plan.json`"
_LONGEST_WINDOW = dt.timedelta(days=367)  # `sopdsl plan --days` is at most 366

Record = tuple[int, int, Any]  # line, column, decoded JSON


class PlanReadError(SopdslError):
    """The plan file changed or broke while it was being pushed."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _OtherLayout(SopdslError):
    """The file is not in the one-task-per-line layout: parse it whole."""


@dataclass(frozen=True)
class PlanFile:
    """A plan file that was read through once and found valid."""

    path: Path
    name: str  # as diagnostics show it
    run: PlanRun
    count: int  # tasks in the file
    streamed: bool  # one task per line, read a line at a time

    def tasks(self) -> Iterator[PlanTask]:
        """The tasks in file order, read again from the file; `PlanReadError` if it changed."""
        records = _streamed(self.path) if self.streamed else _parsed(self.path, self.name)
        try:
            next(records)
            for line, column, data in records:
                task = _task(self.name, line, column, data)
                if isinstance(task, Diagnostic):
                    raise PlanReadError(task)
                yield task
        except (_OtherLayout, OSError, UnicodeDecodeError):
            raise PlanReadError(diag("E620", _span(self.name), "the plan file changed or "
                                     "vanished while it was being pushed",
                                     hint="push again; the ledger keeps what was sent")) from None


def open_plan(path: Path) -> PlanFile | Diagnostic:
    """The plan at `path`, every task checked, or the first reason it cannot be pushed."""
    name = display_path(path)
    kind = not_regular(path)
    if kind is not None:  # a FIFO would block the first read forever
        return diag("E620", _span(name), f"this is {kind}, not a plan file",
                    hint="pass the JSON file `sopdsl plan -o` wrote")
    try:
        return _check(path, name, _streamed(path), streamed=True)
    except (_OtherLayout, OSError, UnicodeDecodeError):
        pass  # another layout, or a reading problem the whole-file read reports in full
    try:
        return _check(path, name, _parsed(path, name), streamed=False)
    except PlanReadError as error:
        return error.diagnostic


def _check(path: Path, name: str, records: Iterator[Record], *,
           streamed: bool) -> PlanFile | Diagnostic:
    _, _, header = next(records)
    run = _run(name, header)
    if isinstance(run, Diagnostic):
        return run
    count = 0
    for line, column, data in records:
        task = _task(name, line, column, data)
        if isinstance(task, Diagnostic):
            return task
        count += 1
    return PlanFile(path, name, run, count, streamed)


def _streamed(path: Path) -> Iterator[Record]:
    """Header, then one record per task line; `_OtherLayout` as soon as the layout differs."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = enumerate(handle, 1)
        header, empty = _header(lines)
        yield 1, 1, header
        if not empty:
            yield from _task_lines(lines)
        _tail(lines)


def _header(lines: Iterator[tuple[int, str]]) -> tuple[Any, bool]:
    collected = []
    for number, line in lines:
        text = line.rstrip("\r\n")
        if text in _TASKS_OPEN:
            try:
                header = jsontext.loads("".join(collected).rstrip().removesuffix(",") + "}")
            except ValueError:
                raise _OtherLayout from None
            return header, text.endswith(",")
        if number > _MAX_HEADER_LINES:
            break
        collected.append(line)
    raise _OtherLayout


def _task_lines(lines: Iterator[tuple[int, str]]) -> Iterator[Record]:
    for number, line in lines:
        text = line.rstrip("\r\n")
        if text == _TASKS_CLOSE:
            return
        body = text.strip().removesuffix(",")
        try:
            data = jsontext.loads(body)
        except ValueError:
            raise _OtherLayout from None
        yield number, len(text) - len(text.lstrip()) + 1, data
    raise _OtherLayout


def _tail(lines: Iterator[tuple[int, str]]) -> None:
    try:
        tail = jsontext.loads("{" + "".join(line for _, line in lines))
    except ValueError:
        raise _OtherLayout from None
    if not isinstance(tail, dict):
        raise _OtherLayout


def _parsed(path: Path, name: str) -> Iterator[Record]:
    """Header, then the tasks, from the whole file parsed at once."""
    text = _read_text(path, name)
    try:
        document = jsontext.loads(text)
    except json.JSONDecodeError as error:
        raise PlanReadError(diag("E621", _span(name, error.lineno, error.colno),
                                 f"the plan is not JSON: {error.msg.lower()}",
                                 hint=f"the file may be cut short or edited; {_REMAKE}")) from None
    yield 1, 1, document
    tasks = document.get("tasks") if isinstance(document, dict) else None
    if not isinstance(tasks, list):
        raise PlanReadError(diag("E622", _span(name, *_position(text, '"tasks"')),
                                 "the plan has no `tasks` list", hint=_REMAKE))
    for data in tasks:
        key = data.get("key") if isinstance(data, dict) else None
        line, column = _position(text, f'"{key}"' if isinstance(key, str) else '"tasks"')
        yield line, column, data


def _read_text(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise PlanReadError(diag("E620", _span(name), "this is a folder, not a plan file",
                                 hint="pass the JSON file `sopdsl plan -o` wrote")) from None
    except FileNotFoundError:
        raise PlanReadError(diag("E620", _span(name), "no such plan file",
                                 hint="check the path, or make the plan with `sopdsl plan`")
                            ) from None
    except OSError as error:
        raise PlanReadError(diag("E620", _span(name),
                                 f"cannot read the plan: {error.strerror or error}")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _position(data[:error.start].decode("utf-8", "replace") + "\x00", "\x00")
        raise PlanReadError(diag("E620", _span(name, line, column),
                                 f"the plan is not UTF-8 text (bad byte 0x{data[error.start]:02X})",
                                 hint=f"plans are UTF-8 JSON; {_REMAKE}")) from None


def _run(name: str, header: Any) -> PlanRun | Diagnostic:
    """The playbook and window of a plan, after checking it is a plan this sopdsl reads."""
    if not isinstance(header, dict) or header.get("schema") != PLAN_SCHEMA_NAME:
        return diag("E622", _span(name), "this JSON is not a sopdsl plan",
                    hint=f'a plan starts with "schema": "{PLAN_SCHEMA_NAME}"; {_REMAKE}')
    if header.get("version") != PLAN_VERSION:
        return diag("E623", _span(name),
                    f"plan format version `{header.get('version')}` is not one this sopdsl "
                    f"reads (it reads version {PLAN_VERSION})",
                    hint="make the plan again with this sopdsl, or push it with the sopdsl "
                         "that made it")
    parts = []
    for field, model in (("playbook", PlanPlaybook), ("window", PlanWindow)):
        part = _validated(model, header.get(field))
        if isinstance(part, str):
            return diag("E622", _span(name), f"the plan's `{field}` is not valid: {part}",
                        hint=_REMAKE)
        parts.append(part)
    run = PlanRun(*parts)
    problem = _run_problem(run)
    if problem is not None:
        return diag("E622", _span(name), f"the plan's {problem}", hint=_REMAKE)
    return run


def _run_problem(run: PlanRun) -> str | None:
    """What in a run's time zone and window targets could not work with, if anything."""
    try:
        ZoneInfo(run.playbook.timezone)
    except (ValueError, KeyError, OSError):
        return f"`playbook.timezone` `{run.playbook.timezone}` is not a known time zone"
    start = _moment(run.window.start)
    end = _moment(run.window.end)
    if start is None or end is None:
        return "`window` must start and end at ISO 8601 times with a UTC offset"
    if not start < end <= start + _LONGEST_WINDOW:
        return f"`window` must end after it starts, within {_LONGEST_WINDOW.days} days"
    return None


def _task(name: str, line: int, column: int, data: Any) -> PlanTask | Diagnostic:
    task = _validated(PlanTask, data)
    if isinstance(task, PlanTask) and (_moment(task.due.start) is None or
                                       _moment(task.due.end) is None):
        task = "`due`: its `start` and `end` must be ISO 8601 times with a UTC offset"
    if isinstance(task, str):
        return diag("E624", _span(name, line, column), f"this task is not valid: {task}",
                    hint=f"tasks must match `sopdsl schema plan`; {_REMAKE}")
    return task


def _moment(text: str) -> dt.datetime | None:
    """An ISO 8601 time with a UTC offset, or None."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _validated(model: type[BaseModel], data: Any) -> Any:
    """The model, or the first problem in operator's words."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = first["msg"][0].lower() + first["msg"][1:]
        return f"`{where}`: {problem}" if where else problem


def _position(text: str, needle: str) -> tuple[int, int]:
    """Line and column of the first `needle` in `text` (1, 1 when it is not there)."""
    offset = text.find(needle)
    if offset < 0:
        return 1, 1
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _span(name: str, line: int = 1, column: int = 1) -> Span:
    return Span(file=name, line=line, column=column, end_line=line, end_column=column + 1)

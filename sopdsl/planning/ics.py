"""Plans as iCalendar (RFC 5545): one calendar of VTODOs per assignee.

Each to-do's UID is the task's idempotency key, so a calendar server updates a to-do it has
instead of adding a second one. Times carry the playbook's time zone (TZID) with a VTIMEZONE
describing it; lines are folded at 75 octets and text is escaped.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sopdsl.planning.model import PlanPlaybook, PlanSummary, PlanTask, PlanWindow, priority_band

PRODID = "-//sopdsl//plan v1//EN"
CRLF = "\r\n"
REPLACEMENT = "\ufffd"  # stands for a control character, which TEXT cannot hold
_PRIORITY = {"high": 1, "medium": 5, "low": 9}
# Line breaks: CR LF, and every character Unicode says ends a line.
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# Other controls (C0 but the tab, DEL, C1) and lone surrogates, which UTF-8 cannot carry.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_KEPT = re.compile(r"[\w@-]")  # kept as they are in file and URL names, with `.` but first
# Calendar names an assignee's staff id could be mistaken for, e.g. a staff id `role-guide`.
_QUEUE_NAMES = re.compile(r"(role|staff)-.*|unassigned", re.S)


def escape_text(text: str) -> str:
    """A TEXT value escaped: backslash, semicolon, comma and line breaks (as `\\n`), with
    every other control character replaced by U+FFFD (RFC 5545 TEXT holds none)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub(REPLACEMENT, _LINE_BREAK.sub("\\\\n", text))


def fold(line: str) -> str:
    """A content line folded into lines of at most 75 octets, never inside a character."""
    pieces: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def _local(moment: str) -> str:
    return dt.datetime.fromisoformat(moment).strftime("%Y%m%dT%H%M%S")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: dt.timedelta | None) -> str:
    seconds = int((delta or dt.timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}{rest // 60:02d}"


def vtimezone(name: str, first: dt.datetime, last: dt.datetime) -> list[str]:
    """A VTIMEZONE for `name` describing its offsets from the year of `first` to `last`."""
    return list(_vtimezone(name, first.year, last.year))


@functools.lru_cache(maxsize=16)  # pushes write one calendar per to-do, all in the same zone
def _vtimezone(name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    zone = ZoneInfo(name)
    begin = dt.datetime(first_year, 1, 1, tzinfo=dt.timezone.utc)
    finish = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.timezone.utc)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    initial = begin.astimezone(zone)
    lines += _observance(initial, initial.utcoffset())
    moment = begin
    while moment < finish:
        after = moment + dt.timedelta(days=1)
        if moment.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            change = _transition(zone, moment, after)
            before = (change - dt.timedelta(seconds=1)).astimezone(zone)
            lines += _observance(change.astimezone(zone), before.utcoffset())
        moment = after
    return (*lines, "END:VTIMEZONE")


def _transition(zone: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """The first second in (low, high] with high's offset."""
    wanted = high.astimezone(zone).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == wanted:
            high = middle
        else:
            low = middle
    return high


def _observance(start: dt.datetime, offset_from: dt.timedelta | None) -> list[str]:
    kind = "DAYLIGHT" if start.dst() else "STANDARD"
    local_start = (start.astimezone(dt.timezone.utc) + (offset_from or dt.timedelta()))
    return [f"BEGIN:{kind}", f"DTSTART:{local_start.strftime('%Y%m%dT%H%M%S')}",
            f"TZOFFSETFROM:{_offset(offset_from)}", f"TZOFFSETTO:{_offset(start.utcoffset())}",
            f"TZNAME:{start.tzname()}", f"END:{kind}"]


def vtodo(task: PlanTask, timezone: str, stamp: str) -> list[str]:
    """One task as a VTODO."""
    lines = ["BEGIN:VTODO", f"UID:{escape_text(task.key)}", f"DTSTAMP:{stamp}"]
    if task.due.end != task.due.start:
        lines.append(f"DTSTART;TZID={timezone}:{_local(task.due.start)}")
    lines += [f"DUE;TZID={timezone}:{_local(task.due.end)}",
              f"SUMMARY:{escape_text(task.title)}"]
    if task.text:
        lines.append(f"DESCRIPTION:{escape_text(task.text)}")
    categories = [task.kind, *([task.channel] if task.channel else [])]
    lines += [f"PRIORITY:{_PRIORITY[priority_band(task.priority)]}", "STATUS:NEEDS-ACTION",
              f"CATEGORIES:{','.join(escape_text(c) for c in categories)}",
              f"X-SOPDSL-CUSTOMER:{escape_text(task.customer)}",
              f"X-SOPDSL-JOURNEY:{escape_text(task.journey)}",
              f"X-SOPDSL-STEP:{escape_text(task.step)}",
              f"X-SOPDSL-SOURCE:{escape_text(task.source)}", "END:VTODO"]
    return lines


def calendar_name(task: PlanTask) -> str:
    """Whose calendar a task goes in: the staff member, else the role's queue, else
    `unassigned`; a staff id that looks like a queue's name is written `staff-ID`, so no two
    assignees share a calendar."""
    assignee = task.assignee
    if assignee is None:
        return "unassigned"
    if assignee.staff_id:
        staff = assignee.staff_id
        return f"staff-{staff}" if _QUEUE_NAMES.fullmatch(staff) else staff
    return f"role-{assignee.role}" if assignee.role else "unassigned"


def calendar(name: str, tasks: Iterable[PlanTask], playbook: PlanPlaybook,
             window: PlanWindow) -> str:
    """One assignee's calendar as iCalendar text."""
    start = dt.datetime.fromisoformat(window.start)
    end = dt.datetime.fromisoformat(window.end)
    stamp = _utc(start)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{escape_text(name)}",
             *vtimezone(playbook.timezone, start, end)]
    for task in tasks:
        lines += vtodo(task, playbook.timezone, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def safe_name(name: str) -> str:
    """A calendar's name as a file or URL name, one to one: letters, digits, `_`, `-`, `@`
    and `.` (but a leading one) are kept, every other character is written `~` and the hex of
    each of its UTF-8 bytes (`a/b` is `a~2Fb`), so different names never share a file."""
    return "".join(char if _KEPT.fullmatch(char) or (char == "." and index) else
                   "".join(f"~{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
                   for index, char in enumerate(name))


def file_name(name: str) -> str:
    """A calendar's file name: the assignee's name made safe, one to one."""
    return f"{safe_name(name)}.ics"


class PlanCalendars:
    """Collects staff tasks per assignee; calendars are made when the plan is complete."""

    def __init__(self, playbook: PlanPlaybook, window: PlanWindow) -> None:
        self.playbook, self.window = playbook, window
        self.tasks: dict[str, list[PlanTask]] = {}

    def write(self, tasks: Iterable[PlanTask]) -> None:
        """Keep the staff tasks."""
        for task in tasks:
            if task.staff_work:
                self.tasks.setdefault(calendar_name(task), []).append(task)

    def close(self, summary: PlanSummary) -> None:
        """Nothing to finish: `calendars()` gives the result."""

    def calendars(self) -> dict[str, str]:
        """Every assignee's calendar by name, names sorted, to-dos by due time then key."""
        return {name: calendar(name, sorted(tasks, key=lambda t: (t.due.end, t.key)),
                               self.playbook, self.window)
                for name, tasks in sorted(self.tasks.items())}

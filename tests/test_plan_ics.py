"""Tests for iCalendar plans: calendars per assignee, UIDs, time zones, folding and escaping."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from golden import GOLDEN_ROOT, assert_golden
from plan_kit import plan_text
from push_kit import RUN, make_task
from sopdsl.planning.ics import (
    calendar, calendar_name, escape_text, file_name, fold, safe_name, vtimezone,
)
from sopdsl.planning.model import PlanTask


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_golden_calendars(at_root):
    """The onboarding sample plan's calendars match the golden file (stored with LF endings)."""
    text, _ = plan_text("onboarding", sink="ics")
    assert_golden(GOLDEN_ROOT / "plan" / "onboarding.ics", text.replace("\r\n", "\n"))


def test_one_calendar_per_assignee_with_the_plan_keys_as_uids():
    """Each assignee gets one VCALENDAR; the UIDs are the staff tasks' idempotency keys."""
    text, _ = plan_text("education_funnel", sink="ics")
    lines = unfold(text)
    names = [line.split(":", 1)[1] for line in lines if line.startswith("X-WR-CALNAME:")]
    assert names == ["advisor_he", "guide_chen"]
    assert lines.count("BEGIN:VCALENDAR") == 2 == lines.count("END:VCALENDAR")
    plan, _ = plan_text("education_funnel")
    staff = {t["key"] for t in json.loads(plan)["tasks"]
             if t["kind"] in ("task", "handoff", "batch")
             or (t["kind"] == "send" and t["assignee"] and "batch" not in t)}
    assert {line[4:] for line in lines if line.startswith("UID:")} == staff


def test_every_line_fits_75_octets_and_ends_in_crlf():
    """Folded lines are at most 75 octets; every line ends with CRLF, none with a bare LF."""
    text, _ = plan_text("onboarding", sink="ics")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert any(line.startswith(" ") for line in text.split("\r\n"))


def test_due_times_carry_the_zone_and_a_vtimezone_describes_it():
    """DUE uses TZID=Asia/Shanghai in local time, and the calendar holds that VTIMEZONE."""
    lines = unfold(plan_text("onboarding", sink="ics")[0])
    assert "TZID:Asia/Shanghai" in lines and "TZOFFSETTO:+0800" in lines
    assert "DUE;TZID=Asia/Shanghai:20261202T210000" in lines


def test_fold_never_splits_a_character():
    """Folding Chinese text keeps every character whole and unfolds to the original."""
    line = "DESCRIPTION:" + "新客券满99减10，" * 20
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    for piece in folded.split("\r\n"):
        piece.encode().decode("utf-8")
        assert len(piece.encode()) <= 75


def test_text_escaping():
    """Backslashes, semicolons, commas and newlines are escaped as RFC 5545 says."""
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_vtimezone_with_summer_time():
    """A zone with summer time lists its switches with the right offsets and local starts."""
    lines = vtimezone("Europe/Berlin", dt.datetime(2026, 12, 2), dt.datetime(2026, 12, 9))
    text = "\n".join(lines)
    assert re.search(r"BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:\+0100\n"
                     r"TZOFFSETTO:\+0200", text)
    assert re.search(r"BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:\+0200\n"
                     r"TZOFFSETTO:\+0100", text)


def test_calendar_file_names_are_safe():
    """Assignee names become file names without path separators, spaces or a leading dot;
    names that are safe already stay as they are."""
    assert file_name("role-sales") == "role-sales.ics"
    assert file_name("guide_chen") == "guide_chen.ics" and file_name("a.b@c") == "a.b@c.ics"
    assert file_name("../王 顾问") == "~2E.~2F王~20顾问.ics"


def decoded(name: str) -> str:
    """A safe name read back: each run of `~XX` is UTF-8 bytes."""
    return re.sub(r"(?:~[0-9A-F]{2})+",
                  lambda run: bytes.fromhex(run[0].replace("~", "")).decode("utf-8",
                                                                        "surrogatepass"), name)


@settings(max_examples=300)
@given(st.text(st.characters(exclude_categories=()), min_size=1))
def test_safe_names_are_one_to_one_and_safe(name):
    """Every name has a safe name (word characters, `@`, `-`, `.` but first, `~XX`) that reads
    back as the name, so no two assignees ever share a calendar file or URL."""
    safe = safe_name(name)
    assert re.fullmatch(r"[\w@~-][\w@.~-]*", safe) and decoded(safe) == name


def test_staff_ids_that_collided_get_their_own_calendars():
    """Staff ids that used to become one file (`a/b`, `a_b`, `a b`, `a:b`), and staff ids that
    look like a queue's name, each get a calendar and a file of their own."""
    staff = ["a/b", "a_b", "a b", "a:b", "unassigned", "role-guide", "staff-x", "x"]
    tasks = [assigned(number, staff_id=staff_id) for number, staff_id in enumerate(staff)]
    tasks += [assigned(10, role="guide"), assigned(11), assigned(12, role="")]
    names = [calendar_name(task) for task in tasks]
    assert names[:4] == ["a/b", "a_b", "a b", "a:b"] and names[-3:] == [
        "role-guide", "unassigned", "unassigned"]
    assert len(set(names[:-1])) == len(tasks) - 1
    assert len({file_name(name) for name in names[:-1]}) == len(tasks) - 1


def assigned(number: int, staff_id: str | None = None, role: str | None = None) -> PlanTask:
    """A staff task for one staff member, or in a role's queue, or (neither) unassigned."""
    task = make_task(number)
    if staff_id is None and role is None:
        return task.model_copy(update={"assignee": None})
    return task.model_copy(update={"assignee": task.assignee.model_copy(
        update={"staff_id": staff_id, "role": role})})


def content_lines(text: str) -> list[str]:
    """The content lines of iCalendar text, after a strict check of the physical lines: CRLF
    endings, at most 75 octets, no control character but the tab, no Unicode line break."""
    assert text.endswith("\r\n")
    raw = text.encode("utf-8")
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line)
        assert not re.search("[\x80-\x9f\u2028\u2029]", line.decode("utf-8"))
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def unescaped(value: str) -> str:
    """A TEXT value read back (RFC 5545 3.3.11)."""
    return re.sub(r"\\([\\;,nN])", lambda esc: "\n" if esc[1] in "nN" else esc[1], value)


def expected_text(text: str) -> str:
    """What a TEXT value can hold of `text`: line breaks as newlines, other controls and lone
    surrogates as U+FFFD."""
    text = re.sub("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]", "\n", text)
    return re.sub("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]", "\ufffd", text)


@settings(max_examples=300, deadline=None)
@given(title=st.text(st.characters(exclude_categories=())),
       script=st.text(st.characters(exclude_categories=()), min_size=1))
def test_any_text_makes_valid_icalendar_that_reads_back(title, script):
    """Summaries and descriptions of any Unicode, controls, NUL, line and paragraph separators
    and lone surrogates included, give lines a strict reader accepts, and read back as the
    text with line breaks kept and other controls replaced."""
    task = make_task(1).model_copy(update={"title": title, "text": script})
    lines = content_lines(calendar("guide_chen", [task], RUN.playbook, RUN.window))
    fields = dict(line.split(":", 1) for line in lines if line.startswith(("SUMMARY:",
                                                                           "DESCRIPTION:")))
    assert unescaped(fields["SUMMARY"]) == expected_text(title)
    assert unescaped(fields["DESCRIPTION"]) == expected_text(script)
    assert lines.count("BEGIN:VTODO") == 1 == lines.count("END:VTODO")


def test_control_characters_are_replaced_and_line_breaks_escaped():
    """NUL, VT, FF, NEL, U+2028 and U+2029 never reach the text raw."""
    assert escape_text("a\x00b\x0bc\x0cd\x85e\u2028f\u2029g\th\x7fi") == (
        "a\ufffdb\\nc\\nd\\ne\\nf\\ng\th\ufffdi")

"""Tests for iCalendar plans: calendars per assignee, UIDs, time zones, folding and escaping."""

from __future__ import annotations

import datetime as dt
import json
import re

from golden import GOLDEN_ROOT, assert_golden
from plan_kit import plan_text
from sopdsl.planning.ics import escape_text, file_name, fold, vtimezone


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
             if t["kind"] in ("task", "handoff") or (t["kind"] == "send" and t["assignee"])}
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
    """Assignee names become file names without path separators or spaces."""
    assert file_name("role-sales") == "role-sales.ics"
    assert file_name("../王 顾问") == ".._王_顾问.ics"

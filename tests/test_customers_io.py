"""Tests for reading customers, events and staff: typed values and diagnostics."""

from __future__ import annotations

import datetime as dt
import pytest

from programs import write_file
from runtime_kit import program_of
from sopdsl.runtime.clock import Clock
from sopdsl.customers_io import read_customers, read_events, read_staff
from sopdsl.data_rows import MAX_PROBLEMS_PER_FILE, DataProblems
from sopdsl.lunar import LunarDay

PROGRAM = program_of("""
role guide "导购"
role sales "销售"
attribute vip_level: enum("gold", "black")
attribute sms_opt_in: bool
event webinar
""")
CLOCK = Clock(dt.datetime(2026, 12, 2), "Asia/Shanghai")


def customers(tmp_path, text, name="c.csv", program=PROGRAM):
    problems = DataProblems()
    found = list(read_customers(write_file(tmp_path / name, text), program, problems))
    return [c for _, c in found], problems


def events(tmp_path, text, name="e.csv"):
    problems = DataProblems()
    found = list(read_events(write_file(tmp_path / name, text), PROGRAM, CLOCK, problems))
    return found, problems


def codes(problems: DataProblems) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in problems.finish()]


def test_csv_customers_with_typed_values(tmp_path):
    """Numbers, dates, booleans, enums, tags, stage and score come out typed."""
    found, problems = customers(tmp_path, (
        "customer_id,owner,name,age,birthday,vip_level,sms_opt_in,tags,stage,score\n"
        "c1,g1,王芳,35,1991-12-05,gold,yes,VIP; 奶粉用户 ,prospect,12.5\n"
        "c2,,,,,,,,,\n"))
    assert problems.finish() == []
    first, second = found
    assert (first.id, first.owner, first.tags, first.stage, first.score) == (
        "c1", "g1", ("VIP", "奶粉用户"), "prospect", 12.5)
    assert first.attributes == {"name": "王芳", "age": 35, "birthday": dt.date(1991, 12, 5),
                                "vip_level": "gold", "sms_opt_in": True}
    assert (second.owner, second.attributes, second.tags, second.stage) == (None, {}, (), None)


def test_json_lines_customers(tmp_path):
    """JSON Lines rows take JSON numbers, booleans and tag lists."""
    found, problems = customers(tmp_path, (
        '{"customer_id": "c1", "age": 30, "sms_opt_in": false, "tags": ["VIP"]}\n\n'
        '{"customer_id": "c2", "score": 3}\n'), name="c.jsonl")
    assert problems.finish() == []
    assert [(c.id, c.attributes, c.tags, c.score) for c in found] == [
        ("c1", {"age": 30, "sms_opt_in": False}, ("VIP",), 0), ("c2", {}, (), 3)]


def test_bad_values_are_reported_at_their_line_and_left_out(tmp_path):
    """A bad number, date, enum value or stage is an E604 on its line; the row stays."""
    found, problems = customers(tmp_path, (
        "customer_id,age,birthday,vip_level,stage\n"
        "c1,thirty,1991-13-05,silver,buyer\n"))
    assert codes(problems) == [("E604", 2)] * 4
    messages = [d.message for d in problems.diagnostics]
    assert "`age` must be a number, not `thirty`" in messages
    assert any("`silver` is not a value of `vip_level`" == m for m in messages)
    assert found[0].attributes == {} and found[0].stage is None


def test_unknown_column_warns_once_with_a_suggestion(tmp_path):
    """A column no one knows is a W603 warning, once, with did-you-mean."""
    _, problems = customers(tmp_path, "customer_id,agee\nc1,3\nc2,4\n")
    [warning] = problems.finish()
    assert (warning.code, warning.span.line, warning.hint) == ("W603", 2, "did you mean `age`?")


def test_missing_customer_id_is_reported(tmp_path):
    """A row without customer_id is an E602 and is skipped."""
    found, problems = customers(tmp_path, "customer_id,name\n,王芳\nc2,李娜\n")
    assert codes(problems) == [("E602", 2)] and [c.id for c in found] == ["c2"]


def test_csv_line_numbers_count_quoted_newlines(tmp_path):
    """A quoted field over two lines moves the next row's line number by two."""
    _, problems = customers(tmp_path, 'customer_id,name,age\nc1,"王\n芳",1\nc2,x,bad\n')
    assert codes(problems) == [("E604", 4)]


def test_broken_rows(tmp_path):
    """Broken JSON and CSV rows with too many fields are E606 and skipped."""
    _, json_problems = customers(tmp_path, '{"customer_id": "c1"\n[1]\n', name="c.jsonl")
    assert codes(json_problems) == [("E606", 1), ("E606", 2)]
    found, csv_problems = customers(tmp_path, "customer_id,name\nc1,a,b\nc2,x\n")
    assert codes(csv_problems) == [("E606", 2)] and [c.id for c in found] == ["c2"]


def test_unreadable_files_are_fatal(tmp_path):
    """A missing file or one that is not UTF-8 is an E601 that stops the reading."""
    problems = DataProblems()
    assert list(read_customers(tmp_path / "none.csv", PROGRAM, problems)) == []
    assert codes(problems) == [("E601", 1)] and problems.fatal
    path = tmp_path / "gbk.csv"
    path.write_bytes("customer_id,name\nc1,王芳\n".encode("gbk"))
    problems = DataProblems()
    assert list(read_customers(path, PROGRAM, problems)) == []
    assert problems.finish()[0].code == "E601" and problems.fatal


def test_events_are_typed_and_checked(tmp_path):
    """Times become minutes from the start; unknown events warn once; bad rows are errors."""
    found, problems = events(tmp_path, (
        "customer_id,time,event,content,amount\n"
        "c1,2026-12-01 20:15,click,welcome,\n"
        "c1,2026-12-01T12:00:00Z,purchase,,199.5\n"
        "c1,2026-12-01 10:00,clik,,\n"
        "c1,2026-12-01 11:00,clik,,\n"
        "c1,yesterday,reply,,\n"
        "c1,2026-12-01 10:00,purchase,,lots\n"
        "c1,2026-12-02 00:00,reply,,\n"
        "c1,2026-11-30 09:00,webinar,,\n"))
    assert [(r.event.name, r.event.time, r.event.content, r.event.amount) for r in found] == [
        ("click", -225.0, "welcome", None), ("purchase", -240.0, None, 199.5),
        ("webinar", -2340.0, None, None)]
    assert codes(problems) == [("W605", 4), ("E604", 6), ("E604", 7), ("E610", 8)]
    assert problems.diagnostics[0].hint == "did you mean `click`?"
    assert "later plan" in problems.diagnostics[-1].hint  # `plan` reads events this way


def test_problems_are_capped_per_file(tmp_path):
    """After MAX_PROBLEMS_PER_FILE problems, one E611 counts the errors not shown."""
    rows = "".join(f"c{i:03d},x\n" for i in range(MAX_PROBLEMS_PER_FILE + 7))
    _, problems = customers(tmp_path, "customer_id,age\n" + rows)
    found = problems.finish()
    assert len(found) == MAX_PROBLEMS_PER_FILE + 1
    assert found[-1].code == "E611" and found[-1].message.startswith("7 more")


def test_staff_roster(tmp_path):
    """Members may hold several roles; a role's member is picked the same way every time."""
    problems = DataProblems()
    roster = read_staff(write_file(tmp_path / "s.csv", (
        "staff_id,name,role,email\ns1,陈,guide,a@x\ns2,王,sales,\ns3,周,sales,\ns1,,sales,\n"
        "s4,李,manager,\n")), PROGRAM, problems)
    assert codes(problems) == [("E604", 6)]
    assert {m.id for m in roster.members.values() if "sales" in m.roles} == {"s1", "s2", "s3"}
    assert roster.has_role("s1", "sales") and not roster.has_role("s2", "guide")
    assert roster.members["s1"].name == "陈" and roster.members["s1"].email == "a@x"
    picks = {customer: roster.pick("sales", customer).id for customer in ("c1", "c2", "c3")}
    assert picks == {customer: roster.pick("sales", customer).id for customer in picks}
    assert len({roster.pick("sales", f"c{i}").id for i in range(40)}) == 3
    assert roster.pick("guide", "c1").id == "s1" and roster.pick("nobody", "c1") is None


@pytest.mark.parametrize("header", ["customer_id,time\n", "time,event\n"])
def test_events_need_their_columns(tmp_path, header):
    """An events row without customer_id, time or event is E602."""
    _, problems = events(tmp_path, header + "a,b\n")
    assert [d.code for d in problems.finish()][-1] == "E602"


def test_event_times_across_a_clock_change(tmp_path):
    """Local times on a summer-time switch day are read through the time zone, not by adding."""
    berlin = Clock(dt.datetime(2026, 4, 1), "Europe/Berlin")
    problems = DataProblems()
    path = write_file(tmp_path / "e.csv", "customer_id,time,event\na,2026-03-29 03:30,reply\n"
                                    "a,2026-03-28 03:30,reply\na,2026-03-28T23:59,reply\n")
    times = [r.event.time for r in read_events(path, PROGRAM, berlin, problems)]
    expected = [berlin.minutes(dt.datetime(2026, 3, 29, 3, 30)),
                berlin.minutes(dt.datetime(2026, 3, 28, 3, 30)),
                berlin.minutes(dt.datetime(2026, 3, 28, 23, 59))]
    assert times == expected and times[0] - times[1] == 23 * 60


def test_numbers_must_be_finite(tmp_path):
    """`inf`, `nan` and numbers too large for a float are bad values, not numbers."""
    found, problems = customers(tmp_path, "customer_id,age,score\nc1,inf,nan\nc2,1e999,2\n")
    assert codes(problems) == [("E604", 2), ("E604", 2), ("E604", 3)]
    assert [(c.attributes, c.score) for c in found] == [({}, 0), ({}, 2)]


def test_lunar_dates_in_either_form_and_bad_ones_at_their_line(tmp_path):
    """`lunar_date` cells: `1990-08-15`, `闰四月初八`; a leap month the year lacked is E604."""
    found, problems = customers(tmp_path, (
        "customer_id,lunar_birthday\nc1,1990-08-15\nc2,闰四月初八\nc3,2025-闰04-01\n"
        "c4,八月三十二\n"), program=program_of("attribute lunar_birthday: lunar_date\n"))
    assert [c.attributes for c in found] == [
        {"lunar_birthday": LunarDay(1990, 8, 15)},
        {"lunar_birthday": LunarDay(None, 4, 8, leap=True)}, {}, {}]
    diagnostics = problems.finish()
    assert [(d.code, d.span.line) for d in diagnostics] == [("E604", 4), ("E604", 5)]
    assert "2025 had no 闰四月 (its leap month was 闰六月)" in diagnostics[0].message
    assert "八月十五" in diagnostics[1].hint


def test_a_bad_purpose_is_reported_and_a_good_one_kept(tmp_path):
    """The `purpose` cell is one of the purposes (E604 with a suggestion otherwise)."""
    found, problems = events(tmp_path, "customer_id,time,event,channel,purpose\n"
                                       "c1,2026-12-01 10:00,delivered,private_chat,choice\n"
                                       "c1,2026-12-01 11:00,delivered,private_chat,choise\n")
    assert [record.purpose for record in found] == ["choice"]
    [problem] = problems.finish()
    assert (problem.code, problem.span.line, problem.hint) == ("E604", 3, "did you mean `choice`?")


@pytest.mark.parametrize("text", [
    "2026-12-01 10:05", "2026-12-01T23:59", "2026-12-01 00:00", "2026-03-08 02:30",
    "2026-12-01 24:00", "2026-12-01 23:60", "2026-12-01 1a:00", "2026-12-01 ２3:00",
    "2026-12-01 10:٣0", "2026-13-01 10:00", "2026-12-01_10:00", "2026-12-01 10-00",
    "0000-12-01 10:00", " 2026-12-01 10:0",
])
def test_the_quick_time_reader_agrees_with_the_careful_one(text):
    """The fast path reads a time only as the careful parser does, else leaves it to it."""
    from sopdsl.customers_io import Moments

    moments = Moments(Clock(dt.datetime(2026, 12, 2), "America/New_York"))
    quick = moments.quick(text)
    try:
        careful = moments.clock.minutes(dt.datetime.fromisoformat(text))
    except ValueError:
        careful = None
    assert quick is None or quick == careful
    if text in ("2026-12-01 10:05", "2026-12-01T23:59", "2026-12-01 00:00"):
        assert quick == careful  # an ordinary time on an ordinary day takes the fast path

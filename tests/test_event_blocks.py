"""Plain blocks of event rows converted at once: the same records, diagnostics and stop as the
row at a time path, whatever the rows hold."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime_kit import program_of
from sopdsl import data_rows
from sopdsl.customers_io import Moments
from sopdsl.data_rows import DataProblems
from sopdsl.histories import HeldProblems, convert_records, data_files, follow
from sopdsl.runtime.clock import Clock

PROGRAM = program_of("event webinar\n")
# A zone with clock changes: 2026-03-08 and 2026-11-01 are not 24 hours long.
CLOCK = Clock(dt.datetime(2026, 12, 2), "America/New_York")
HEADERS = ["customer_id,time,event,channel,amount,purpose,content",
           "customer_id,time,event", "event,customer_id,time,journey,step,extra",
           "customer_id,event,channel", "customer_id,time,event,time"]
TIMES = ["2026-11-20 10:00", "2026-11-20T23:59", "2026-11-21 00:00", "2026-12-03 10:00",
         "2026-02-30 10:00", "2026-11-20 24:00", "2026-11-20 10:60", "2026-11-20 10:0",
         " 2026-11-20 10:00", "2026-03-08 02:30", "2026-11-01 01:30", "0000-01-01 00:00",
         "1800-01-01 00:00", "2026-11-2١ 10:00", "2026-11-20 10:00+08:00", "2026/11/20 10:00",
         ""]
CELLS = {
    "customer_id": ["a", "b", "c", "d", " a", ""],
    "time": TIMES,
    "event": ["reply", "open", "delivered", "purchase", "webinar", "nope", " open", ""],
    "channel": ["", "private_chat", "moments", "bogus", " private_chat", "  "],
    "amount": ["", "12", "1.5", "x", "nan", " 3 ", "1e999", "  "],
    "purpose": ["", "nurture", "bad"],
    "content": ["", "hello", " hi there ", "  "],
    "journey": ["", "j1"], "step": ["", " s1"], "extra": ["", "z"],
}
ODD = ['"', '"x"', "\r", "\0", "é", ",", ""]


@st.composite
def events_text(draw) -> str:
    """An events file: mostly well-formed sorted rows, with odd cells and odd lines."""
    header = draw(st.sampled_from(HEADERS))
    columns = header.split(",")
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        cells = [draw(st.sampled_from(CELLS[c][:2] if draw(st.booleans()) else CELLS[c]))
                 for c in columns]
        if draw(st.integers(0, 9)) == 0:
            cells[draw(st.integers(0, len(cells) - 1))] += draw(st.sampled_from(ODD))
        rows.append(",".join(cells))
    if draw(st.booleans()):
        at = columns.index("customer_id")
        rows.sort(key=lambda row: row.split(",")[at] if row.count(",") == len(columns) - 1
                  else "")
    return "\n".join([header, *rows]) + draw(st.sampled_from(["\n", ""]))


def converted(tmp_path, text: str, moments: Moments | None, later: bool):
    """Each customer's records, every diagnostic and the stop, reading with or without blocks."""
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id\na\nb\nc\n", encoding="utf-8")
    events = tmp_path / "e.csv"
    events.write_bytes(text.encode("utf-8").replace("é".encode(), b"\xff"))
    files = data_files(customers, events)
    held, problems = HeldProblems(), DataProblems()
    found = []
    for rows in follow(customers, events, PROGRAM, held, moments):
        problems.add(rows.reports)
        customer, records = convert_records(rows, PROGRAM, Moments(CLOCK), files, problems,
                                            later)
        found.append((customer.id, repr(records)))
    problems.add(held.take())
    shown = [(d.code, d.span.line, d.span.column, d.message, d.hint) for d in problems.finish()]
    return found, shown, problems.fatal or held.fatal


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=events_text(), block=st.sampled_from([40, 200, 4096]), later=st.booleans())
def test_blocks_convert_as_rows_do(tmp_path_factory, text, block, later):
    """Records (values and their types), diagnostics with their places, messages and hints,
    and the fatal flag equal the row at a time path's: odd times, days with a clock change,
    unknown events, bad channels, purposes and amounts, out-of-order rows, quotes, CR, NUL,
    bad UTF-8, short and long lines."""
    folder = tmp_path_factory.mktemp("blocks")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(data_rows, "BLOCK_CHARS", block)
        assert (converted(folder, text, Moments(CLOCK), later)
                == converted(folder, text, None, later))


def test_a_plain_block_is_converted_at_once(tmp_path):
    """Well-formed sorted rows take the block path: their records come already converted,
    with times on the clock (11 days 14 hours before the epoch) and amounts as numbers."""
    text = ("customer_id,time,event,channel,amount\n"
            "a,2026-11-20 10:00,delivered,private_chat,\na,2026-11-20T10:30,purchase,,12\n"
            "b,2026-12-01 23:59,purchase,,1.5\n")
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id\na\nb\n", encoding="utf-8")
    events = tmp_path / "e.csv"
    events.write_text(text, encoding="utf-8")
    held = HeldProblems()
    rows = list(follow(customers, events, PROGRAM, held, Moments(CLOCK)))
    records = [record for each in rows for _, record in each.events]
    assert [(r.customer, r.event.name, r.event.time, r.event.amount, r.channel, r.line)
            for r in records] == [
        ("a", "delivered", -16680.0, None, "private_chat", 2),
        ("a", "purchase", -16650.0, 12, None, 3),
        ("b", "purchase", -1.0, 1.5, None, 4)]
    assert not held.reports and not held.fatal


@pytest.mark.parametrize("later", [False, True])
@pytest.mark.parametrize("time", TIMES)
def test_one_odd_time_among_plain_rows_reads_as_rows_do(tmp_path, time, later):
    """A block that is plain but for one time cell (out of range, a clock change, after the
    epoch) gives what the row at a time path gives."""
    rows = [f"{customer},2026-11-{day} 10:00,open,private_chat,,," for customer, day
            in (("a", 19), ("a", 20), ("b", 21), ("c", 22))]
    rows[2] = f"b,{time},open,private_chat,,,"
    text = "\n".join([HEADERS[0], *rows]) + "\n"
    assert converted(tmp_path, text, Moments(CLOCK), later) == converted(tmp_path, text, None,
                                                                         later)

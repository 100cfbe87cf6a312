"""CSV formula injection: no cell of any CSV sopdsl writes starts with = + - @ tab or CR.

Customer names and ids, staff ids and e-mails, content text and journey titles are filled
with an injection corpus; every CSV sopdsl writes (plans in both CRM styles, a forecast's
daily.csv) is parsed and every cell checked. Numbers sopdsl computes stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from forecast_kit import fake_runner

from simulator import montecarlo
from sopdsl.cli import main
from sopdsl.csv_cells import TRIGGERS

CORPUS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1",
          "=cmd|' /C calc'!A0")
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]\d+)?")


def dsl(text: str) -> str:
    """`text` as a playbook string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    return '"' + escaped.replace("\r", "\\u{D}").replace("\n", "\\n") + '"'


def playbook() -> str:
    """One journey per corpus entry (as title, content text and task text), plus a task
    and a message holding the customer's name."""
    parts = ['playbook "p" { timezone "Asia/Shanghai" }', 'role guide "导购"',
             'content named: text "{customer.name}"',
             'journey names { when every day at 09:00\n task guide "{customer.name}"\n'
             " send named via private_chat }"]
    for i, text in enumerate(CORPUS):
        parts.append(f"content c{i}: text {dsl(text)}")
        parts.append(f"journey j{i} {dsl(text)} {{ when every day at 09:00\n"
                     f" task guide {dsl(text)}\n send c{i} via private_chat }}")
    return "\n".join(parts) + "\n"


def csv_file(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # so cells with \r are quoted
    return out.getvalue()


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A playbook and customers and staff files whose every text cell is from the corpus."""
    staff = [[f"{text}#{i}", text, "guide", f"{text}@x.example"] for i, text in enumerate(CORPUS)]
    customers = sorted(([f"{text}_{i}", staff[i][0], text] for i, text in enumerate(CORPUS)),
                       key=lambda row: row[0].strip())
    events = [[row[0], "2026-12-01 10:00", "friend_added"] for row in customers]
    paths = {"playbook": tmp_path / "p.sop", "customers": tmp_path / "customers.csv",
             "events": tmp_path / "events.csv", "staff": tmp_path / "staff.csv"}
    paths["playbook"].write_text(playbook(), encoding="utf-8")
    paths["customers"].write_text(csv_file([["customer_id", "owner", "name"], *customers]),
                                  encoding="utf-8", newline="")
    paths["events"].write_text(csv_file([["customer_id", "time", "event"], *events]),
                               encoding="utf-8", newline="")
    paths["staff"].write_text(csv_file([["staff_id", "name", "role", "email"], *staff]),
                              encoding="utf-8", newline="")
    return paths


def cells_of(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
            for cell in row]


@pytest.mark.parametrize("style", ["hubspot", "salesforce"])
def test_plan_csv_cells_never_start_a_formula(tmp_path, inputs, style):
    """Every cell of a plan's CSV is safe, and the corpus is there, neutralised, in the
    customer id, owner and text columns (so the check is not vacuous)."""
    out = tmp_path / "tasks.csv"
    result = CliRunner().invoke(main, [
        "plan", str(inputs["playbook"]), "--customers", str(inputs["customers"]),
        "--events", str(inputs["events"]), "--staff", str(inputs["staff"]),
        "--start", "2026-12-02", "--days", "1",
        "--format", "csv", "--csv-style", style, "-o", str(out)])
    assert result.exit_code == 0, result.output
    cells = cells_of(out.read_bytes().decode("utf-8"))
    assert [cell for cell in cells if cell.startswith(TRIGGERS)] == []
    for i, text in enumerate(CORPUS):
        stripped = text.strip()
        assert f"'{stripped}_{i}" in cells  # the customer id
        assert f"'{text}" in cells  # a task's text
        owner = f"{stripped}@x.example" if style == "hubspot" else f"{stripped}#{i}"
        assert f"'{owner}" in cells  # the assignee's e-mail (HubSpot) or staff id


def test_daily_csv_keeps_numbers_and_has_no_formula(tmp_path, monkeypatch):
    """daily.csv from `simulate --out`: every cell is a number sopdsl computed (negative
    interval bounds included) or text that does not start a formula."""
    monkeypatch.setattr(montecarlo, "default_runner", lambda: fake_runner)
    playbook_path = tmp_path / "p.sop"
    playbook_path.write_text(playbook(), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(playbook_path), "--customers", "30",
                                       "--replications", "3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    cells = cells_of((tmp_path / "out" / "daily.csv").read_bytes().decode("utf-8"))
    assert [c for c in cells if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)] == []
    assert any(NUMBER.fullmatch(c) for c in cells)

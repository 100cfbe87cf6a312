"""Staff figures from a task log: completion and delay with censoring, capacity, bad rows."""

from __future__ import annotations

from pathlib import Path

from calibration_kit import UNTIL, draw_tasks
from programs import SAMPLE_DATA
from sopdsl.calibration.calibrate import calibrate


def _customers(folder: Path) -> Path:
    path = folder / "customers.csv"
    path.write_text("customer_id\nc1\n", encoding="utf-8")
    return path


def test_completion_and_delay_are_recovered_despite_open_tasks(tmp_path: Path, onboarding):
    """80% of tasks done after a lognormal(6h, 0.8) delay; tasks still open at the cut-off are
    censored, not counted as never done: the intervals hold the truth."""
    tasks = draw_tasks(["guide_chen", "guide_lin"], 3000, 0.8, 360.0, 0.8, 4,
                       tmp_path / "tasks.csv")
    result = calibrate(_customers(tmp_path), staff=SAMPLE_DATA / "staff.csv", tasks=tasks,
                       until=UNTIL, program=onboarding, uncertainty=False)
    block = ("staff guide 2",)
    completion = result.figure(block, "completion")
    assert completion.low <= 0.8 <= completion.high, completion
    delay = result.figure(block, "delay")
    assert delay.text.startswith("lognormal(") and delay.low <= 360 <= delay.high, delay
    capacity = result.figure(block, "capacity")
    assert capacity.value is not None and capacity.low <= capacity.value <= capacity.high
    assert "member-days with tasks done" in capacity.note


def test_unknown_members_and_done_before_created_are_reported(tmp_path: Path, onboarding):
    """A task of someone not in the staff file, and one done before it was created: E604."""
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("staff_id,created,done\nnobody,2025-12-01 10:00,\n"
                     "guide_lin,2025-12-02 10:00,2025-12-01 10:00\n", encoding="utf-8")
    result = calibrate(_customers(tmp_path), staff=SAMPLE_DATA / "staff.csv", tasks=tasks,
                       until=UNTIL, program=onboarding)
    found = [(d.code, d.span.line, d.message) for d in result.diagnostics]
    assert found == [("E604", 2, "`nobody` is not in the staff file"),
                     ("E604", 3, "`done` is before `created`")]

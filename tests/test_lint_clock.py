"""Staff working time in a window: the closed form agrees with a walk over every minute."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.lint.clock import DAY, inside, least_working_minutes, working_minutes

minutes_of_day = st.integers(min_value=0, max_value=DAY - 1)


def walked(start: int, length: int, hours: tuple[int, int]) -> int:
    """Working minutes counted one minute at a time."""
    return sum(inside(hours, minute % DAY) for minute in range(start, start + length))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(minutes_of_day, st.integers(min_value=0, max_value=4 * DAY), minutes_of_day, minutes_of_day)
def test_working_minutes_equal_a_minute_walk(start: int, length: int, first: int,
                                             last: int) -> None:
    """Any window and any hours (wrapping midnight or not, empty or all day) agree."""
    assert working_minutes(start, length, (first, last)) == walked(start, length, (first, last))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(minutes_of_day, st.integers(min_value=0, max_value=36_600), minutes_of_day, minutes_of_day)
def test_whole_days_hold_a_working_day_each(start: int, days: int, first: int, last: int) -> None:
    """A window of whole days holds one working day per day, wherever it starts."""
    per_day = walked(0, DAY, (first, last))
    assert working_minutes(start, days * DAY, (first, last)) == days * per_day


def test_least_working_minutes_of_a_century() -> None:
    """36,500 days hold 36,500 working days from any start: the first start found is kept."""
    assert least_working_minutes(36_500 * DAY, (540, 1260)) == (36_500 * 720, 1260)


def test_lint_of_a_task_due_in_a_century_finishes(tmp_path: Path) -> None:
    """Tasks due in up to 36500d lint at once (a minute walk took 26 s per task)."""
    tasks = "".join(f'  task r "x" due {36_500 - k}d\n' for k in range(10))
    playbook = tmp_path / "due.sop"
    playbook.write_text('role r\njourney j "t" {\n  when friend_added\n'
                        f'  goal g: purchase within 7d\n{tasks}}}\n', encoding="utf-8")
    # The timeout only catches a hang: the lint takes well under a second, the walk minutes.
    done = subprocess.run([str(Path(sys.executable).parent / "sopdsl"), "lint", str(playbook)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problems found" in done.stdout

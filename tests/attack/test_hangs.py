"""Inputs that once hung a command finish, each under a generous time limit.

The limits only catch a hang: each command here takes well under a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SOPDSL = Path(sys.executable).parent / "sopdsl"


def test_lint_of_tasks_due_in_a_century_finishes(tmp_path: Path) -> None:
    """Ten tasks due in up to 36500d: counting working time a day at a time, for each minute
    of the day, took 26 s per task."""
    tasks = "".join(f'  task r "x" due {36_500 - k}d\n' for k in range(10))
    playbook = tmp_path / "due.sop"
    playbook.write_text('role r\njourney j "t" {\n  when friend_added\n'
                        f'  goal g: purchase within 7d\n{tasks}}}\n', encoding="utf-8")
    done = subprocess.run([str(SOPDSL), "lint", str(playbook)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problems found" in done.stdout

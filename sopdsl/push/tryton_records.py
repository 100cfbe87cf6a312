"""Plan tasks as Tryton records: the run's project, a task work per plan task, and their keys.

Tryton does not let clients write a work's `number`, so the idempotency keys travel in the
`comment`, on a last line of their own (`sopdsl-key: <key>`, `sopdsl-run: <key>` for the run's
project), where a later push finds them again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from sopdsl.planning.model import PlanTask
from sopdsl.push.target import PlanRun

TASK_KEY_LINE = "sopdsl-key: "
RUN_KEY_LINE = "sopdsl-run: "
_TASK_KEY = re.compile(r"^sopdsl-key: ([0-9a-f]{32})$", re.MULTILINE)


def run_key(run: PlanRun) -> str:
    """The stable key of a plan run: the playbook and the window (32 hex digits)."""
    text = "\x1f".join((run.playbook.file, run.playbook.title or "", run.window.start,
                        run.window.end))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def project_record(run: PlanRun) -> dict[str, Any]:
    """The project that holds a run's tasks: its name, comment and key."""
    start = dt.datetime.fromisoformat(run.window.start)
    last = dt.datetime.fromisoformat(run.window.end) - dt.timedelta(days=1)
    title = run.playbook.title or run.playbook.file
    key = run_key(run)
    comment = (f"playbook: {run.playbook.file}\n"
               f"window: {run.window.start} to {run.window.end} ({run.playbook.timezone})\n"
               f"{RUN_KEY_LINE}{key}")
    return {"key": key, "name": f"{title} · {start:%Y-%m-%d} – {last:%Y-%m-%d}",
            "comment": comment}


def work_record(task: PlanTask) -> dict[str, Any]:
    """A task work for one plan task, with the customer and assignee by their ids."""
    assignee = task.assignee
    return {"key": task.key, "name": task.title, "party": task.customer,
            "assignee": assignee.staff_id if assignee else None,
            "due": task.due.end, "comment": task_comment(task)}


def party_record(task: PlanTask) -> dict[str, str]:
    """The customer's party: the customer id as its code, the customer's name."""
    return {"code": task.customer, "name": task.customer_name or task.customer}


def task_comment(task: PlanTask) -> str:
    """The script and where it comes from, ending with the idempotency key line."""
    lines = [task.text or task.title, ""]
    if task.content is not None and task.content.text not in (task.text or ""):
        lines += [f"content: {task.content.name}", task.content.text, ""]
    lines.append(f"customer: {task.customer_name or '-'} ({task.customer})")
    if task.assignee is not None:
        who = task.assignee.name or task.assignee.staff_id or "-"
        role = f", role {task.assignee.role}" if task.assignee.role else ""
        lines.append(f"assignee: {who} ({task.assignee.staff_id or 'role queue'}{role})")
    if task.channel:
        lines.append(f"channel: {task.channel}")
    lines += [f"due: {task.due.start} to {task.due.end}",
              f"step: {task.step} (journey {task.journey}, round {task.round})",
              f"source: {task.source}",
              f"{TASK_KEY_LINE}{task.key}"]
    return "\n".join(lines)


def keys_in(comments: list[str | None]) -> set[str]:
    """The task keys written into these work comments."""
    return {key for comment in comments if comment for key in _TASK_KEY.findall(comment)}

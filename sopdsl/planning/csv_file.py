"""Plans as CSV for CRM task imports: one row per staff task, HubSpot or Salesforce columns.

Files start with a UTF-8 byte order mark and end lines with CRLF, so Excel opens Chinese text
correctly; cells a spreadsheet would run as formulas are neutralised (see `csv_cells`). Only
work for people is written (batches, chats, tasks, alerts, handoffs); automatic sends, a
batch's customer-level sends, state updates and pending steps stay in the JSON plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import IO

from sopdsl.csv_cells import CsvWriter
from sopdsl.planning.model import PlanSummary, PlanTask, priority_band

BOM = "\ufeff"

HUBSPOT_COLUMNS = ("Task Title", "Task Type", "Priority", "Status", "Due Date", "Assigned to",
                   "Notes", "Customer ID", "Journey", "Step", "Sopdsl Key")
SALESFORCE_COLUMNS = ("Subject", "ActivityDate", "Status", "Priority", "OwnerId", "WhoId",
                      "Description", "IsReminderSet", "ReminderDateTime", "Sopdsl_Key__c")
_HUBSPOT_PRIORITY = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}
_SALESFORCE_PRIORITY = {"high": "High", "medium": "Normal", "low": "Low"}


def hubspot_row(task: PlanTask) -> list[str]:
    """A HubSpot task import row: due in the playbook's local time, owner by e-mail."""
    assignee = task.assignee
    owner = (assignee.email or assignee.staff_id or "") if assignee else ""
    due = dt.datetime.fromisoformat(task.due.end).strftime("%Y-%m-%d %H:%M")
    return [task.title, "TODO", _HUBSPOT_PRIORITY[priority_band(task.priority)], "NOT_STARTED",
            due, owner, task.text or "", task.customer or "", task.journey, task.step, task.key]


def salesforce_row(task: PlanTask) -> list[str]:
    """A Salesforce Task row in API names, for Data Loader or Bulk API."""
    owner = (task.assignee.staff_id or "") if task.assignee else ""
    due = dt.datetime.fromisoformat(task.due.end)
    reminder = dt.datetime.fromisoformat(task.due.start).astimezone(dt.timezone.utc)
    return [task.title, due.date().isoformat(), "Not Started",
            _SALESFORCE_PRIORITY[priority_band(task.priority)], owner, task.customer or "",
            task.text or "", "true", reminder.strftime("%Y-%m-%dT%H:%M:%SZ"), task.key]


_STYLES: dict[str, tuple[tuple[str, ...], Callable[[PlanTask], list[str]]]] = {
    "hubspot": (HUBSPOT_COLUMNS, hubspot_row),
    "salesforce": (SALESFORCE_COLUMNS, salesforce_row),
}


class PlanCsvWriter:
    """Writes staff tasks as CSV rows as they are planned."""

    def __init__(self, out: IO[str], style: str = "hubspot") -> None:
        self.out = out
        self.columns, self.row = _STYLES[style]
        self.writer = CsvWriter(out, lineterminator="\r\n")
        self.started = False

    def write(self, tasks: Iterable[PlanTask]) -> None:
        """One row per staff task (the header first, with the first tasks)."""
        self._begin()
        self.writer.writerows(self.row(task) for task in tasks if task.staff_work)

    def close(self, summary: PlanSummary) -> None:
        """Write the header if no task came."""
        self._begin()

    def _begin(self) -> None:
        if not self.started:
            self.out.write(BOM)
            self.writer.writerow(self.columns)
            self.started = True

"""Customer groups from data: a groups file (id, owner, name) and the `joined_group` and
`left_group` rows of the events file (their `group` column is WeCom's `chat_id`).

A group that only the events name is owned by the owner of its first member in the customers
file's order (`own_from_customers`). Bad rows are diagnostics with file and line.
"""

from __future__ import annotations

from pathlib import Path

from sopdsl.checker.program import Program
from sopdsl.customers_io import Cells, Columns, Moments, text_cell
from sopdsl.data_rows import DataProblems, read_rows
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.groups import Group, GroupBook
from sopdsl.syntax.files import display_path

GROUP_COLUMNS = ("group_id", "owner", "name")
MEMBERSHIP_EVENTS = ("joined_group", "left_group")


def read_groups(path: Path, problems: DataProblems) -> GroupBook:
    """The groups file: one row per group."""
    name = display_path(path)
    columns = Columns(name, GROUP_COLUMNS, ("group_id",), problems)
    book = GroupBook()
    for line, row in read_rows(path, problems):
        if not columns.check(line, row):
            continue
        group_id = text_cell(row["group_id"]) or ""
        if group_id in book.groups:
            problems.report("E613", name, line, f"group `{group_id}` is listed twice",
                            hint="give each WeCom chat_id one row")
            continue
        book.add(Group(group_id, text_cell(row.get("owner")), text_cell(row.get("name")) or ""))
    return book


def read_memberships(path: Path, program: Program, clock: Clock, book: GroupBook,
                     listed: bool, problems: DataProblems) -> None:
    """Replay the events file's group rows before the plan's start into `book`, in time order.

    `listed`: the groups come from a groups file, so a group it does not list is E612;
    otherwise each group named by the events is added.
    """
    name = display_path(path)
    columns = Columns(name, (), ("customer_id", "time", "event"), problems)
    columns.seen.update(("customer_id", "time", "event", "content", "amount", "group",
                         *program.attributes))  # read_events reports unknown columns
    moments = Moments(clock)
    rows: list[tuple[float, int, str, str, str]] = []
    for line, row in read_rows(path, DataProblems()):
        event = text_cell(row.get("event"))
        group_id = text_cell(row.get("group"))
        if event not in MEMBERSHIP_EVENTS or group_id is None or not columns.check(line, row):
            continue
        cells = Cells(name, line, DataProblems())  # read_events reports bad times
        when = cells.moment(row["time"], moments)
        if when is None or when >= 0:
            continue
        if group_id not in book.groups:
            if listed:
                problems.report("E612", name, line,
                                f"group `{group_id}` is not in the groups file",
                                hint="add the group (group_id, owner, name) to the groups file, "
                                     "or check the chat_id")
                continue
            book.add(Group(group_id, None))
        rows.append((when, line, event, text_cell(row["customer_id"]) or "", group_id))
    for _, _, event, customer, group_id in sorted(rows):
        if event == "joined_group":
            book.put(customer, group_id)
        else:
            book.leave(customer, group_id)


def own_from_customers(book: GroupBook, customers: Path) -> None:
    """Groups without an owner take the owner of their first member in the customers file (its
    problems are the customers reading's to report)."""
    if all(group.owner is not None for group in book.groups.values()):
        return
    for _, row in read_rows(customers, DataProblems()):
        customer = text_cell(row.get("customer_id"))
        if customer in book.of:
            book.own_unowned(customer, text_cell(row.get("owner")))

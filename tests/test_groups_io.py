"""Customer groups from data: the groups file and the events' joined_group/left_group rows, bad
rows as diagnostics with file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from programs import program_from, write_file
from sopdsl.data_rows import DataProblems
from sopdsl.groups_io import read_groups, read_memberships
from sopdsl.runtime.clock import Clock
from sopdsl.runtime.groups import GroupBook

CLOCK = Clock(dt.datetime(2026, 12, 2), "Asia/Shanghai")
EVENTS = """customer_id,time,event,group
c1,2026-11-01 10:00,joined_group,chatA
c1,2026-11-20 10:00,left_group,chatA
c2,2026-11-02 10:00,joined_group,chatA
c2,2026-11-03 10:00,joined_group,chatZ
c3,2026-11-04 10:00,joined_group,
c3,2026-12-05 10:00,joined_group,chatA
"""


def test_groups_file_and_memberships(tmp_path: Path) -> None:
    """Joins and leaves before the start are replayed; a group missing from the groups file is
    E612 and a repeated one E613, each at its line; rows without a group or after the start
    change nothing."""
    program = program_from('role guide "导购"\n')
    problems = DataProblems()
    book = read_groups(write_file(tmp_path / "groups.csv", "group_id,owner,name\n"
                                  "chatA,guide_chen,A群\nchatA,guide_lin,again\n"), problems)
    read_memberships(write_file(tmp_path / "events.csv", EVENTS), program, CLOCK, book, True,
                     problems)
    assert [(d.code, d.span.line) for d in problems.finish()] == [("E613", 3), ("E612", 5)]
    assert list(book.groups["chatA"].members) == ["c2"]
    assert (book.groups["chatA"].owner, book.groups["chatA"].name) == ("guide_chen", "A群")


def test_groups_known_only_from_events_are_owned_by_their_first_member(tmp_path: Path) -> None:
    program = program_from('role guide "导购"\n')
    problems, book = DataProblems(), GroupBook()
    read_memberships(write_file(tmp_path / "events.csv", EVENTS), program, CLOCK, book, False,
                     problems)
    assert problems.finish() == []
    assert sorted(book.groups) == ["chatA", "chatZ"]
    book.own_unowned("c2", "guide_lin")
    assert book.groups["chatA"].owner == book.groups["chatZ"].owner == "guide_lin"
    assert [g.id for g in book.groups_of("c2", "guide_lin")] == ["chatA", "chatZ"]

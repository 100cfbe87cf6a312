"""The years the statutory holiday calendar covers, checked where a playbook's runs are dated.

A playbook reads that calendar under `workdays china` or with a `DATE is holiday` test; it knows
the years the State Council has published only, and counts the days of a later year Monday to
Friday with no statutory holidays. Dates written in the playbook (W333 here), a scenario's
`start` and `horizon` and `plan --start` are checked against those years before a run, so an
operator planning into a year not yet published is told what was assumed.
"""

from __future__ import annotations

import datetime as dt

from sopdsl.syntax import ast
from sopdsl.calendars import china_years, years_text
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.checker.program import Program
from sopdsl.syntax.walk import nodes


def holiday_reader(program: Program) -> ast.Node | None:
    """What makes the program read the holiday calendar: its `workdays china` setting, else
    its first `DATE is holiday`; None when nothing does."""
    if program.playbook is not None and program.settings.workdays == "china":
        return next(s for s in program.playbook.settings if isinstance(s, ast.Workdays))
    return next((node for node in _dated_nodes(program)
                 if isinstance(node, ast.DayTest) and node.day.name == "holiday"), None)


def reader_text(reader: ast.Node) -> str:
    """`workdays china` or `is holiday`, for messages."""
    return "`workdays china`" if isinstance(reader, ast.Workdays) else "`is holiday`"


ASSUMED = "its days count Monday to Friday, with no statutory holidays"
NEWER = "a newer chinesecalendar release adds years as the State Council publishes them"


def calendar_gap(program: Program, first: dt.date, last: dt.date) -> str | None:
    """What days from `first` to `last` the calendar does not know, and what is assumed of
    them; None when they are covered or nothing reads it."""
    reader = holiday_reader(program)
    years = china_years()
    if reader is None or (first.year in years and last.year in years):
        return None
    outside = first if first.year not in years else last
    return (f"{reader_text(reader)} knows the statutory holidays of {years_text(years)} only, "
            f"not {outside.isoformat()}: {ASSUMED}")


def check_date_literals(program: Program) -> list[Diagnostic]:
    """W333 at each date written in the playbook outside the calendar's years, when the
    playbook reads the calendar (a run that reaches the date assumes Monday to Friday)."""
    reader = holiday_reader(program)
    if reader is None:
        return []
    years = china_years()
    return [diag("W333", node.span,
                 f"{reader_text(reader)} knows the statutory holidays of {years_text(years)} "
                 f"only, not {node.value.isoformat()}: {ASSUMED}",
                 f"check the holidays of that year by hand; {NEWER}")
            for node in _dated_nodes(program)
            if isinstance(node, ast.DateLit) and node.value.year not in years]


def _dated_nodes(program: Program):
    """Every node of the journeys, segments and campaigns (scenarios are checked apart)."""
    for module in program.modules:
        for decl in module.decls:
            if isinstance(decl, (ast.Journey, ast.SegmentDecl, ast.CampaignDecl)):
                yield from nodes(decl)

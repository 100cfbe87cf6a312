"""Forecast figures on a drawing: what each step did, read from a `sopdsl simulate` JSON report.

A post (moments, a group post) and a mass send are one staff action for everyone they reach,
so their steps read as actions made (and groups posted to) before deliveries; any other send
as sent and delivered. Opened and clicked follow for every send; other steps show how many runs reached
them. Figures are the report's means.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sopdsl import jsontext
from sopdsl.builtins import BATCHED_CHANNELS, CHANNEL_FACTS, GROUP_CHANNELS
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.draw.graph import WorkflowGraph
from sopdsl.errors import SopdslError
from sopdsl.reading import TooLarge, read_regular
from sopdsl.syntax.files import display_path
from sopdsl.syntax.source import SourceFile, Span

# A report of a large playbook is a few megabytes; anything far larger is not one.
REPORT_LIMIT = 256 * 1024 * 1024
_REMAKE = "write a report with `sopdsl simulate PLAYBOOK --format json > report.json`"


class ReportError(SopdslError):
    """A report file that cannot be drawn from; `diagnostic` says why, `source` holds the
    report's text when it was read (for the caret under the line)."""

    def __init__(self, diagnostic: Diagnostic, source: SourceFile | None = None) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.source = source


def read_report(path: Path) -> dict[str, Any]:
    """The forecast report in a JSON file written by `sopdsl simulate --format json`."""
    name = display_path(path)
    try:
        data = read_regular(path, REPORT_LIMIT)
    except FileNotFoundError:
        raise _error("E630", name, "no such report file", "check the path; " + _REMAKE) from None
    except TooLarge:
        raise _error("E630", name, "the file is far larger than a forecast report",
                     _REMAKE) from None
    except OSError as error:
        raise _error("E630", name, f"cannot read the report: {error.strerror or error}",
                     _REMAKE) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _error("E630", name, f"the report is not UTF-8 text (bad byte 0x"
                                   f"{data[error.start]:02X})", _REMAKE) from None
    source = SourceFile(name, text)
    try:
        document = jsontext.loads(text)
    except json.JSONDecodeError as error:
        raise _error("E631", name, f"the report is not JSON: {error.msg.lower()}", _REMAKE,
                     error.lineno, error.colno, source) from None
    journeys = document.get("journeys") if isinstance(document, dict) else None
    if not isinstance(journeys, dict) or not all(
            isinstance(j, dict) and isinstance(j.get("steps", {}), dict)
            for j in journeys.values()):
        raise _error("E631", name, "this JSON is not a forecast report (no `journeys` with "
                                   "their `steps`)", _REMAKE, source=source)
    return document


def label_figures(graph: WorkflowGraph, report: Mapping[str, Any]) -> int:
    """Put each step's figures on its node (`figures`, a list of short phrases); how many of
    the graph's steps got some."""
    labelled = 0
    for step, phrases in step_figures(report).items():
        if step in graph.g and "step" in graph.g.nodes[step]:
            graph.g.nodes[step]["figures"] = phrases
            labelled += 1
    return labelled


def step_figures(report: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each step's figures as short phrases, by step id (`journey/1.then/2`)."""
    figures = {}
    for journey in report.get("journeys", {}).values():
        for step, values in journey.get("steps", {}).items():
            if isinstance(values, dict):
                figures[step] = _phrases(values)
    return figures


def _phrases(values: Mapping[str, Any]) -> list[str]:
    channel = values.get("channel")
    if channel not in CHANNEL_FACTS:
        return [f"reached {_mean(values, 'reached')}"]
    if channel in GROUP_CHANNELS:
        made = f"{_mean(values, 'actions')} posts to {_mean(values, 'groups')} groups"
    elif channel in BATCHED_CHANNELS:
        kind = "posts" if CHANNEL_FACTS[channel].post else "mass sends"
        made = f"{_mean(values, 'actions')} {kind}"
    else:
        made = f"{_mean(values, 'sent')} sent"
    return [made, f"{_mean(values, 'delivered')} delivered", f"{_mean(values, 'opened')} opened",
            f"{_mean(values, 'clicked')} clicked"]


def _mean(values: Mapping[str, Any], key: str) -> str:
    figure = values.get(key)
    mean = figure.get("mean") if isinstance(figure, dict) else figure
    if not isinstance(mean, (int, float)) or isinstance(mean, bool):
        return "–"
    return f"{mean:,.0f}" if abs(mean) >= 10 or mean == int(mean) else f"{mean:,.1f}"


def not_this_playbook(path: Path) -> ReportError:
    """The error for a report none of whose steps is a step of the drawn playbook."""
    return _error("E631", display_path(path), "no step of this report is a step of the playbook",
                  "draw the playbook the report was made from, or " + _REMAKE)


def _error(code: str, name: str, message: str, hint: str, line: int = 1,
           column: int = 1, source: SourceFile | None = None) -> ReportError:
    span = Span(file=name, line=line, column=column, end_line=line, end_column=column + 1)
    return ReportError(diag(code, span, message, hint=hint), source)

"""Diagnostics as a SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from sopdsl.codes import CODES
from sopdsl.diagnostics import Diagnostic

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/sopdsl/"


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    """A SARIF log with one run: a rule per code that occurs and a result per diagnostic."""
    codes = sorted({d.code for d in diagnostics})
    rule_index = {code: index for index, code in enumerate(codes)}
    run = {
        "tool": {"driver": _driver(codes)},
        # Spans count code points, as Lark does; SARIF's default would be UTF-16 units.
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, rule_index[d.code]) for d in diagnostics],
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _tool_version() -> str:
    """The installed sopdsl version, or 0.0.0 when running from an uninstalled tree."""
    try:
        return version("sopdsl")
    except PackageNotFoundError:
        return "0.0.0"


def _driver(codes: list[str]) -> dict[str, object]:
    return {
        "name": "sopdsl",
        "version": _tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": [_rule(code) for code in codes],
    }


def _rule(code: str) -> dict[str, object]:
    entry = CODES[code]
    return {
        "id": code,
        "name": entry.name,
        "shortDescription": {"text": entry.summary},
        "defaultConfiguration": {"level": entry.severity.value},
    }


def _result(diagnostic: Diagnostic, rule_index: int) -> dict[str, object]:
    span = diagnostic.span
    region = {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": span.file.replace("\\", "/")},
            "region": region,
        }
    }
    return {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": diagnostic.severity.value,
        "message": {"text": _message_text(diagnostic)},
        "locations": [location],
    }


def _message_text(diagnostic: Diagnostic) -> str:
    if not diagnostic.hint:
        return diagnostic.message
    hint = diagnostic.hint[0].upper() + diagnostic.hint[1:]
    return f"{diagnostic.message.rstrip('.')}. {hint}"

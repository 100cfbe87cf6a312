"""Tests for the machine formats (json, sarif, github) and the format dispatcher."""

from __future__ import annotations

import json

import pytest

from sopdsl.codes import CODES, Code, Severity
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.render import FORMATS, render
from sopdsl.render.github import escape_data, escape_property, render_github
from sopdsl.render.json_format import render_json
from sopdsl.render.sarif import render_sarif
from sopdsl.syntax.source import SourceFile, Span

PATH = "playbooks/新客.sop"


@pytest.fixture(autouse=True)
def warning_code(monkeypatch: pytest.MonkeyPatch) -> None:
    # The catalogue has no W codes yet; the renderers only need one entry to look up.
    monkeypatch.setitem(
        CODES, "W401", Code("W401", "unused-content", Severity.WARNING, "content no step sends")
    )


def span(line: int, column: int, end_line: int, end_column: int, file: str = PATH) -> Span:
    return Span(file=file, line=line, column=column, end_line=end_line, end_column=end_column)


@pytest.fixture
def diagnostics() -> list[Diagnostic]:
    return [
        diag("E201", span(14, 8, 14, 14), "unknown content `welcom`", "did you mean `welcome`?"),
        diag("W401", span(20, 9, 20, 13), "content `新客礼包` is never sent"),
        diag("E301", span(3, 1, 9, 2, file="sub\\dir\\b.sop"), "journey `复购` has no trigger"),
    ]


def test_json_round_trips_every_field(diagnostics: list[Diagnostic]) -> None:
    """Give each diagnostic its code, name, severity, text, hint and 1-based span."""
    document = json.loads(render_json(diagnostics, files=4))
    assert set(document) == {"diagnostics", "files"}
    assert document["files"] == 4
    rows = document["diagnostics"]
    assert len(rows) == len(diagnostics)
    for row, d in zip(rows, diagnostics):
        assert row == {
            "code": d.code,
            "name": CODES[d.code].name,
            "severity": d.severity.value,
            "message": d.message,
            "hint": d.hint,
            "file": d.span.file,
            "line": d.span.line,
            "column": d.span.column,
            "end_line": d.span.end_line,
            "end_column": d.span.end_column,
        }
    assert rows[1]["severity"] == "warning" and rows[1]["hint"] is None


def test_json_keeps_cjk_readable(diagnostics: list[Diagnostic]) -> None:
    """Write CJK text as itself rather than as \\u escapes."""
    assert "新客礼包" in render_json(diagnostics, files=1)


def sarif_run(diagnostics: list[Diagnostic]) -> dict:
    log = json.loads(render_sarif(diagnostics))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 1
    return log["runs"][0]


def test_sarif_lists_one_rule_per_code_and_indexes_it(diagnostics: list[Diagnostic]) -> None:
    """Describe each code that occurs once, and point each result at its rule by index."""
    run = sarif_run(diagnostics + diagnostics[:1])
    driver = run["tool"]["driver"]
    assert driver["name"] == "sopdsl"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == ["E201", "E301", "W401"]
    assert rules[2] == {
        "id": "W401",
        "name": "unused-content",
        "shortDescription": {"text": "content no step sends"},
        "defaultConfiguration": {"level": "warning"},
    }
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert len(run["results"]) == 4


def test_sarif_results_carry_level_message_and_region(diagnostics: list[Diagnostic]) -> None:
    """Give each result its level, hint as a second sentence, path and code-point region."""
    run = sarif_run(diagnostics)
    assert run["columnKind"] == "unicodeCodePoints"
    first, second, third = run["results"]
    assert first["level"] == "error" and second["level"] == "warning"
    assert first["message"]["text"] == "unknown content `welcom`. Did you mean `welcome`?"
    assert second["message"]["text"] == "content `新客礼包` is never sent"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == PATH
    assert location["region"] == {"startLine": 14, "startColumn": 8, "endLine": 14, "endColumn": 14}
    third_location = third["locations"][0]["physicalLocation"]
    assert third_location["artifactLocation"]["uri"] == "sub/dir/b.sop"
    assert third_location["region"]["endLine"] == 9


def test_sarif_without_diagnostics_is_an_empty_run() -> None:
    """Report a clean check as a run with no rules and no results."""
    run = sarif_run([])
    assert run["tool"]["driver"]["rules"] == []
    assert run["results"] == []


# The fields GitHub code scanning needs, written by hand so nothing is downloaded.
MINIMAL_SARIF_SCHEMA = {
    "type": "object",
    "required": ["$schema", "version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "version", "rules"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription"],
                                        },
                                    }
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["unicodeCodePoints", "utf16CodeUnits"]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "level", "message", "locations"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "additionalProperties": {
                                                            "type": "integer",
                                                            "minimum": 1,
                                                        },
                                                    }
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_matches_the_minimal_schema(diagnostics: list[Diagnostic]) -> None:
    """Validate the log against the required SARIF fields when jsonschema is installed."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(render_sarif(diagnostics)), MINIMAL_SARIF_SCHEMA)


def test_github_writes_one_command_per_diagnostic(diagnostics: list[Diagnostic]) -> None:
    """Annotate errors and warnings with span, title and hint, then print the summary."""
    lines = render_github(diagnostics, files=2).splitlines()
    assert lines[0] == (
        f"::error file={PATH},line=14,col=8,endLine=14,endColumn=14,"
        "title=E201 undefined-name::unknown content `welcom` (hint: did you mean `welcome`?)"
    )
    assert lines[1].startswith("::warning file=")
    assert lines[2] == (
        "::error file=sub\\dir\\b.sop,line=3,endLine=9,title=E301 journey-without-trigger"
        "::journey `复购` has no trigger"
    )
    assert lines[3] == "Found 2 errors and 1 warning in 2 files."
    assert len(lines) == 4


def test_github_escapes_data_and_properties() -> None:
    """Escape `%` first, newlines in all text, and `:` and `,` only in properties."""
    assert escape_data("50%\r\nnext: a,b") == "50%25%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    d = diag("E303", span(1, 1, 1, 5, file="c:/x,y.sop"), "shares add up to 90%")
    d = d.model_copy(update={"message": "shares add up to 90%\nnot 100%"})
    command = render_github([d], files=1).splitlines()[0]
    assert command.startswith("::error file=c%3A/x%2Cy.sop,line=1,")
    assert command.endswith("::shares add up to 90%25%0Anot 100%25")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_every_format(fmt: str, diagnostics: list[Diagnostic]) -> None:
    """Produce newline-terminated output in each advertised format, free of ANSI codes."""
    sources = {PATH: SourceFile(PATH, "x\n" * 30)}
    out = render(diagnostics, sources, fmt, files=2)
    assert out.endswith("\n") and not out.endswith("\n\n")
    assert "\x1b" not in out
    if fmt in ("json", "sarif"):
        json.loads(out)


def test_render_rejects_an_unknown_format() -> None:
    """Name the valid formats when given one that does not exist."""
    with pytest.raises(ValueError, match="text, json, sarif, github"):
        render([], {}, "xml", files=0)

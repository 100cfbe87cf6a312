"""Tests for sopdsl.fmt.formatter: golden layouts, refusals, the safety net, and properties."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from sopdsl.syntax import ast

from sopdsl.fmt import formatter
from sopdsl.fmt.layout import display_width
from sopdsl.fmt.formatter import FormatResult, FormatterError, format_text
from sopdsl.syntax.parser import parse_text
from golden import assert_golden
from strategies import programs  # tests/ is on sys.path under pytest (rootdir-less test dir)
from programs import PLAYBOOKS

GOLDEN = Path(__file__).parent / "golden" / "fmt"
CASES = sorted(path.name.removesuffix(".in.sop") for path in GOLDEN.glob("*.in.sop"))
PLAYBOOK_FILES = sorted(PLAYBOOKS.glob("**/*.sop"))

# The formatter's canonical clause order, restated here as an independent oracle.
CLAUSE_ORDER = ["When", "Audience", "Reentry", "Goal", "ExitOn", "ExitWhen", "Priority",
                "JourneyCap"]
SETTING_ORDER = ["Timezone", "QuietHours", "FrequencyCap", "MassQuota", "Stages", "Workdays"]


def formatted(text: str) -> str:
    result = format_text(text)
    assert result.text is not None, result.diagnostics
    return result.text


# ---- golden layouts ------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_golden_case_formats_to_its_expected_output(case: str) -> None:
    """Each tests/golden/fmt/<case>.in.sop formats to <case>.out.sop, which is stable."""
    source = (GOLDEN / f"{case}.in.sop").read_text(encoding="utf-8")
    output = formatted(source)
    assert_golden(GOLDEN / f"{case}.out.sop", output)
    assert formatted(output) == output


def test_there_are_enough_golden_cases() -> None:
    """The golden suite covers at least twelve layouts."""
    assert len(CASES) >= 12


@pytest.mark.parametrize("path", PLAYBOOK_FILES, ids=lambda p: str(p.relative_to(PLAYBOOKS)))
def test_example_playbook_formats_to_its_golden(path: Path) -> None:
    """Every example playbook formats to its golden under tests/golden/fmt/playbooks."""
    relative = path.relative_to(PLAYBOOKS)
    golden = GOLDEN / "playbooks" / relative.with_name(relative.stem + ".out.sop")
    assert_golden(golden, formatted(path.read_text(encoding="utf-8")))


def test_canonical_input_is_unchanged() -> None:
    """A file already in canonical layout comes back identical, with changed False."""
    source = (GOLDEN / "canonical.in.sop").read_text(encoding="utf-8")
    result = format_text(source)
    assert result.text == source
    assert result.changed is False


def test_changed_is_true_when_the_layout_moves() -> None:
    """Reformatting messy text reports changed."""
    result = format_text("role  guide")
    assert result == FormatResult(text="role guide\n", diagnostics=[], changed=True)


def test_empty_file_stays_empty() -> None:
    """An empty file formats to an empty file; a comment-only file keeps its comments."""
    assert formatted("") == ""
    assert formatted("\n\n# only\n\n\n# two") == "# only\n\n# two\n"


def test_literals_are_printed_as_written() -> None:
    """Durations, percentages, decimals and long strings keep their source spelling."""
    source = 'journey j {\n  when friend_added\n  set a = 3.50\n  wait 1d12h\n  set b = 12.0%\n}\n'
    assert formatted(source) == source


def test_content_block_fits_in_one_hundred_display_columns() -> None:
    """A content line of exactly 100 columns stays on one line; CJK counts double."""
    head = 'content c: text "'
    tail = '" { value 1 }'
    fitting = head + "好" * ((100 - len(head) - len(tail)) // 2) + tail
    assert display_width(fitting) == 100
    assert formatted(fitting) == fitting + "\n"
    too_long = fitting.replace('"', '"x', 1)
    assert formatted(too_long).splitlines()[1:] == ["  value 1", "}"]


def test_trailing_comments_align_by_display_width() -> None:
    """A run of trailing comments lines up in terminal columns even after CJK text."""
    lines = formatted('role 导购 # a\nrole sales # b\n').splitlines()
    assert [display_width(line[:line.index("#")]) for line in lines] == [12, 12]


def test_clause_comments_travel_with_their_clause() -> None:
    """A reordered clause keeps its leading and trailing comments."""
    source = "journey j {\n  # why capped\n  cap 1 per 1d  # tight\n  when friend_added\n}\n"
    assert formatted(source) == (
        "journey j {\n  when friend_added\n  # why capped\n  cap 1 per 1d  # tight\n}\n"
    )


def test_step_order_is_never_changed() -> None:
    """Steps keep their order: positional step ids depend on it."""
    source = "journey j {\n  when friend_added\n  exit\n  tag \"a\"\n  send x via sms\n}\n"
    assert formatted(source) == source


# ---- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "journey j { when friend_added send x }",
    "role guide\nsegment = tag",
    'journey j { when friend_added wait until 25:00 }',
    "role “guide”",
])
def test_file_with_errors_is_refused_with_its_diagnostics(source: str) -> None:
    """Text that does not parse cleanly gets no output, only the parser's diagnostics."""
    _, diagnostics = parse_text(source)
    result = format_text(source)
    assert result.text is None
    assert result.changed is False
    assert result.diagnostics == diagnostics
    assert any(d.severity.value == "error" for d in result.diagnostics)


def test_diagnostics_carry_the_given_path() -> None:
    """Refusal diagnostics point at the file that was formatted."""
    result = format_text("role", path="playbooks/a.sop")
    assert result.diagnostics and result.diagnostics[0].span.file == "playbooks/a.sop"


# ---- the safety net ------------------------------------------------------------------


def test_safety_net_rejects_output_that_changes_meaning(monkeypatch) -> None:
    """Output that parses to a different AST raises FormatterError, never returns."""
    monkeypatch.setattr(formatter, "render", lambda lines: "role other\n")
    with pytest.raises(FormatterError, match="does not mean the same"):
        format_text("role guide")


def test_safety_net_rejects_output_that_does_not_parse(monkeypatch) -> None:
    """Output with a syntax error raises FormatterError."""
    monkeypatch.setattr(formatter, "render", lambda lines: "role {\n")
    with pytest.raises(FormatterError, match="does not parse"):
        format_text("role guide")


def test_safety_net_rejects_a_lost_comment(monkeypatch) -> None:
    """Dropping a comment raises FormatterError."""
    monkeypatch.setattr(formatter, "render", lambda lines: "role guide\n")
    with pytest.raises(FormatterError, match="comment"):
        format_text("role guide  # keep me")


def test_safety_net_rejects_unstable_output(monkeypatch) -> None:
    """Output that a second pass would change raises FormatterError."""
    outputs = iter(["role guide\n", "role guide\n\n"])
    monkeypatch.setattr(formatter, "render", lambda lines: next(outputs))
    with pytest.raises(FormatterError, match="again"):
        format_text("role guide")


def test_safety_net_rejects_a_tree_that_does_not_match_the_source(monkeypatch) -> None:
    """A span that points at the wrong text (a builder bug) raises FormatterError."""
    original = formatter.parse_text

    def shifted(text, path="<string>"):
        module, diagnostics = original(text, path)
        if module is not None and module.decls:
            journey = module.decls[0]
            name = journey.name.model_copy(update={"span": journey.name.span.model_copy(
                update={"end_column": journey.name.span.end_column + 2})})
            module = module.model_copy(update={"decls": [journey.model_copy(
                update={"name": name})]})
        return module, diagnostics

    monkeypatch.setattr(formatter, "parse_text", shifted)
    with pytest.raises(FormatterError, match="does not match the source"):
        format_text("journey j { when friend_added }")


# ---- properties over generated programs ----------------------------------------------


def canonical(module: ast.Module) -> list[object]:
    """Declarations without spans, with clauses and settings in canonical order."""
    out = []
    for decl in module.decls:
        if isinstance(decl, ast.Journey):
            decl = decl.model_copy(update={"clauses": sorted(
                decl.clauses, key=lambda c: CLAUSE_ORDER.index(type(c).__name__))})
        if isinstance(decl, ast.PlaybookDecl):
            decl = decl.model_copy(update={"settings": sorted(
                decl.settings, key=lambda s: SETTING_ORDER.index(type(s).__name__))})
        out.append(ast.without_spans(decl))
    return out


def in_canonical_order(module: ast.Module) -> bool:
    return canonical(module) == [ast.without_spans(decl) for decl in module.decls]


def code_lines(output: str) -> list[str]:
    """The output's lines, each one touching a long string replaced by `"..."`."""
    lines, inside = [], False
    for line in output.splitlines():
        quotes = line.count('"' * 3)
        lines.append(line if not inside and quotes == 0 else '"..."')
        inside = inside != (quotes % 2 == 1)
    return lines


def assert_canonical_layout(output: str) -> None:
    """No `;`, tabs or doubled spaces in code (but between content fields), 2-space indents,
    no blank line doubled, after `{` or before `}`."""
    lines = code_lines(output)
    for line in lines:
        if '"' in line or line.lstrip().startswith("#"):
            continue
        code = line.split("#")[0].rstrip()
        assert (len(code) - len(code.lstrip(" "))) % 2 == 0
        assert ";" not in code and "\t" not in code
        assert "  " not in code.strip() or code.startswith("content ")
    for previous, line in zip(lines, lines[1:]):
        assert not (previous == "" and line == "")
        # A comment may end in `{` (`}  #{`): only code opens a block.
        code = previous if '"' in previous else previous.split("#")[0].rstrip()
        opens_block = not previous.lstrip().startswith("#") and code.endswith("{")
        assert not (opens_block and line == "")
        assert not (previous == "" and line.lstrip().startswith("}"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(messy=True))
def test_formatting_is_idempotent_canonical_and_keeps_meaning_and_comments(text: str) -> None:
    """fmt(fmt(x)) == fmt(x); the AST and every comment survive (clauses move with theirs);
    the layout is canonical."""
    before, _ = parse_text(text)
    output = formatted(text)
    after, diagnostics = parse_text(output)
    assert diagnostics == []
    assert formatted(output) == output
    assert canonical(after) == canonical(before)
    texts_before = [comment.text for comment in before.comments]
    texts_after = [comment.text for comment in after.comments]
    assert Counter(texts_after) == Counter(texts_before)
    if in_canonical_order(before):
        assert texts_after == texts_before
    assert_canonical_layout(output)

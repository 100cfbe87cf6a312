"""Parser tests: the spec's examples parse; syntax errors are values with spans."""

import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.api import load
from sopdsl.syntax import ast
from sopdsl.syntax.lalr import reserved_words
from sopdsl.syntax.parser import parse_text

SPEC_EXAMPLE = Path(__file__).parent / "data" / "spec_examples.sop"


def test_spec_examples_parse_without_diagnostics():
    """Every construct of the language tour's examples parses into the expected declarations."""
    module, diagnostics = parse_text(SPEC_EXAMPLE.read_text(encoding="utf-8"), "spec.sop")
    assert diagnostics == []
    kinds = [type(d).__name__ for d in module.decls]
    assert kinds.count("Journey") == 2
    assert kinds[0] == "PlaybookDecl" and kinds[-1] == "Scenario"


def test_duration_and_percent_values():
    """Compound durations become minutes and percentages become fractions."""
    module, diagnostics = parse_text('playbook "p" { frequency_cap 3 per 1d12h }\n'
                                     'journey j { when friend_added split s { 12.5% a { } 87.5% b { } } }')
    assert diagnostics == []
    cap = module.decls[0].settings[0]
    assert cap.window.minutes == 36 * 60
    split = module.decls[1].steps[0]
    assert [arm.share.value for arm in split.arms] == [0.125, 0.875]


def test_several_syntax_errors_are_all_reported():
    """Recovery reports an error per broken statement, each with its line."""
    text = "journey j {\n  when friend_added\n  send x via\n  wait 1d\n  send y via 3\n}\n"
    module, diagnostics = parse_text(text)
    assert [d.span.line for d in diagnostics] == [4, 5]
    assert all(d.code.startswith("E1") for d in diagnostics)


def test_keyword_cannot_name_content():
    """A reserved word used as a name gets its own code."""
    _, diagnostics = parse_text('content stage: text "x"')
    assert [d.code for d in diagnostics] == ["E117"]


def test_unclosed_block_at_end_of_file():
    """A missing `}` at the end points at the open `{`, and the journey is kept."""
    module, diagnostics = parse_text("journey j { when friend_added send a via group")
    assert [(d.code, d.span.column) for d in diagnostics] == [("E113", 11)]
    assert isinstance(module.decls[0], ast.Journey)


def test_invalid_time_of_day():
    """25:00 is not a time."""
    _, diagnostics = parse_text("journey j { when friend_added wait 1d at 25:00 }")
    assert [d.code for d in diagnostics] == ["E115"]


def _extent(span) -> tuple[int, int, int, int]:
    return span.line, span.column, span.end_line, span.end_column


def test_each_branch_spans_only_its_own_arm():
    """The `if` branch ends at its own `}`; the `elif` branch starts at `elif`."""
    text = ('journey j {\n  when friend_added\n  if score > 1 {\n    tag "a"\n  } elif vip {\n'
            '    tag "b"\n  } else {\n    tag "c"\n  }\n}\n')
    module, diagnostics = parse_text(text)
    assert diagnostics == []
    step = module.decls[0].steps[0]
    assert [_extent(b.span) for b in step.branches] == [(3, 3, 5, 4), (5, 5, 7, 4)]
    assert _extent(step.span) == (3, 3, 9, 4)


def test_consecutive_above_sections_do_not_overlap():
    """Each `above` section ends at its own last setting, before the next one starts."""
    text = ("scenario s {\n  fatigue {\n    above 3 per 7d: unfriend x3\n      open x0.7\n"
            "    above 5 per 7d:\n    above 9 per 7d: open x0.1\n  }\n}\n")
    module, diagnostics = parse_text(text)
    assert diagnostics == []
    aboves = module.decls[0].items[0].block
    assert [_extent(a.span) for a in aboves] == [(3, 5, 4, 16), (5, 5, 5, 20), (6, 5, 6, 30)]


FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}  # `A` -> `Ａ`
LIGATURES = {"fi": "\ufb01", "fl": "\ufb02", "ff": "\ufb00"}


def _disguised(name: str, wide: list[bool]) -> str:
    """`name` with ligatures for fi/fl/ff and the chosen letters written full width."""
    for plain, ligature in LIGATURES.items():
        name = name.replace(plain, ligature)
    return "".join(FULL_WIDTH.get(c, c) if w else c for c, w in zip(name, wide * len(name)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True), st.lists(st.booleans(), min_size=1))
def test_names_are_read_in_their_nfkc_form(name: str, wide: list[bool]) -> None:
    """A name written with full-width letters or ligatures is the same name as its ASCII
    spelling: NFKC of the written name, where that is a name."""
    if name in reserved_words():
        return
    written = _disguised(name, wide)
    module, diagnostics = parse_text(f"event {written}\njourney j {{ when {name} }}\n")
    assert diagnostics == []
    assert module.decls[0].name.name == name == unicodedata.normalize("NFKC", written)


def test_a_full_width_low_line_is_a_names_underscore():
    """`a＿b` is `a_b` (NFKC), like a full-width letter: not an unexpected character."""
    module, diagnostics = parse_text("event a\uff3fb\njourney j { when a_b }\n")
    assert diagnostics == [] and module.decls[0].name.name == "a_b"


def test_a_ligature_and_its_letters_are_one_name(tmp_path):
    """`proﬁle` and `profile` are one name: the second declaration is a duplicate."""
    path = tmp_path / "names.sop"
    path.write_text("event pro\ufb01le\nevent profile\n", encoding="utf-8")
    diagnostics = load(path).diagnostics
    assert [(d.code, d.span.line) for d in diagnostics] == [("E202", 2)]


def test_a_full_width_keyword_is_the_keyword():
    """`ｓｅｎｄ` reads as `send`: a keyword in any width is a keyword."""
    module, diagnostics = parse_text('content c: text "x"\njourney j {\n  when friend_added\n'
                                     "  \uff53\uff45\uff4e\uff44 c via sms\n}\n")
    assert diagnostics == [] and isinstance(module.decls[1].steps[0], ast.Send)


def test_a_name_whose_nfkc_form_is_no_name_stays_as_written():
    """`a½` would become `a1⁄2`, which is not a name: it is kept as written."""
    module, diagnostics = parse_text("event a\u00bd\n")
    assert diagnostics == [] and module.decls[0].name.name == "a\u00bd"

"""Syntax errors speak the operator's language: each common mistake gets its own message."""

from __future__ import annotations

import threading

import pytest

from sopdsl.syntax.lalr import lark_parser
from sopdsl.syntax.builder import MAX_TREE_DEPTH
from sopdsl.syntax.parser import parse_text
from sopdsl.syntax.syntax_errors import _EXAMPLES, _catalogue, expected_phrase, phrase

J = "journey j {{\n  when friend_added\n  {}\n}}\n"


def only(text: str):
    """The one diagnostic that parsing `text` reports."""
    _, diagnostics = parse_text(text, "t.sop")
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


def where(d) -> tuple[str, int, int, int]:
    return d.code, d.span.line, d.span.column, d.span.end_column


def test_catalogue_examples_each_name_their_own_state() -> None:
    """Every labelled example fails in a parser state that belongs to its label only."""
    index = _catalogue()
    assert sorted(set(index.values())) == sorted(_EXAMPLES)
    assert len(index) >= len(_EXAMPLES)


def test_missing_via() -> None:
    """`send c private_chat` asks for `via` and shows the fixed statement."""
    d = only(J.format("send hello private_chat"))
    assert where(d) == ("E111", 3, 14, 26)
    assert d.message == "expected `via` and a channel after `send hello`, found `private_chat`"
    assert d.hint.startswith("write `send hello via private_chat`; channels are `private_chat`")


def test_missing_via_before_by() -> None:
    """`send c by guide` is the same mistake, found at `by`."""
    d = only(J.format("send hello by guide"))
    assert d.message == "expected `via` and a channel after `send hello`, found `by`"


@pytest.mark.parametrize("statement, after", [
    ("wait for reply within 2 { }", "within"),
    ("goal g: purchase within 30", "within"),
    ("repeat 3 every 7 { }", "every"),
    ("task guide \"call\" due 1", "due"),
])
def test_duration_expected(statement: str, after: str) -> None:
    """A bare number where a duration belongs asks for a duration and suggests a unit."""
    _, diagnostics = parse_text(J.format(statement))
    d = diagnostics[0]
    assert d.code == "E111"
    assert d.message.startswith(f"expected a duration such as 2d or 1d12h after `{after}`, found `")
    assert d.hint.startswith("a duration needs a unit: m, h, d or w, as in `")


@pytest.mark.parametrize("arm, found, share", [("50 a { }", "`50`", "`50% name"),
                                               ("control { }", "`control`", "`50% name")])
def test_split_arm_without_percent(arm: str, found: str, share: str) -> None:
    """A split arm that does not start with a percentage says how an arm looks."""
    d = only(J.format(f"split s {{ {arm} }}"))
    assert d.code == "E111"
    assert d.message == f"expected a split arm such as `50% control {{ ... }}`, found {found}"
    assert share in d.hint


def test_unclosed_block_before_next_declaration() -> None:
    """A missing `}` points at the `{` left open, and both journeys survive."""
    text = ("journey a {\n  when friend_added\n  if score > 1 {\n    tag \"x\"\n}\n"
            "journey b { when friend_added }\n")
    module, diagnostics = parse_text(text)
    assert [where(d) for d in diagnostics] == [("E113", 3, 16, 17)]
    assert diagnostics[0].message == "unclosed block: this `{` has no matching `}`"
    assert diagnostics[0].hint == "add `}` before `journey` on line 6, where the block should end"
    assert [decl.name.name for decl in module.decls] == ["a", "b"]


def test_unclosed_block_at_end_of_file() -> None:
    """At the end of the file, the innermost open `{` is the one reported."""
    d = only("journey a {\n  when friend_added\n  repeat 2 every 1d {\n    tag \"x\"\n")
    assert where(d) == ("E113", 3, 21, 22)
    assert d.hint == "add `}` before the end of the file, where the block should end"


def test_file_ends_mid_statement() -> None:
    """The end of the file inside a statement says what was still expected."""
    d = only("journey a { when friend_added send c via")
    assert d.code == "E112"
    assert d.message == "the file ends too early: expected a name after `via`"


@pytest.mark.parametrize("clause, shown", [
    ('audience tag "vip"', "audience"), ("goal g: purchase within 3d", "goal"),
    ("priority 3", "priority"), ("exit on friend_deleted", "exit on"),
    ('exit when tag "x"', "exit when"), ("when purchase", "when"),
])
def test_clause_after_a_step(clause: str, shown: str) -> None:
    """A journey clause after the first step is E306, and the steps after it still parse."""
    text = f"journey j {{\n  when friend_added\n  wait 1d\n  {clause}\n  tag \"after\"\n}}\n"
    module, diagnostics = parse_text(text)
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E306", 4, 3)]
    assert diagnostics[0].message == (
        f"journey clauses come before the first step: `{shown}` comes after one")
    assert type(module.decls[0].steps[-1]).__name__ == "TagStep"


@pytest.mark.parametrize("word, keyword", [("sned", "send"), ("wiat", "wait"),
                                           ("audiense", "audience"), ("hadnoff", "handoff")])
def test_misspelt_step_word(word: str, keyword: str) -> None:
    """A misspelt step or clause word is named, with the keyword it resembles."""
    d = only(J.format(f"{word} welcome via group"))
    assert d.span.line == 3 and d.span.column == 3
    assert d.message == f"`{word}` is not a step or journey clause"
    assert d.hint == f"did you mean `{keyword}`?"


def test_unknown_step_word_without_a_close_keyword() -> None:
    """A word resembling no keyword explains what a step and a label look like."""
    d = only(J.format("zzz welcome"))
    assert d.message == "`zzz` is not a step or journey clause"
    assert "a label is written `name: step`" in d.hint


def test_misspelt_declaration_keyword() -> None:
    """A misspelt declaration word at the top level gets a did-you-mean."""
    d = only("jouney j { when friend_added }")
    assert d.code == "E111"
    assert d.message.startswith("expected a declaration such as `journey`")
    assert d.hint == "did you mean `journey`?"


def test_misspelt_setting_keyword() -> None:
    """A misspelt playbook setting gets a did-you-mean among the settings."""
    d = only('playbook "p" { timezon "Asia/Shanghai" }')
    assert d.hint == "did you mean `timezone`?"


@pytest.mark.parametrize("statement, char, fix", [
    ("d1｛", "｛", "`{`"), ("d1：wait 1d", "：", "`:`"), ("wait　1d", "　", "a space"),
    ("wait １d", "１", "`1`"), ("if （score > 1) { }", "（", "`(`"),
])
def test_full_width_characters(statement: str, char: str, fix: str) -> None:
    """A full-width character is named and its ASCII form suggested."""
    _, diagnostics = parse_text(J.format(statement))
    d = diagnostics[0]
    assert d.code == "E110"
    assert d.message == f"unexpected character `{char}`"
    assert d.hint == f"this is a full-width character; write {fix} instead"


def test_typographic_quotes() -> None:
    """Curly quotes are told apart from straight ones."""
    _, diagnostics = parse_text("content c: text “你好”")
    assert diagnostics[0].hint == 'use straight quotes `"`, not typographic ones'


@pytest.mark.parametrize("written, fix", [("9:3", "write 09:30 or 09:03"),
                                          ("21:5", "write 21:50 or 21:05")])
def test_time_with_one_digit_minutes(written: str, fix: str) -> None:
    """A time like 9:3 is E115 over the whole time, with both readings offered."""
    d = only(J.format(f"send c via group at {written}"))
    assert where(d) == ("E115", 3, 23, 23 + len(written))
    assert d.message == f"`{written}` is not a time of day: minutes take two digits"
    assert d.hint == fix


def test_time_without_minutes() -> None:
    """A bare hour where a time belongs asks for HH:MM."""
    d = only(J.format("wait until 9"))
    assert d.code == "E111"
    assert d.hint == "write times as HH:MM, such as 09:30"


def test_unterminated_string() -> None:
    """A string without its closing quote is reported once, over the rest of the line."""
    d = only('content c: text "hello\njourney j { when friend_added }')
    assert where(d) == ("E120", 1, 17, 23)


def test_invalid_escape_points_at_the_escape() -> None:
    """An unknown escape is reported at the escape, not the whole string."""
    d = only('content c: text "ab\\qc"')
    assert where(d) == ("E114", 1, 20, 22)
    assert d.message == "unknown escape `\\q` in a string"


def test_escape_of_a_surrogate_is_not_a_character() -> None:
    """\\u{D800} names no character, so it is refused."""
    d = only('content c: text "\\u{D800}"')
    assert d.code == "E114"
    assert d.message == "`\\u{D800}` is not a Unicode character"


def test_impossible_date() -> None:
    """February 30th is not in the calendar."""
    d = only("scenario s { start 2026-02-30 }")
    assert where(d) == ("E116", 1, 20, 30)


def test_reserved_word_as_name() -> None:
    """A keyword where a name belongs is E117 with another name suggested."""
    d = only('role send "x"')
    assert d.code == "E117"
    assert d.hint == "choose another name, such as `send_1`"


@pytest.mark.parametrize("literal, message", [
    ("9" * 400, "is too large a number"), ("9" * 5000 + "d", "is longer than 100 years"),
    ("5300w", "is longer than 100 years"),
])
def test_numbers_out_of_range(literal: str, message: str) -> None:
    """Numbers too large to hold and durations over 100 years are E119, never a crash."""
    statement = f"priority {literal}" if literal.isdigit() else f"wait {literal}"
    d = only(J.format(statement))
    assert d.code == "E119"
    assert message in d.message and len(d.message) < 80


def test_nesting_too_deep_is_reported_and_other_declarations_kept() -> None:
    """A declaration nested past the limit is left out with E121; the others are kept."""
    deep = "segment s = " + "(" * (MAX_TREE_DEPTH + 10) + "x" + ")" * (MAX_TREE_DEPTH + 10)
    module, diagnostics = parse_text(f'role guide\n{deep}\nrole sales\n')
    assert [d.code for d in diagnostics] == ["E121"]
    assert diagnostics[0].span.line == 2
    assert [decl.name.name for decl in module.decls] == ["guide", "sales"]


def test_ordinary_nesting_is_accepted() -> None:
    """Ten nested ifs and a long condition are well inside the nesting limit."""
    steps = "if score > 1 { " * 10 + "tag \"x\"" + " }" * 10
    condition = " and ".join(f"score > {i}" for i in range(30))
    _, diagnostics = parse_text(J.format(steps) + f"segment s = {condition}\n")
    assert diagnostics == []


def test_every_terminal_has_an_operator_phrase() -> None:
    """No terminal is ever described by its Lark name (RBRACE, __ANON_3, NAME)."""
    for terminal in lark_parser().terminals:
        if terminal.name in ("WS", "COMMENT"):
            continue
        words = phrase(terminal.name)
        assert terminal.name not in words and "__" not in words, (terminal.name, words)
        assert words != "a word", terminal.name


def test_expected_lists_group_statement_keywords() -> None:
    """Long expected sets are summarised as kinds of statement, not listed token by token."""
    expected = {"SEND", "WAIT", "IF", "TAG", "RBRACE", "NAME"}
    assert expected_phrase(expected) == "a step such as `send`, `}` or a name"


def test_comments_are_collected_per_parse() -> None:
    """Parses in parallel threads each keep exactly their own comments."""
    results: dict[int, list[str]] = {}

    def parse_with_comments(n: int) -> None:
        text = "".join(f"# file {n} comment {i}\nrole r{i}\n" for i in range(200))
        module, _ = parse_text(text)
        results[n] = [c.text for c in module.comments]

    threads = [threading.Thread(target=parse_with_comments, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(4):
        assert results[n] == [f"# file {n} comment {i}" for i in range(200)]


def test_catalogued_mistakes_are_mended_for_the_rest_of_the_file() -> None:
    """After a missing `via` or `%`, the statement is read as meant and nothing cascades."""
    text = J.format("send hello private_chat\n  split s {\n    50 a { tag \"x\" }\n    50% b { }\n  }")
    module, diagnostics = parse_text(text)
    assert [d.span.line for d in diagnostics] == [3, 5]
    send, split = module.decls[0].steps
    assert send.channel.name == "private_chat"
    assert [arm.share.value for arm in split.arms] == [0.5, 0.5]

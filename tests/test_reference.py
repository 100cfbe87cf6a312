"""docs/reference.md against the grammar: every keyword and rule documented, every example parses.

Whoever adds a keyword or a rule to grammar/sopdsl.lark gets a failure here saying what to add
to the reference, so the reference cannot fall behind the language.
"""

from __future__ import annotations

import re

import pytest

from programs import ROOT
from sopdsl.api import load_text
from sopdsl.builtins import (
    ATTRIBUTE_TYPES, BUILTIN_ATTRIBUTES, BUILTIN_EVENTS, CHANNELS, CONTENT_FIELDS, CONTENT_KINDS,
    PURPOSES,
)
from sopdsl.scenario.blocks import BLOCK_ITEMS, BLOCK_SETTINGS
from sopdsl.syntax.parser import parse_text

GRAMMAR = ROOT / "grammar" / "sopdsl.lark"
REFERENCE = ROOT / "docs" / "reference.md"
# How a fragment of each kind of example is made a file to parse.
FRAGMENTS = {
    "sop-journey": "journey example {{\n{}\n}}\n",
    "sop-expr": "segment example = {}\n",
    "sop-scenario": "scenario example {{\n{}\n}}\n",
}
FENCE = re.compile(r"^```(sop[\w-]*)\n(.*?)^```", re.M | re.S)


def grammar_text() -> str:
    """The grammar without its comments."""
    return re.sub(r"//[^\n]*", "", GRAMMAR.read_text(encoding="utf-8"))


def grammar_keywords() -> list[str]:
    """Every word the grammar quotes: keywords, and the words of named terminals (weekdays)."""
    return sorted(set(re.findall(r'"([a-z_]+)"', grammar_text())))


def grammar_rules() -> list[str]:
    """Every rule of the grammar and every named form of a rule (`-> name`)."""
    text = grammar_text()
    rules = re.findall(r"^\??([a-z]\w*)\s*:", text, re.M)
    return sorted(set(rules) | set(re.findall(r"->\s*([a-z]\w*)", text)))


def reference() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def prose_words() -> set[str]:
    """The words of the reference's inline code (`...`), outside its example files."""
    prose = FENCE.sub("", reference())
    return {word for span in re.findall(r"`([^`\n]+)`", prose)
            for word in re.findall(r"\w+", span)}


def indexed_rules() -> set[str]:
    """The rules the reference's grammar index names (its table's first column)."""
    index = reference().split("## Grammar index", 1)[1]
    cells = re.findall(r"^\| (.+?) \| .+ \|$", index, re.M)
    return {name for cell in cells for name in re.findall(r"`(\w+)`", cell)}


def examples() -> list[tuple[str, str]]:
    return [(kind, body) for kind, body in FENCE.findall(reference())]


def test_the_grammar_has_keywords_and_rules() -> None:
    """The extraction finds the language (a broken regex would pass everything below)."""
    assert {"send", "via", "journey", "friday", "poisson", "within"} <= set(grammar_keywords())
    assert {"send", "wait_for", "every_interval", "sc_history", "in_range"} <= set(grammar_rules())


def test_every_keyword_is_in_the_reference() -> None:
    missing = [word for word in grammar_keywords() if word not in prose_words()]
    assert not missing, "\n".join(
        f"the keyword `{word}` ({GRAMMAR.name}) is not in docs/reference.md: document it "
        f"with a short example in inline code, e.g. in a table row" for word in missing)


def test_every_grammar_rule_is_in_the_index() -> None:
    missing = [rule for rule in grammar_rules() if rule not in indexed_rules()]
    assert not missing, "\n".join(
        f"the grammar rule `{rule}` ({GRAMMAR.name}) is not in docs/reference.md: describe "
        f"the construct with an example and list `{rule}` in the Grammar index under its "
        f"section" for rule in missing)


def test_the_index_names_only_rules_of_the_grammar() -> None:
    stale = sorted(indexed_rules() - set(grammar_rules()))
    assert not stale, f"docs/reference.md's Grammar index names no rule of the grammar: {stale}"


@pytest.mark.parametrize("names", [
    pytest.param(sorted({key for block in BLOCK_SETTINGS.values() for key in block}
                        | {item for items in BLOCK_ITEMS.values() for item in items}),
                 id="scenario keys"),
    pytest.param(CHANNELS, id="channels"), pytest.param(sorted(BUILTIN_EVENTS), id="events"),
    pytest.param(CONTENT_KINDS, id="content kinds"), pytest.param(CONTENT_FIELDS, id="fields"),
    pytest.param(PURPOSES, id="purposes"), pytest.param(ATTRIBUTE_TYPES, id="types"),
    pytest.param(sorted(BUILTIN_ATTRIBUTES), id="attributes"),
])
def test_every_built_in_name_and_scenario_key_is_in_the_reference(names) -> None:
    missing = [name for name in names if name not in prose_words()]
    assert not missing, f"docs/reference.md does not name {missing}: add each with an example"


def test_the_reference_has_examples_of_every_kind() -> None:
    kinds = {kind for kind, _ in examples()}
    assert kinds == {"sop", *FRAGMENTS}, kinds


@pytest.mark.parametrize(("kind", "body"), examples(),
                         ids=[f"{kind}-{n}" for n, (kind, _) in enumerate(examples())])
def test_every_example_parses(kind: str, body: str) -> None:
    """Whole files load without errors; fragments parse in their place."""
    if kind == "sop":
        program = load_text(body)
        assert program.ok, [d.message for d in program.diagnostics]
        return
    module, diagnostics = parse_text(FRAGMENTS[kind].format(body))
    assert module is not None and not diagnostics, [d.message for d in diagnostics]

"""README.md against the product: its command table lists every command, it links every doc."""

from __future__ import annotations

import re

from programs import ROOT
from sopdsl.cli import main

README = ROOT / "README.md"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def test_the_command_table_lists_every_command() -> None:
    """The Commands table names each command of `sopdsl` once, and no other."""
    table = readme().split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `sopdsl (\w+)", table, re.M)
    commands = sorted(main.commands)
    assert len(listed) == len(set(listed)), listed
    missing = sorted(set(commands) - set(listed))
    assert not missing, f"README.md's command table misses {missing}: add a row for each"
    assert not set(listed) - set(commands), sorted(set(listed) - set(commands))


def test_every_doc_is_linked() -> None:
    """Every file of docs/ is linked from the README, and every linked doc exists."""
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)(?:#[^)]*)?\)", readme()))
    docs = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert not docs - linked, f"README.md does not link {sorted(docs - linked)}"
    assert not linked - docs, f"README.md links missing docs {sorted(linked - docs)}"


def test_the_docs_cite_no_missing_language_reference() -> None:
    """The language reference is docs/reference.md; no doc or comment cites another file."""
    cited = [path.relative_to(ROOT).as_posix()
             for folder in ("docs", "sopdsl", "grammar", "tests", "simulator")
             for path in (ROOT / folder).rglob("*") if path.suffix in (".md", ".py", ".lark")
             and path.name != "test_readme.py"
             and "LANGUAGE.md" in path.read_text(encoding="utf-8", errors="replace")]
    assert not cited, f"these cite LANGUAGE.md, which does not exist: {cited}"

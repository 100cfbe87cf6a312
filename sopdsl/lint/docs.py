"""The rules reference (the generated part of docs/rules.md), from the rules' own docstrings."""

from __future__ import annotations

from sopdsl.codes import CODES
from sopdsl.lint.registry import all_rules, rule_docs

BEGIN = "<!-- rules:begin (generated from the rule docstrings; do not edit by hand) -->"
END = "<!-- rules:end -->"


def rules_markdown() -> str:
    """One section per rule: code, name, groups, rationale, then its docstring."""
    sections = []
    for rule in all_rules():
        groups = ", ".join(f"`{g}`" for g in rule.groups)
        body = rule_docs(rule).replace("### ", "#### ")
        summary = CODES[rule.code].summary
        sections.append(f"### {rule.code} `{rule.name}`\n\n"
                        f"*{summary[0].upper()}{summary[1:]}.* Groups: {groups}.\n\n{body}\n")
    return "\n".join(sections)


def replace_generated(document: str) -> str:
    """The document with the text between the markers replaced by `rules_markdown()`."""
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{rules_markdown()}\n{END}{tail}"

"""The diagnostic catalogue: every code documented, every error shown by a golden case."""

from __future__ import annotations

import re
from pathlib import Path

from golden import GOLDEN_ROOT
from sopdsl.codes import CODES, Severity

DOCS = (Path(__file__).parent.parent / "docs" / "diagnostics.md").read_text(encoding="utf-8")
# Reading errors need a missing, binary, oversized or special (FIFO, device) path, and E6xx a
# customer or event file, so the CLI and planner tests show them instead of golden playbooks.
SHOWN_BY_OTHER_TESTS = {"E100", "E101", "E102", "E103", "E105", "E106"} | {
    code for code in CODES if code.startswith("E6")}


def test_every_code_is_documented():
    """Each code has a heading or a table row of its own in docs/diagnostics.md."""
    documented = set(re.findall(r"^(?:### |\| )([EW]\d{3})\b", DOCS, re.MULTILINE))
    errors = {code for code, info in CODES.items() if info.severity is Severity.ERROR}
    assert errors - documented == set()


def test_every_error_has_a_golden_case():
    """Each error code a text file can show has a golden diagnostics case."""
    cases = {p.stem.split("_")[0] for p in (GOLDEN_ROOT / "diagnostics").glob("*.sop")}
    errors = {code for code, info in CODES.items() if info.severity is Severity.ERROR}
    assert errors - cases - SHOWN_BY_OTHER_TESTS == set()


def test_codes_are_unique_kebab_names_in_their_families():
    """Names state the problem in kebab case and are not shared; codes sit in their bands
    (E6xx/W6xx: the planner's data files; W3xx: what a scenario or calendar assumes)."""
    names = [info.name for info in CODES.values()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names)
    assert all(re.fullmatch(r"E[1236]\d\d|W[3456]\d\d", code) for code in CODES)

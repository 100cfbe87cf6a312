"""Golden diagnostics: each `tests/golden/diagnostics/CODE[_case].sop` checks to its `.txt`.

The file name starts with the code the case is about; that code must be among the findings,
and the whole text output (what `sopdsl check` prints, without colour) must match.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golden import GOLDEN_ROOT, assert_golden
from sopdsl.api import check_paths
from sopdsl.render import render

CASES_DIR = GOLDEN_ROOT / "diagnostics"
CASES = sorted(CASES_DIR.glob("*.sop"))


def checked_text(case: Path) -> tuple[str, set[str]]:
    report = check_paths([case.relative_to(Path.cwd())])
    text = render(report.diagnostics, report.sources, "text", files=report.files)
    return text, {d.code for d in report.diagnostics}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_diagnostic_golden(case: Path, at_root: Path) -> None:
    """The case reports its code, and the text output matches the golden."""
    text, codes = checked_text(case)
    assert case.stem.split("_")[0] in codes, text
    assert_golden(case.with_suffix(".txt"), text)

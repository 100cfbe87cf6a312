"""Golden files: compare output with a stored file; UPDATE_GOLDEN=1 rewrites the file."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_ROOT = Path(__file__).parent / "golden"


def assert_golden(path: Path, actual: str) -> None:
    """Assert `actual` equals the golden file at `path` (written instead under UPDATE_GOLDEN=1)."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden {path}; run with UPDATE_GOLDEN=1 and review the file"
    assert actual == path.read_text(encoding="utf-8")

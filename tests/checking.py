"""Check playbook text as a unit on disk, the way `sopdsl.load` sees a real project."""

from __future__ import annotations

from pathlib import Path

import sopdsl
from sopdsl.diagnostics import Diagnostic

# Declarations most test journeys refer to.
PRELUDE = """
role guide "导购"
role sales "销售顾问"
attribute level: enum("silver", "gold", "black")
attribute opted_in: bool
event webinar_registered
content hello: text "您好"
content coupon20: coupon "满200减20" { purpose choice  value 20  valid 7d }
segment vip = tag "VIP"
"""


def check_unit(folder: Path, text: str, **imported: str) -> list[Diagnostic]:
    """Diagnostics of `main.sop` holding `text`, next to files named by `imported`."""
    for name, body in imported.items():
        (folder / f"{name}.sop").write_text(body, encoding="utf-8")
    main = folder / "main.sop"
    main.write_text(text, encoding="utf-8")
    return sopdsl.load(main).diagnostics


def codes(folder: Path, text: str, **imported: str) -> list[str]:
    """The codes found in `text`, in source order."""
    return [d.code for d in check_unit(folder, text, **imported)]


def journey_codes(folder: Path, steps: str, clauses: str = "when friend_added") -> list[str]:
    """The codes found in a journey of the given clauses and steps, after the prelude."""
    return codes(folder, f"{PRELUDE}\njourney j {{\n{clauses}\n{steps}\n}}\n")

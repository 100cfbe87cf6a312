"""Programs for tests: the repository's playbooks and data, and playbook text loaded as a unit.

Text is loaded with `sopdsl.load_text`, in a folder of no real file, so a test's program is
made only of the texts it gives (imported files included) and nothing is written to disk.
"""

from __future__ import annotations

from pathlib import Path

import sopdsl
from sopdsl.checker.program import Program
from sopdsl.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = ROOT / "playbooks"
ONBOARDING = PLAYBOOKS / "onboarding.sop"
SAMPLE_DATA = PLAYBOOKS / "data"  # customers, events and staff for the bundled playbooks
TEST_DATA = ROOT / "tests" / "data"
UNIT_FOLDER = ROOT / "tests" / "unit"  # where programs made from text sit; holds no file

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


def write_file(path: Path, text: str) -> Path:
    """`text` written as UTF-8 to `path` (its folders made): data and playbooks a test reads
    from disk, where reading the disk is what it is about."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def program_from(text: str, name: str = "main.sop", **imported: str) -> Program:
    """The program of `text` as the file `name`, next to the files `imported` names
    (`shared="..."` is shared.sop)."""
    files = {f"{other}.sop": body for other, body in imported.items()}
    return sopdsl.load_text(text, name=name, folder=UNIT_FOLDER, files=files)


def clean_program(text: str) -> Program:
    """The program of `text`, which must load with no diagnostic at all."""
    program = program_from(text)
    assert program.diagnostics == [], [d.message for d in program.diagnostics]
    return program


def check_unit(text: str, **imported: str) -> list[Diagnostic]:
    """Diagnostics of `main.sop` holding `text`, next to the files `imported` names."""
    return program_from(text, **imported).diagnostics


def codes(text: str, **imported: str) -> list[str]:
    """The codes found in `text`, in source order."""
    return [d.code for d in check_unit(text, **imported)]


def journey_codes(steps: str, clauses: str = "when friend_added") -> list[str]:
    """The codes found in a journey of the given clauses and steps, after the prelude."""
    return codes(f"{PRELUDE}\njourney j {{\n{clauses}\n{steps}\n}}\n")

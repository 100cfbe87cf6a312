"""Every command on mutated playbooks and data files: a documented exit code, never a traceback.

The bundled playbooks and sample data are copied, then bytes and tokens of one file are
deleted, repeated or replaced with values that broke commands before (huge numbers and
durations, dates at the ends of the calendar, `$`, full-width letters, separators, deep
nesting). Simulations run a tiny scenario the test appends, so each example stays quick.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
ENTRIES = sorted(path.name for path in PLAYBOOKS.glob("*.sop"))
SOURCES = sorted(str(path.relative_to(PLAYBOOKS)) for path in PLAYBOOKS.rglob("*.sop"))
DATA_FILES = ("data/customers.csv", "data/events.csv", "data/staff.csv")
# Small enough to simulate in a moment, whatever the mutated playbook declares.
TINY = ("\nscenario fuzz_tiny {\n  start 2026-12-01  horizon 7d  replications 1  seed 1\n"
        "  population 10 { arrivals 1/day }\n}\n")
EXIT_CODES = {0, 1, 2}
TOKEN = re.compile(r"\w+|[^\w\s]")
SPECIAL = [
    "0", "1", "-1", "99999999999999999999", "9" * 400, "1e308", "36600d", "99999999999d", "0d",
    "1m", "0001-01-01", "9999-12-31", "1969-12-31", "00:00", "23:59", "24:00", "100%", "150%",
    "x0", "x1e9", "nan", "inf", "$", "满$99减$10", "a$^$b", "ＡＢＣ", "\ufb01", "\u2028", "\u00bd",
    '"', '"""', "\\", "{", "}", "(" * 60, "not " * 60, "[", "]", ",", ":", "..", "=", "\x00", "\t",
    "\r", "\r\n", "#", "import", "journey", "scenario", "when", "every", "repeat", "wait",
    "friend_added", "private_chat", "guide", "baseline", "1000000/day", "5000001",
]
SPECIAL_CELLS = [
    "", "0", "-1", "9" * 5000, "1e308", "nan", "inf", "0001-01-01 00:00", "9999-12-31 23:59",
    "1969-12-31", "2026-12-01T00:00:00+14:00", "2026-13-45 99:99", "\u2028", "满$99", '"',
    '""', ",", "\n", "\r", "{", "[" * 1000, "true", "purchase", "friend_added", "c001", "zzz",
]


def mutate_text(draw: Callable, text: str, specials: list[str]) -> bytes:
    """`text` after one to four byte or token mutations."""
    data = text.encode("utf-8")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["token", "token", "delete", "insert", "repeat", "byte"]))
        at = draw(st.integers(0, len(data)))
        if kind == "token":
            decoded = data.decode("utf-8", errors="replace")
            tokens = list(TOKEN.finditer(decoded))
            if tokens:
                token = draw(st.sampled_from(tokens))
                new = draw(st.sampled_from(specials))
                decoded = decoded[:token.start()] + new + decoded[token.end():]
                data = decoded.encode("utf-8")
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(specials)).encode("utf-8") + data[at:]
        elif kind == "repeat":
            piece = data[at:at + draw(st.integers(1, 200))]
            data = data[:at] + piece * draw(st.integers(2, 50)) + data[at:]
        else:
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    return data


@st.composite
def mutated_playbooks(draw: Callable) -> tuple[str, str, bytes]:
    """(entry playbook, mutated source file, its new bytes)."""
    entry = draw(st.sampled_from(ENTRIES))
    source = draw(st.sampled_from([entry, entry, *SOURCES]))
    text = (PLAYBOOKS / source).read_text(encoding="utf-8")
    return entry, source, mutate_text(draw, text, SPECIAL)


@st.composite
def mutated_data(draw: Callable) -> tuple[str, bytes]:
    """(data file, its new bytes), sometimes rewritten as JSON Lines."""
    name = draw(st.sampled_from(DATA_FILES))
    text = (PLAYBOOKS / name).read_text(encoding="utf-8")
    if draw(st.booleans()):
        lines = text.splitlines()
        header = lines[0].split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
        import json

        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return name, mutate_text(draw, text, SPECIAL_CELLS)


def workspace() -> tempfile.TemporaryDirectory:
    """A fresh copy of the bundled playbooks and data with the tiny scenario in reach."""
    folder = tempfile.TemporaryDirectory(prefix="sopdsl-fuzz-")
    shutil.copytree(PLAYBOOKS, Path(folder.name) / "playbooks")
    return folder


def invoke(args: list[str], cwd: Path) -> None:
    """Run one command in-process and check what it did."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, env={"COLUMNS": "100"})
    finally:
        os.chdir(here)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception), result.output[-2000:])
    assert result.exit_code in EXIT_CODES, (args, result.output[-2000:])
    assert "Traceback" not in result.output, (args, result.output[-2000:])


FUZZ = settings(max_examples=int(os.environ.get("SOPDSL_FUZZ_EXAMPLES", "8")),
                derandomize=not os.environ.get("SOPDSL_FUZZ_EXAMPLES"),
                deadline=timedelta(seconds=30), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COMMANDS = {
    "check": lambda entry: ["check", entry],
    "lint": lambda entry: ["lint", entry],
    "fmt": lambda entry: ["fmt", "--check", entry],
    "graph": lambda entry: ["graph", entry, "--format", "mermaid"],
    "graph_svg": lambda entry: ["graph", entry, "-o", "out/graph.svg"],
    "export": lambda entry: ["export", entry, "-o", "out/export.json"],
    "scenario": lambda entry: ["scenario", "show", "--playbook", entry, "--format", "json"],
    "simulate": lambda entry: ["simulate", entry, "--scenario", "fuzz_tiny", "--out", "out"],
    "compare": lambda entry: ["compare", entry, "playbooks/onboarding.sop", "--scenario",
                              "fuzz_tiny", "--format", "json"],
    "plan": lambda entry: ["plan", entry, "--customers", "playbooks/data/customers.csv",
                           "--events", "playbooks/data/events.csv", "--staff",
                           "playbooks/data/staff.csv", "--start", "2026-12-02", "--days", "2",
                           "-o", "out/plan.json"],
}


def run_on_mutated_playbook(command: str, case: tuple[str, str, bytes]) -> None:
    entry, source, data = case
    with workspace() as folder:
        root = Path(folder)
        for name in {"onboarding.sop", entry}:  # simulations pick the tiny scenario by name
            path = root / "playbooks" / name
            path.write_text(path.read_text(encoding="utf-8") + TINY, encoding="utf-8")
        target = root / "playbooks" / source
        target.write_bytes(data + (TINY.encode() if source == entry else b""))
        invoke(COMMANDS[command](f"playbooks/{entry}"), root)


@FUZZ
@given(mutated_playbooks())
def test_check(case: tuple[str, str, bytes]) -> None:
    run_on_mutated_playbook("check", case)


@FUZZ
@given(mutated_playbooks())
def test_lint(case: tuple[str, str, bytes]) -> None:
    run_on_mutated_playbook("lint", case)


@FUZZ
@given(mutated_playbooks())
def test_fmt_check(case: tuple[str, str, bytes]) -> None:
    run_on_mutated_playbook("fmt", case)


@FUZZ
@given(mutated_playbooks(), st.sampled_from(["graph", "graph_svg"]))
def test_graph(case: tuple[str, str, bytes], command: str) -> None:
    run_on_mutated_playbook(command, case)


@FUZZ
@given(mutated_playbooks(), st.sampled_from(["export", "scenario"]))
def test_export_and_scenario_show(case: tuple[str, str, bytes], command: str) -> None:
    run_on_mutated_playbook(command, case)


@FUZZ
@given(mutated_playbooks(), st.sampled_from(["simulate", "compare"]))
def test_simulate_and_compare(case: tuple[str, str, bytes], command: str) -> None:
    run_on_mutated_playbook(command, case)


@FUZZ
@given(mutated_playbooks())
def test_plan_on_a_mutated_playbook(case: tuple[str, str, bytes]) -> None:
    run_on_mutated_playbook("plan", case)


@FUZZ
@given(st.sampled_from(ENTRIES), mutated_data())
def test_plan_on_mutated_data(entry: str, case: tuple[str, bytes]) -> None:
    name, data = case
    with workspace() as folder:
        root = Path(folder)
        (root / "playbooks" / name).write_bytes(data)
        invoke(COMMANDS["plan"](f"playbooks/{entry}"), root)


def test_schema() -> None:
    """The two schemas print; anything else is a usage error."""
    for document, code in (("plan", 0), ("export", 0), ("nothing", 2)):
        result = CliRunner().invoke(main, ["schema", document])
        assert result.exit_code == code and "Traceback" not in result.output

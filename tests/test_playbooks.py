"""The bundled playbooks: every file, top level and shared, is a clean unit."""

from __future__ import annotations

from pathlib import Path

import pytest

import sopdsl
from programs import PLAYBOOKS

FILES = sorted([*PLAYBOOKS.glob("*.sop"), *PLAYBOOKS.glob("common/*.sop")])


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PLAYBOOKS)) for p in FILES])
def test_playbook_loads_without_errors(path: Path):
    """Loading the playbook through the library finds no errors."""
    program = sopdsl.load(path)
    assert program.ok, [f"{d.span} {d.code} {d.message}" for d in program.diagnostics]
    assert program.modules


def test_checking_the_folder_finds_no_errors():
    """`sopdsl.check` over the folder returns no errors and sees every file."""
    report = sopdsl.check_paths([PLAYBOOKS])
    assert report.files == len(FILES)
    assert [d for d in sopdsl.check([PLAYBOOKS]) if d.severity == "error"] == []


def test_shared_declarations_resolve_across_imports():
    """A unit sees the roles, attributes and segments its imports declare."""
    program = sopdsl.load(PLAYBOOKS / "winback.sop")
    assert {"guide", "store_manager"} <= set(program.roles)
    assert "沉睡会员" in program.segments and "sms_opt_in" in program.attributes


def test_load_leaves_the_garbage_collector_as_it_was():
    """Loading pauses the cycle collector only while it builds, and restores its state."""
    import gc

    sopdsl.load(PLAYBOOKS / "onboarding.sop")
    assert gc.isenabled()
    gc.disable()
    try:
        sopdsl.load(PLAYBOOKS / "onboarding.sop")
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PLAYBOOKS)) for p in FILES])
def test_playbook_is_in_canonical_layout(path: Path):
    """`sopdsl fmt --check` would leave every bundled playbook as it is."""
    from sopdsl.fmt.formatter import format_text

    result = format_text(path.read_text(encoding="utf-8"), str(path))
    assert result.text is not None and not result.changed


def test_linting_the_folder_finds_nothing():
    """`sopdsl lint playbooks` is clean: warnings are fixed or suppressed with a reason."""
    from sopdsl.lint import lint_paths

    assert lint_paths([PLAYBOOKS]).diagnostics == []

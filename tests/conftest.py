"""Fixtures many tests share: the onboarding program, working folders, a ledger, a plan file.

Plain helpers and the repository's places live in `programs.py` (programs from text) and the
other `*_kit.py` modules; what needs pytest's set-up and tear-down is here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import sopdsl
from cdnow_kit import cdnow_log, write_cdnow
from plan_kit import plan_text
from programs import ONBOARDING, ROOT
from sopdsl.checker.program import Program
from sopdsl.push.ledger import Ledger


@pytest.fixture(scope="session")
def onboarding() -> Program:
    """The bundled onboarding playbook, loaded once (tests must not change it)."""
    program = sopdsl.load(ONBOARDING)
    assert program.ok, [d.message for d in program.diagnostics]
    return program


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository as the working folder, so outputs name files as goldens store them."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder as the working folder (and configuration home for pushes)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A fresh push ledger file, closed after the test."""
    opened = Ledger.open(tmp_path / "ledger.sqlite")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def sample_plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The onboarding playbook's plan of the bundled sample (10 tasks), as a file."""
    text, _ = plan_text("onboarding")
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def cdnow_files(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The CDNOW log as customers.csv and events.csv (skipped when it cannot be fetched)."""
    folder, store = os.environ.get("SOPDSL_TEST_CACHE"), getattr(request.config, "cache", None)
    cache = (Path(folder) / "cdnow" if folder else store.mkdir("cdnow") if store
             else tmp_path_factory.mktemp("cdnow-wheel"))
    text = cdnow_log(cache)
    if text is None:
        pytest.skip("the package registry is unreachable: cannot fetch the lifetimes wheel "
                    "that holds the CDNOW log")
    return write_cdnow(text, tmp_path_factory.mktemp("cdnow"))

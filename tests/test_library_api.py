"""The library's front doors: every exported name resolves, and importing costs nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import simulator
import sopdsl


@pytest.mark.parametrize(("package", "name"), [
    *((sopdsl, name) for name in sopdsl.__all__),
    *((simulator, name) for name in simulator.__all__),
], ids=lambda value: getattr(value, "__name__", value))
def test_every_exported_name_resolves(package, name: str) -> None:
    assert getattr(package, name) is not None


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        getattr(sopdsl, "nothing")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        getattr(simulator, "nothing")


def test_importing_the_packages_loads_no_heavy_module() -> None:
    """`import sopdsl, simulator` and the command line's names load no parser or numbers."""
    script = ("import sys, sopdsl, simulator, sopdsl.cli; "
              "print(sorted(m for m in ('lark', 'pydantic', 'numpy', 'simpy', 'matplotlib') "
              "if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == "[]"

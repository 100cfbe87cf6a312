"""The package layout's import layers: each stage imports only the stages before it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from programs import ROOT


# What each part of the code may import from the project, besides itself. The top-level
# modules of `sopdsl` (diagnostics, codes, builtins, atomic, reading, csv_cells, api,
# data_rows, jsontext, customers_io, histories, executors) are `sopdsl`.
ALLOWED = {
    "sopdsl.syntax": {"sopdsl"},
    "sopdsl.fmt": {"sopdsl", "sopdsl.syntax"},
    "sopdsl.render": {"sopdsl", "sopdsl.syntax"},
    "sopdsl.checker": {"sopdsl", "sopdsl.syntax"},
    "sopdsl.draw": {"sopdsl", "sopdsl.syntax", "sopdsl.fmt", "sopdsl.render", "sopdsl.checker",
                    "sopdsl.runtime"},
    "sopdsl.scenario": {"sopdsl", "sopdsl.syntax", "sopdsl.checker", "sopdsl.fmt"},
    "sopdsl.runtime": {"sopdsl", "sopdsl.syntax", "sopdsl.checker"},
    "sopdsl.lint": {"sopdsl", "sopdsl.syntax", "sopdsl.checker", "sopdsl.fmt", "sopdsl.draw",
                    "sopdsl.rules", "sopdsl.runtime"},
    "sopdsl.rules": {"sopdsl", "sopdsl.syntax", "sopdsl.checker", "sopdsl.fmt", "sopdsl.lint",
                     "sopdsl.runtime", "sopdsl.draw"},
    "sopdsl.planning": {"sopdsl", "sopdsl.syntax", "sopdsl.checker", "sopdsl.fmt", "sopdsl.draw",
                        "sopdsl.runtime", "sopdsl.scenario"},
    "sopdsl.push": {"sopdsl", "sopdsl.syntax", "sopdsl.planning"},
    "sopdsl.calibration": {"sopdsl", "sopdsl.syntax", "sopdsl.checker", "sopdsl.scenario",
                           "sopdsl.runtime"},
    "sopdsl": {"sopdsl.syntax", "sopdsl.checker", "sopdsl.scenario", "sopdsl.runtime",
               "sopdsl.planning", "sopdsl.calibration"},
    "simulator": {"sopdsl", "sopdsl.syntax", "sopdsl.checker", "sopdsl.scenario", "sopdsl.runtime",
                  "sopdsl.draw", "sopdsl.fmt", "sopdsl.planning", "sopdsl.calibration"},
}
PACKAGES = {p.name for p in (ROOT / "sopdsl").iterdir() if (p / "__init__.py").exists()}


def _part(module: str) -> str | None:
    """The layer a dotted module name belongs to, or None outside the project."""
    parts = module.split(".")
    if parts[0] == "simulator":
        return "simulator"
    if parts[0] != "sopdsl":
        return None
    if len(parts) > 1 and parts[1] in PACKAGES:
        return f"sopdsl.{parts[1]}"
    return "sopdsl"


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names
                         if node.module == "sopdsl")
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _sources() -> list[Path]:
    return sorted([*(ROOT / "sopdsl").rglob("*.py"), *(ROOT / "simulator").rglob("*.py")])


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_earlier_stages(path: Path):
    """Every import stays within the module's own layer or the layers it may use."""
    layer = _part(".".join(path.relative_to(ROOT).with_suffix("").parts))
    if layer == "sopdsl.cli":
        return
    allowed = ALLOWED[layer] | {layer}
    wrong = [f"line {line}: {module}" for line, module in _imports(path)
             if (_part(module) or layer) not in allowed]
    assert not wrong, f"{path.relative_to(ROOT)} imports outside its layers: {wrong}"


def test_every_package_has_its_layers_declared():
    """A new package of `sopdsl` gets its place in the layers before it gets code."""
    assert {f"sopdsl.{p}" for p in PACKAGES} - {"sopdsl.cli"} <= set(ALLOWED)


def test_the_language_never_imports_the_simulator():
    """Only the command line brings `sopdsl` and `simulator` together."""
    assert all("simulator" not in ALLOWED[layer] for layer in ALLOWED if layer != "simulator")

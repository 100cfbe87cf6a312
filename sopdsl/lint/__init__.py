"""`sopdsl lint`: everything `check` finds plus the W4xx/W5xx rules, configured and suppressible.

`lint_paths(paths, overrides)` lints files and folders the way the command line does (each
file's configuration found by walking up from it); `lint_program(program, config)` lints one
loaded program under one configuration. Both return diagnostics as values; only a broken
configuration raises (`ConfigError`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sopdsl.lint.config import ConfigError, LintConfig, Overrides
    from sopdsl.lint.engine import LintReport, lint_paths, lint_program

__all__ = ("ConfigError", "LintConfig", "LintReport", "Overrides", "lint_paths", "lint_program")

# Imported on first use: the rule modules import this package's submodules.
_HOMES = {
    "ConfigError": "sopdsl.lint.config",
    "LintConfig": "sopdsl.lint.config",
    "Overrides": "sopdsl.lint.config",
    "LintReport": "sopdsl.lint.engine",
    "lint_paths": "sopdsl.lint.engine",
    "lint_program": "sopdsl.lint.engine",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sopdsl.lint' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)

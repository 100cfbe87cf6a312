"""Lint configuration: `[tool.sopdsl]` in pyproject.toml or a sopdsl.toml, closest file wins.

For each playbook file, sopdsl looks in the file's folder and then each parent folder for a
`sopdsl.toml` (its top-level keys, or a `[tool.sopdsl]` table) or a `pyproject.toml` with a
`[tool.sopdsl]` table; the first one found is the file's whole configuration (no merging).
In one folder `sopdsl.toml` wins over `pyproject.toml`. Only regular files are read: a FIFO or
a device by either name is an error, never a hang.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sopdsl.codes import CODES, Severity
from sopdsl.diagnostics import did_you_mean
from sopdsl.lint.registry import is_selector, lint_codes, selector_specificity
from sopdsl.reading import TooLarge, read_regular
from sopdsl.errors import SopdslError

CONFIG_FILES = ("sopdsl.toml", "pyproject.toml")
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(SopdslError):
    """A configuration that cannot be used: the CLI reports it and exits 2."""


class LintSettings(BaseModel):
    """The lint keys of one configuration file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    select: list[str] | None = None
    ignore: list[str] = []
    per_file_ignores: dict[str, list[str]] = Field(default={}, alias="per-file-ignores")
    severity: dict[str, Literal["error", "warning"]] = {}


@dataclass(frozen=True)
class Overrides:
    """Command-line selection: `--select` replaces the file's select and ignore lists,
    `--ignore` switches codes off on top."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class LintConfig:
    """The settings that apply to the files below one folder, plus command-line overrides."""

    settings: LintSettings = field(default_factory=LintSettings)
    base: Path | None = None  # the folder of the config file; per-file globs are relative to it
    source: Path | None = None
    overrides: Overrides = Overrides()

    def enabled_codes(self) -> frozenset[str]:
        """The lint codes switched on (before per-file ignores)."""
        if self.overrides.select is not None:
            chosen = _resolve(self.overrides.select, ())
        else:
            chosen = _resolve(self.settings.select or ["all"], self.settings.ignore)
        return frozenset(chosen - _matching(self.overrides.ignore))

    def enabled_for(self, file: str | Path) -> frozenset[str]:
        """The lint codes switched on for one file, per-file ignores applied."""
        ignored = set()
        for pattern, selectors in self.settings.per_file_ignores.items():
            if _glob_matches(pattern, Path(file), self.base):
                ignored |= _matching(selectors)
        return self.enabled_codes() - ignored

    def severity_of(self, code: str) -> Severity:
        """The code's severity after overrides: the most specific selector wins."""
        best: tuple[int, str] | None = None
        for selector, level in self.settings.severity.items():
            rank = selector_specificity(selector, code)
            if rank is not None and (best is None or rank >= best[0]):
                best = (rank, level)
        return Severity(best[1]) if best else CODES[code].severity


def _matching(selectors: Iterable[str]) -> set[str]:
    return {code for code in lint_codes() for s in selectors
            if selector_specificity(s, code) is not None}


def _resolve(select: Iterable[str], ignore: Iterable[str]) -> set[str]:
    """Codes on after select and ignore; where both match, the more specific selector wins."""
    chosen = set()
    for code in lint_codes():
        on = max((r for s in select if (r := selector_specificity(s, code)) is not None),
                 default=None)
        off = max((r for s in ignore if (r := selector_specificity(s, code)) is not None),
                  default=None)
        if on is not None and (off is None or on > off):
            chosen.add(code)
    return chosen


def _glob_matches(pattern: str, file: Path, base: Path | None) -> bool:
    path = file.resolve()
    try:
        relative = PurePosixPath(path.relative_to(base).as_posix()) if base else None
    except ValueError:
        relative = None
    candidates = [path.name, *([str(relative)] if relative else [])]
    return any(fnmatch.fnmatchcase(c, pattern) for c in candidates) or (
        relative is not None and relative.match(pattern))


def check_selectors(selectors: Iterable[str], where: str) -> None:
    """Raise ConfigError for a selector that names no lint code."""
    names = [*lint_codes(), *(CODES[c].name for c in lint_codes())]
    for selector in selectors:
        if selector.startswith("E") and selector[1:2].isdigit():
            raise ConfigError(f"{where}: `{selector}` is an error code; errors are always "
                              "reported and cannot be selected or ignored")
        if not is_selector(selector):
            hint = did_you_mean(selector, names)
            raise ConfigError(f"{where}: unknown rule `{selector}`" + (f"; {hint}" if hint else ""))


def parse_settings(data: Mapping[str, object], where: str) -> LintSettings:
    """Validated settings from a config table, or ConfigError saying what is wrong."""
    try:
        settings = LintSettings.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "table"
        raise ConfigError(f"{where}: `{location}`: {first['msg'].lower()}") from None
    check_selectors([*(settings.select or []), *settings.ignore, *settings.severity], where)
    for selectors in settings.per_file_ignores.values():
        check_selectors(selectors, where)
    return settings


class ConfigFinder:
    """Finds and caches each folder's configuration, walking up from the file."""

    def __init__(self, overrides: Overrides = Overrides()) -> None:
        self.overrides = overrides
        self._by_folder: dict[Path, LintConfig] = {}

    def for_file(self, file: str | Path) -> LintConfig:
        """The configuration that applies to a playbook file."""
        return self._for_folder(Path(file).resolve().parent)

    def _for_folder(self, folder: Path) -> LintConfig:
        if folder not in self._by_folder:
            found = _read_folder(folder)
            if found is not None:
                settings, source = found
                config = LintConfig(settings, folder, source, self.overrides)
            elif folder.parent != folder:
                config = self._for_folder(folder.parent)
            else:
                config = LintConfig(overrides=self.overrides)
            self._by_folder[folder] = config
        return self._by_folder[folder]


def _read_folder(folder: Path) -> tuple[LintSettings, Path] | None:
    for name in CONFIG_FILES:
        path = folder / name
        try:
            data = tomllib.loads(read_regular(path, MAX_CONFIG_BYTES).decode("utf-8"))
        except FileNotFoundError:
            continue
        except TooLarge:
            raise ConfigError(f"{path}: over {MAX_CONFIG_BYTES // 1024} KB; not a "
                              "configuration file") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: cannot read the configuration: {error}") from None
        table = data.get("tool", {}).get("sopdsl")
        if name == "sopdsl.toml" and table is None:
            table = data
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: `tool.sopdsl` must be a table")
        return parse_settings(table, str(path)), path
    return None

"""A target's settings from the environment and the push configuration file; environment wins.

`SOPDSL_<TARGET>_<KEY>` sets `<key>` of a target (`SOPDSL_WEBHOOK_SECRET` is the webhook's
`secret`). The configuration file is TOML with one table per target (`[push.webhook]`); it is
the file given with `--config`, else the one `SOPDSL_PUSH_CONFIG` names, else
`$XDG_CONFIG_HOME/sopdsl/push.toml` (`~/.config/sopdsl/push.toml`) when it exists.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path

from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.push.secrets import url_credentials
from sopdsl.push.target import TargetSettings
from sopdsl.syntax.files import display_path
from sopdsl.syntax.source import Span

CONFIG_ENV = "SOPDSL_PUSH_CONFIG"
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_SCALARS = (str, int, float, bool)


def default_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the push configuration file is looked for when none is named."""
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sopdsl" / "push.toml"


def load_settings(target: str, config: Path | None = None,
                  environ: Mapping[str, str] = os.environ) -> TargetSettings | Diagnostic:
    """The target's settings: its table in the configuration file, then its environment
    variables on top; an E626 when a named file cannot be used."""
    path = config or (Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else None)
    values: dict[str, str] = {}
    if path is not None or default_config_path(environ).is_file():
        table = _file_table(path or default_config_path(environ), target)
        if isinstance(table, Diagnostic):
            return table
        values.update(table)
    prefix = f"SOPDSL_{target.upper()}_"
    values.update((name[len(prefix):].lower(), value) for name, value in environ.items()
                  if name.startswith(prefix) and len(name) > len(prefix))
    return TargetSettings(target, values)


def secret_values(settings: TargetSettings, secret_keys: Collection[str]) -> list[str]:
    """The values that must never be shown: the secret settings, and the password and the
    key-, token- or signature-like query parameters of every setting that is a URL."""
    values = [value for key in secret_keys if (value := settings.get(key))]
    return values + [found for value in settings.values.values()
                     for found in url_credentials(value)]


def _file_table(path: Path, target: str) -> dict[str, str] | Diagnostic:
    """The `[push.<target>]` table of the file, every value as text."""
    name = display_path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return _problem(name, "no such push configuration file",
                        hint=f"check the path given with --config or {CONFIG_ENV}")
    except (OSError, UnicodeDecodeError) as error:
        return _problem(name, f"cannot read the push configuration: "
                              f"{getattr(error, 'strerror', None) or error}")
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line, column = (int(position[1]), int(position[2])) if position else (1, 1)
        message = _TOML_POSITION.sub("", str(error)).strip()
        return _problem(name, f"the push configuration is not TOML: {message[0].lower()}"
                              f"{message[1:]}", line, column,
                        hint=f'write one table per target, e.g. [push.{target}] with '
                             f'url = "https://..."')
    section = document.get("push", {})
    table = section.get(target, {}) if isinstance(section, dict) else None
    if not isinstance(table, dict):
        return _problem(name, f"`push.{target}` must be a table of settings",
                        hint=f"write [push.{target}] and its settings below it")
    values = {}
    for key, value in table.items():
        if not isinstance(value, _SCALARS):
            return _problem(name, f"`push.{target}.{key}` must be a string or a number",
                            hint="settings are single values")
        values[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return values


def _problem(name: str, message: str, line: int = 1, column: int = 1,
             hint: str | None = None) -> Diagnostic:
    return diag("E626", Span(file=name, line=line, column=column, end_line=line,
                             end_column=column + 1), message, hint=hint)

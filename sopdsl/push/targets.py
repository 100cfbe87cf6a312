"""The push targets by `--to` name; each module is imported only when its target is used."""

from __future__ import annotations

import importlib

from sopdsl.push.target import Target, TargetSettings

# Stands in for credentials a dry run does not need, so targets can be built without them.
DRY_RUN_SECRET = "<not needed for a dry run>"

TARGETS: dict[str, str] = {  # name -> "module:Class"
    "caldav": "sopdsl.push.caldav:CaldavTarget",
    "tryton": "sopdsl.push.tryton:TrytonTarget",
    "webhook": "sopdsl.push.webhook:WebhookTarget",
    "wecom": "sopdsl.push.wecom:WecomTarget",
}


def target_class(name: str) -> type[Target]:
    """The target class registered under `name` (a KeyError for unknown names)."""
    module, _, attribute = TARGETS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def build_target(target_class: type[Target], settings: TargetSettings,
                 dry_run: bool = False) -> Target:
    """The target built from its settings; for a dry run, missing secrets are stood in for.
    Raises SettingsError when a setting is missing or malformed."""
    if dry_run:
        stand_ins = {key: DRY_RUN_SECRET for key in target_class.secret_keys}
        settings = TargetSettings(settings.target, {**stand_ins, **settings.values})
    return target_class(settings)

"""The push targets by `--to` name; each module is imported only when its target is used."""

from __future__ import annotations

import importlib

from sopdsl.push.target import Target

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

"""Which settings and items each scenario block takes, and sorting a block's items by them.

Every block of a scenario shares one grammar rule, so a setting can be written in the wrong
block or twice; those are E317 here, with a did-you-mean or the block it belongs in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.diagnostics import did_you_mean
from sopdsl.syntax.source import Span
from sopdsl.syntax.syntax_errors import shown_text
from sopdsl.scenario.model import MULTIPLIER_KEYS
from sopdsl.scenario.values import Findings, read_value

# The settings of each kind of block, key -> how its value is read (scenario_values.READERS);
# "own" marks a setting read by its block's own code (it opens a block, or has two values).
BLOCK_SETTINGS: dict[str, dict[str, str]] = {
    "scenario": {
        "start": "date", "horizon": "window", "replications": "replications", "seed": "whole",
        "population": "own", "purchase": "own", "fatigue": "own", "cost": "own",
        "groups": "own",
    },
    "groups": {"per_owner": "whole", "total": "whole", "capacity": "whole",
               "members": "probability"},
    "population": {"arrivals": "rate"},
    "staff": {"capacity": "rate", "completion": "probability", "delay": "delay",
              "patience": "delay", "reminder": "probability", "hours": "hours"},
    "channel": {"open": "chance", "click": "chance", "reply": "chance",
                "unfriend": "chance", "delay": "delay"},
    "multipliers": {key: "multiplier" for key in MULTIPLIER_KEYS},
    "purchase": {"daily": "drawn_probability", "after_click": "own", "value": "own",
                 "bgnbd": "own"},
    "bgnbd": {"r": "drawn_positive", "alpha": "drawn_positive", "a": "drawn_positive",
              "b": "drawn_positive", "per": "window", "log_covariance": "own"},
    "gamma_gamma": {"p": "drawn_positive", "q": "drawn_positive", "gamma": "drawn_positive",
                    "log_covariance": "own"},
    "fatigue": {},
    "cost": {"per_arrival": "amount", "per_send": "amount"},
    "event": {"daily": "drawn_probability", "after_click": "own"},
}
# The items (statements with a keyword of their own) each kind of block takes.
BLOCK_ITEMS: dict[str, tuple[str, ...]] = {
    "scenario": ("staff", "channel", "purpose", "effect"),
    "population": ("owner", "attribute", "tag", "stage", "history"),
    "fatigue": ("above",),
    "groups": ("owner",),
}
ITEM_KEYWORDS: dict[type, str] = {
    ast.ScOwner: "owner", ast.ScStaff: "staff", ast.ScChannel: "channel",
    ast.ScPurpose: "purpose", ast.ScEffect: "effect", ast.ScAttribute: "attribute",
    ast.ScTag: "tag", ast.ScStage: "stage", ast.ScHistory: "history", ast.ScAbove: "above",
}
PLACES = {
    "scenario": "at the top of the scenario",
    "population": "in `population`",
    "staff": "in `staff` blocks",
    "channel": "in `channel` blocks",
    "multipliers": "in `purpose`, `effect` and fatigue `above` blocks",
    "purchase": "in `purchase`",
    "bgnbd": "in `bgnbd`",
    "gamma_gamma": "in `value gamma_gamma`",
    "fatigue": "in `fatigue`",
    "cost": "in `cost`",
    "event": "in event blocks such as `form_submitted { ... }`",
    "groups": "in `groups`",
}


@dataclass
class Block:
    """One block's settings by key (first of each) and its other items, in source order."""

    where: str  # how messages name the block: "`channel private_chat`"
    settings: dict[str, ast.ScSetting]
    items: list[ast.ScItem]


def sort_block(items: list[ast.ScItem], kind: str, where: str, found: Findings,
               extra: Collection[str] = ()) -> Block:
    """The items of a block of `kind`, with misplaced, unknown and repeated settings reported.

    `extra` names further settings the block takes (the events a scenario may describe).
    """
    block = Block(where, {}, [])
    for item in items:
        if isinstance(item, ast.ScSetting):
            key = item.key.name
            if key not in BLOCK_SETTINGS[kind] and key not in extra:
                _misplaced(key, item.key.span, kind, where, found, extra)
            else:
                first_of(block.settings, key, item, where, found)
            continue
        keyword = ITEM_KEYWORDS[type(item)]
        if keyword in BLOCK_ITEMS.get(kind, ()):
            block.items.append(item)
        else:
            _misplaced(keyword, keyword_span(item.span, keyword), kind, where, found)
    return block


def read_settings(block: Block, kind: str, found: Findings) -> dict[str, object]:
    """The values of the block's plain settings (not the "own" or extra ones), by key."""
    values = {}
    for key, setting in block.settings.items():
        reader = BLOCK_SETTINGS[kind].get(key, "own")
        if reader == "own":
            continue
        if setting.block is not None:
            found.error("E318", setting.key.span, f"`{key}` takes no `{{ ... }}` block")
            continue
        value = read_value(setting, reader, found)
        if value is not None:
            values[key] = value
    return values


def first_of(seen: dict, name: object, item: ast.Node, where: str, found: Findings,
             what: str | None = None) -> bool:
    """True the first time `name` is seen in a block (it is noted in `seen`); E317 on a repeat."""
    if name not in seen:
        seen[name] = item
        return True
    shown = shown_text(what) if what else f"`{shown_text(str(name))}`"
    first = seen[name]
    found.error("E317", _name_span(item), f"{shown} is set twice in {where}",
                f"the first is at line {first.span.line}, column {first.span.column}; keep one")
    return False


def put(patch: dict, field: str, key: str, value: object) -> None:
    """Set `patch[field][key]` to a value that was read, skipping one that was not (None)."""
    if value is not None:
        patch.setdefault(field, {})[key] = value


def keyword_span(span: Span, keyword: str) -> Span:
    """The span of the keyword that starts an item."""
    return Span(file=span.file, line=span.line, column=span.column, end_line=span.line,
                end_column=span.column + len(keyword))


def _name_span(item: ast.Node) -> Span:
    for name in ("key", "role", "channel", "purpose", "attribute", "tag", "event"):
        node = getattr(item, name, None)
        if isinstance(node, ast.Node):
            return node.span
    return item.span


def _misplaced(key: str, span: Span, kind: str, where: str, found: Findings,
               extra: Collection[str] = ()) -> None:
    here = [*BLOCK_SETTINGS[kind], *BLOCK_ITEMS.get(kind, ()), *extra]
    elsewhere = [
        PLACES[other] for other, keys in BLOCK_SETTINGS.items()
        if other != kind and (key in keys or key in BLOCK_ITEMS.get(other, ()))
    ]
    if elsewhere:
        found.error("E317", span, f"`{key}` does not belong in {where}",
                    f"it belongs {' or '.join(elsewhere)}")
    else:
        found.error("E317", span, f"unknown setting `{key}` in {where}", did_you_mean(key, here))

"""Top-level declarations: names declared once, the playbook block, attributes and content."""

from __future__ import annotations

import zoneinfo

from sopdsl.syntax import ast
from sopdsl.builtins import (
    ATTRIBUTE_TYPES, BUILTIN_ATTRIBUTES, BUILTIN_EVENTS, CONTENT_FIELDS, CONTENT_KINDS, PURPOSES,
)
from sopdsl.calendars import WORKDAY_CALENDARS
from sopdsl.diagnostics import did_you_mean
from sopdsl.checker.placeholders import check_placeholders
from sopdsl.checker.resolve import KIND_LABELS, Resolver
from sopdsl.syntax.source import Span

# The kind of name each declaration introduces into the unit's one namespace.
DECLARED_KINDS = {
    ast.RoleDecl: "role", ast.AttributeDecl: "attribute", ast.EventDecl: "event",
    ast.ContentDecl: "content", ast.SegmentDecl: "segment", ast.Journey: "journey",
    ast.Scenario: "scenario", ast.CampaignDecl: "campaign",
}
# Content fields and the literal each one takes.
_FIELD_VALUES = {
    "url": (ast.StringLit, "text in quotes"),
    "text": (ast.StringLit, "text in quotes"),
    "value": (ast.Number, "a number"),
    "valid": (ast.Duration, "a duration such as `7d`"),
}


class Namespace:
    """The unit's one namespace: reports a name declared twice, or a built-in redeclared."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._first: dict[str, tuple[str, Span | None]] = {}
        for name in BUILTIN_ATTRIBUTES:
            self._first[name] = ("attribute", None)
        for name in BUILTIN_EVENTS:
            self._first[name] = ("event", None)

    def declare(self, kind: str, ident: ast.Ident) -> None:
        """Record a declaration of `ident` (E202 when the name is taken)."""
        first = self._first.setdefault(ident.name, (kind, ident.span))
        if first[1] is ident.span:
            return
        first_kind, first_span = first
        report = self.resolver.report
        if first_span is None:
            report("E202", ident.span,
                   f"`{ident.name}` is a built-in {first_kind} and cannot be redeclared",
                   hint=f"choose another name for this {kind}")
            return
        report("E202", ident.span, f"`{ident.name}` is already declared",
               hint=f"first declared as {KIND_LABELS[first_kind]} at "
                    f"{first_span.file}:{first_span.line}; names are global to the unit")


def check_playbooks(resolver: Resolver, playbooks: list[ast.PlaybookDecl]) -> None:
    """One playbook block per unit, and settings that make sense."""
    for extra in playbooks[1:]:
        first = playbooks[0].span
        resolver.report("E217", extra.title.span, "a second `playbook` block in this unit",
                        hint=f"the first is at {first.file}:{first.line}; merge the settings there")
    for playbook in playbooks:
        _check_settings(resolver, playbook)


def _check_settings(resolver: Resolver, playbook: ast.PlaybookDecl) -> None:
    seen: dict[type, ast.PlaybookSetting] = {}
    for setting in playbook.settings:
        first = seen.setdefault(type(setting), setting)
        if first is not setting:
            keyword = _SETTING_KEYWORDS[type(setting)]
            resolver.report("E305", setting.span,
                            f"`{keyword}` is given twice in the playbook block",
                            hint=f"keep one; the first is on line {first.span.line}")
        match setting:
            case ast.Timezone():
                _check_timezone(resolver, setting.name)
            case ast.QuietHours() if setting.window.start.minutes == setting.window.end.minutes:
                resolver.report("E310", setting.window.span,
                                "quiet hours that start and end at the same time cover no time",
                                hint="write a window such as `21:30-09:00`, "
                                     "or leave quiet_hours out")
            case ast.FrequencyCap():
                check_cap(resolver, "frequency_cap", setting.count, setting.window)
            case ast.MassQuota():
                check_cap(resolver, "mass_quota", setting.count, setting.window)
            case ast.Stages():
                _check_stages(resolver, setting.names)
            case ast.Workdays() if setting.calendar.name not in WORKDAY_CALENDARS:
                name = setting.calendar.name
                resolver.report("E332", setting.calendar.span,
                                f"unknown workdays calendar `{name}`",
                                hint=did_you_mean(name, WORKDAY_CALENDARS)
                                or "use " + ", ".join(f"`{n}`" for n in WORKDAY_CALENDARS))


# Names operators write for China Standard Time that are not IANA names.
_TIMEZONE_ALIASES = {
    alias.casefold(): "Asia/Shanghai"
    for alias in ("Asia/Beijing", "Beijing", "China", "CST", "UTC+8", "GMT+8", "Asia/China")
}

_SETTING_KEYWORDS = {
    ast.Timezone: "timezone", ast.QuietHours: "quiet_hours", ast.FrequencyCap: "frequency_cap",
    ast.MassQuota: "mass_quota", ast.Stages: "stages", ast.Workdays: "workdays",
}


def check_cap(resolver: Resolver, what: str, count: ast.Number,
              window: ast.Duration | None) -> None:
    """`N per D`: a whole number of sends above zero, over a window of some length (E309)."""
    if count.value == 0 or not count.value.is_integer():
        resolver.report("E309", count.span, f"`{what}` must allow a whole number of sends above 0",
                        hint=f"allow at least one send, such as `{what} 3 per 7d`")
    if window is not None and window.minutes == 0:
        resolver.report("E309", window.span, f"`{what}` counts over a window of zero length",
                        hint="give a window such as `7d`")


def _check_timezone(resolver: Resolver, name: ast.StringLit) -> None:
    try:
        zoneinfo.ZoneInfo(name.value)
        return
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a folder
        pass
    alias = _TIMEZONE_ALIASES.get(name.value.casefold())
    hint = (f"did you mean `{alias}`?" if alias
            else did_you_mean(name.value, zoneinfo.available_timezones()))
    resolver.report("E218", name.span, f"unknown time zone {name.text}",
                    hint=hint or 'use an IANA time zone name such as "Asia/Shanghai"')


def _check_stages(resolver: Resolver, names: list[ast.Ident]) -> None:
    seen: set[str] = set()
    for ident in names:
        if ident.name in seen:
            resolver.report("E202", ident.span, f"stage `{ident.name}` is listed twice",
                            hint="each stage appears once in the lifecycle order")
        seen.add(ident.name)


def check_attribute(resolver: Resolver, decl: ast.AttributeDecl) -> None:
    """An attribute's type exists, and an enum lists its values once each."""
    type_ref = decl.type
    if type_ref.kind not in ATTRIBUTE_TYPES:
        resolver.report("E223", type_ref.span, f"unknown attribute type `{type_ref.kind}`",
                        hint=did_you_mean(type_ref.kind, ATTRIBUTE_TYPES)
                        or "the types are string, number, bool, date, lunar_date and enum(...)")
    seen: set[str] = set()
    for value in type_ref.values:
        if value.value in seen:
            resolver.report("E215", value.span, f"enum value {value.text} is listed twice",
                            hint="each value appears once")
        seen.add(value.value)


def check_content(resolver: Resolver, decl: ast.ContentDecl) -> None:
    """Kind, fields and their values, and placeholders in the text customers read."""
    if decl.kind.name not in CONTENT_KINDS:
        resolver.report("E221", decl.kind.span, f"unknown content kind `{decl.kind.name}`",
                        hint=did_you_mean(decl.kind.name, CONTENT_KINDS)
                        or "the kinds are " + ", ".join(CONTENT_KINDS))
    if decl.title is not None:
        check_placeholders(resolver, decl.title)
    seen: dict[str, ast.ContentField] = {}
    for field in decl.fields:
        first = seen.setdefault(field.key.name, field)
        if first is not field:
            resolver.report("E224", field.key.span, f"field `{field.key.name}` is given twice "
                            f"in content `{decl.name.name}`",
                            hint=f"keep one; the first is on line {first.span.line}")
        _check_field(resolver, field)


def _check_field(resolver: Resolver, field: ast.ContentField) -> None:
    key, value = field.key.name, field.value
    if key == "purpose":
        _check_purpose(resolver, value)
    elif key not in CONTENT_FIELDS:
        resolver.report("E213", field.key.span, f"unknown content field `{key}`",
                        hint=did_you_mean(key, CONTENT_FIELDS)
                        or "the fields are " + ", ".join(CONTENT_FIELDS))
    elif not isinstance(value, _FIELD_VALUES[key][0]):
        resolver.report("E207", value.span, f"field `{key}` takes {_FIELD_VALUES[key][1]}")
    elif key == "text":
        check_placeholders(resolver, value)
    elif key == "valid" and value.minutes == 0:
        resolver.report("E310", value.span, "content that is valid for zero time",
                        hint="give a validity such as `7d`")


def _check_purpose(resolver: Resolver, value: object) -> None:
    if isinstance(value, ast.Ident) and value.name in PURPOSES:
        return
    written = value.name if isinstance(value, ast.Ident) else getattr(value, "text", "")
    hint = did_you_mean(written, PURPOSES) or "the purposes are " + ", ".join(PURPOSES)
    if isinstance(value, ast.StringLit) and value.value in PURPOSES:
        hint = f"write the purpose without quotes: `purpose {value.value}`"
    resolver.report("E214", value.span, f"unknown purpose `{written}`", hint)


"""A Program: one compilation unit's declarations gathered into symbol tables and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sopdsl.syntax import ast
from sopdsl.builtins import (
    BUILTIN_ATTRIBUTES, BUILTIN_EVENTS, DEFAULT_MASS_QUOTA, DEFAULT_STAGES, DEFAULT_TIMEZONE,
    YEARLY_TYPES,
)
from sopdsl.calendars import DEFAULT_WORKDAYS, WORKDAY_CALENDARS
from sopdsl.lunar import FESTIVAL_NAMES
from sopdsl.diagnostics import Diagnostic, has_errors
from sopdsl.syntax.source import SourceFile

if TYPE_CHECKING:
    from sopdsl.syntax.loader import Unit


@dataclass(frozen=True)
class AttributeInfo:
    """A customer attribute: built in (decl None) or declared."""

    name: str
    type: str  # string number bool date enum
    values: tuple[str, ...] = ()  # an enum's values, in declared order
    decl: ast.AttributeDecl | None = None


@dataclass(frozen=True)
class EventInfo:
    """An event: built in (decl None) or declared; declared events take no content."""

    name: str
    takes_content: bool = False
    decl: ast.EventDecl | None = None


@dataclass(frozen=True)
class Window:
    """`N per D`: at most `count` in a sliding window of `minutes`, or per calendar period."""

    count: int
    minutes: int | None = None
    calendar: str | None = None  # day, week or month


@dataclass(frozen=True)
class PlaybookSettings:
    """The playbook block with the language's defaults filled in."""

    title: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    quiet_hours: tuple[int, int] | None = None  # minutes of the day: start, end (may wrap)
    frequency_cap: Window | None = None
    mass_quota: Window = Window(DEFAULT_MASS_QUOTA[0], calendar=DEFAULT_MASS_QUOTA[1])
    stages: tuple[str, ...] = DEFAULT_STAGES
    workdays: str = DEFAULT_WORKDAYS  # a name of WORKDAY_CALENDARS


@dataclass
class Program:
    """Everything one compilation unit declares, by name, plus what loading it found wrong.

    A name declared twice keeps its first declaration here; the resolver reports the second.
    """

    entry: Path
    root: Path
    modules: list[ast.Module]
    sources: dict[str, SourceFile]
    settings: PlaybookSettings
    playbook: ast.PlaybookDecl | None
    roles: dict[str, ast.RoleDecl] = field(default_factory=dict)
    attributes: dict[str, AttributeInfo] = field(default_factory=dict)
    events: dict[str, EventInfo] = field(default_factory=dict)
    contents: dict[str, ast.ContentDecl] = field(default_factory=dict)
    segments: dict[str, ast.SegmentDecl] = field(default_factory=dict)
    journeys: dict[str, ast.Journey] = field(default_factory=dict)
    scenarios: dict[str, ast.Scenario] = field(default_factory=dict)
    campaigns: dict[str, ast.CampaignDecl] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when loading found no errors (warnings allowed)."""
        return not has_errors(self.diagnostics)

    def stage_rank(self, stage: str) -> int | None:
        """The stage's position in the lifecycle order, None when not a stage."""
        try:
            return self.settings.stages.index(stage)
        except ValueError:
            return None

    def purpose_of(self, content: str | None) -> str | None:
        """The declared purpose of a content, None when it has none or is not declared."""
        decl = self.contents.get(content or "")
        for item in decl.fields if decl is not None else ():
            if item.key.name == "purpose":
                return getattr(item.value, "name", None)
        return None

    def is_date_trigger(self, event: ast.EventRef) -> bool:
        """True for `when birthday` and `when 中秋`: parsed like an event trigger, it is a
        yearly date trigger (a date attribute, or else a festival)."""
        name = event.name.name
        if event.content is not None or name in self.events:
            return False
        info = self.attributes.get(name)
        return info.type in YEARLY_TYPES if info is not None else name in FESTIVAL_NAMES


def collect(unit: Unit) -> Program:
    """The unit's declarations as symbol tables (parse diagnostics included, no checks)."""
    decls = [decl for module in unit.modules for decl in module.decls]
    playbooks = [d for d in decls if isinstance(d, ast.PlaybookDecl)]
    playbook = playbooks[0] if playbooks else None
    program = Program(
        entry=unit.entry,
        root=unit.root,
        modules=unit.modules,
        sources=unit.sources,
        settings=settings_of(playbook),
        playbook=playbook,
        attributes={name: AttributeInfo(name, kind) for name, kind in BUILTIN_ATTRIBUTES.items()},
        events={name: EventInfo(name, takes) for name, takes in BUILTIN_EVENTS.items()},
        diagnostics=[*unit.diagnostics, *(d for f in unit.files for d in f.diagnostics)],
    )
    for decl in decls:
        _add(program, decl)
    return program


def _add(program: Program, decl: ast.Decl) -> None:
    match decl:
        case ast.RoleDecl():
            program.roles.setdefault(decl.name.name, decl)
        case ast.AttributeDecl() if decl.name.name not in program.attributes:
            values = tuple(v.value for v in decl.type.values)
            program.attributes[decl.name.name] = AttributeInfo(
                decl.name.name, decl.type.kind, values, decl)
        case ast.EventDecl() if decl.name.name not in program.events:
            program.events[decl.name.name] = EventInfo(decl.name.name, False, decl)
        case ast.ContentDecl():
            program.contents.setdefault(decl.name.name, decl)
        case ast.SegmentDecl():
            program.segments.setdefault(decl.name.name, decl)
        case ast.Journey():
            program.journeys.setdefault(decl.name.name, decl)
        case ast.Scenario():
            program.scenarios.setdefault(decl.name.name, decl)
        case ast.CampaignDecl():
            program.campaigns.setdefault(decl.name.name, decl)


def settings_of(playbook: ast.PlaybookDecl | None) -> PlaybookSettings:
    """The effective settings of a playbook block (the defaults when there is none)."""
    if playbook is None:
        return PlaybookSettings()
    values: dict[str, object] = {"title": playbook.title.value}
    for setting in playbook.settings:
        match setting:
            case ast.Timezone():
                values["timezone"] = setting.name.value
            case ast.QuietHours():
                values["quiet_hours"] = (setting.window.start.minutes, setting.window.end.minutes)
            case ast.FrequencyCap():
                values["frequency_cap"] = Window(int(setting.count.value), setting.window.minutes)
            case ast.MassQuota():
                minutes = setting.window.minutes if setting.window else None
                values["mass_quota"] = Window(int(setting.count.value), minutes, setting.calendar)
            case ast.Stages():
                values["stages"] = tuple(ident.name for ident in setting.names)
            case ast.Workdays() if setting.calendar.name in WORKDAY_CALENDARS:
                values["workdays"] = setting.calendar.name
    return PlaybookSettings(**values)

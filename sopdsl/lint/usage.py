"""Which declared names a program refers to: contents, segments, roles, attributes, events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sopdsl.syntax import ast
from sopdsl.checker.placeholders import Placeholder, content_strings, placeholders
from sopdsl.checker.program import Program
from sopdsl.syntax.walk import nodes


@dataclass
class Usage:
    """Names referred to anywhere in a program (declarations themselves do not count)."""

    contents: set[str] = field(default_factory=set)
    segments: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    written_attributes: set[str] = field(default_factory=set)  # by `set` steps

    def merge(self, other: Usage) -> None:
        """Add another set of references to this one."""
        for kind in ("contents", "segments", "roles", "attributes", "events",
                     "written_attributes"):
            getattr(self, kind).update(getattr(other, kind))


def content_placeholders(content: ast.ContentDecl) -> list[Placeholder]:
    """The placeholders in the texts of a content, in order."""
    return [p for string in content_strings(content) for p in _placeholders(string)]


def _placeholders(string: ast.StringLit) -> list[Placeholder]:
    """The string's placeholders (`{customer.baby_name}`, `{owner.name}`), in order."""
    return [p for p in placeholders(string) if p.of_the_language]


def collect_usage(program: Program, cache: dict[int, Usage] | None = None) -> Usage:
    """Every reference in the program's modules, by kind of name.

    `cache` keeps each module's references by `id(module)` while the modules are alive, so
    a file imported by many programs is read once.
    """
    cache = {} if cache is None else cache
    usage = Usage()
    for module in program.modules:
        if id(module) not in cache:
            cache[id(module)] = _module_usage(module)
        usage.merge(cache[id(module)])
    return usage


def _module_usage(module: ast.Module) -> Usage:
    usage = Usage()
    for decl in module.decls:
        for node in nodes(decl):
            note = _NOTES.get(type(node))
            if note is not None:
                note(node, usage)
    return usage


def _event(node: ast.EventRef, usage: Usage) -> None:
    usage.events.add(node.name.name)
    if node.content is not None:
        usage.contents.add(node.content.name)


def _send(node: ast.Send, usage: Usage) -> None:
    usage.contents.add(node.content.name)
    if node.by is not None:
        usage.roles.add(node.by.name)


def _task(node: ast.Task, usage: Usage) -> None:
    usage.roles.add(node.role.name)
    if node.content is not None:
        usage.contents.add(node.content.name)
    _attributes(_placeholders(node.instruction), usage)
    for escalation in node.escalation:
        if escalation.role is not None:
            usage.roles.add(escalation.role.name)
        if escalation.text is not None:
            _attributes(_placeholders(escalation.text), usage)


def _notify(node: ast.Notify, usage: Usage) -> None:
    usage.roles.add(node.role.name)
    _attributes(_placeholders(node.text), usage)


def _set(node: ast.SetStep, usage: Usage) -> None:
    usage.attributes.add(node.attribute.name)
    usage.written_attributes.add(node.attribute.name)


def _content(node: ast.ContentDecl, usage: Usage) -> None:
    _attributes(content_placeholders(node), usage)


def _attributes(found: list[Placeholder], usage: Usage) -> None:
    usage.attributes.update(p.attribute for p in found if p.attribute)


# What each kind of node refers to (a table, since every node of every file passes here).
_NOTES: dict[type, Callable[[Any, Usage], None]] = {
    ast.SegmentRef: lambda n, u: u.segments.add(n.name),
    ast.EnterTrigger: lambda n, u: u.segments.add(n.segment.name),
    ast.NameValue: lambda n, u: u.attributes.add(n.name),
    ast.EventRef: _event,
    ast.SumValue: lambda n, u: u.events.add(n.event.name),
    ast.ScHistory: lambda n, u: u.events.add(n.event.name),
    ast.Send: _send,
    ast.Task: _task,
    ast.Notify: _notify,
    ast.Handoff: lambda n, u: u.roles.add(n.role.name),
    ast.ScOwner: lambda n, u: u.roles.add(n.role.name),
    ast.ScStaff: lambda n, u: u.roles.add(n.role.name),
    ast.SetStep: _set,
    ast.DateTrigger: lambda n, u: u.attributes.add(n.attribute.name),
    ast.DayTest: lambda n, u: u.attributes.add(n.day.name),
    ast.ScAttribute: lambda n, u: u.attributes.add(n.attribute.name),
    ast.ContentDecl: _content,
}

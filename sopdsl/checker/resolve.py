"""Name lookups of a unit: each reference found in its symbol table, or a diagnostic."""

from __future__ import annotations

from collections.abc import Iterable

from sopdsl.syntax import ast
from sopdsl.builtins import CHANNELS, YEARLY_TYPES
from sopdsl.diagnostics import Diagnostic, diag, did_you_mean
from sopdsl.checker.program import AttributeInfo, EventInfo, Program
from sopdsl.syntax.source import Span

# How each kind of name reads in a message: "`vip` is a segment, not content".
KIND_LABELS = {
    "role": "a role",
    "attribute": "an attribute",
    "event": "an event",
    "content": "content",
    "segment": "a segment",
    "journey": "a journey",
    "scenario": "a scenario",
    "stage": "a stage",
    "campaign": "a campaign",
}

# The code for a name that is declared nowhere, by the kind of name expected.
UNKNOWN_CODES = {"attribute": "E203", "stage": "E204", "event": "E205"}

_DECLARE_HINTS = {
    "role": "declare it with `role {name}`",
    "attribute": "declare it with `attribute {name}: string` (or number, bool, date, enum(...))",
    "event": "declare custom events with `event {name}`",
    "content": 'declare it with `content {name}: text "..."`',
    "segment": "declare it with `segment {name} = ...`",
}

# Codes that only say a name is not declared: silent when declarations may be missing.
UNDEFINED_NAME_CODES = frozenset({"E201", "E203", "E204", "E205", "E206"})
# A unit with one of these lost declarations (a file unread or unparsed, an import missing).
_LOST_DECLARATIONS = ("E1", "E211", "E212")


def declarations_complete(diagnostics: Iterable[Diagnostic]) -> bool:
    """False when a file of the unit could not be read, parsed or imported."""
    return not any(d.code.startswith(_LOST_DECLARATIONS) for d in diagnostics)


class Resolver:
    """Looks names up in a program's symbol tables and collects what it finds wrong."""

    def __init__(self, program: Program, complete: bool = True) -> None:
        self.program = program
        # False when declarations may be missing: undefined names are then not reported.
        self.complete = complete
        self.diagnostics: list[Diagnostic] = []
        self._tables: dict[str, dict] = {
            "role": program.roles,
            "attribute": program.attributes,
            "event": program.events,
            "content": program.contents,
            "segment": program.segments,
            "journey": program.journeys,
            "scenario": program.scenarios,
            "campaign": program.campaigns,
        }

    def report(self, code: str, span: Span, message: str, hint: str | None = None) -> None:
        """Record one diagnostic (undefined names only when every declaration was read)."""
        if self.complete or code not in UNDEFINED_NAME_CODES:
            self.diagnostics.append(diag(code, span, message, hint))

    # ---- lookups ----------------------------------------------------------------------

    def content(self, ident: ast.Ident) -> ast.ContentDecl | None:
        """The content a name refers to."""
        return self._lookup("content", ident.name, ident.span)

    def role(self, ident: ast.Ident) -> ast.RoleDecl | None:
        """The staff role a name refers to."""
        return self._lookup("role", ident.name, ident.span)

    def journey(self, ident: ast.Ident) -> ast.Journey | None:
        """The journey a name refers to."""
        return self._lookup("journey", ident.name, ident.span)

    def campaign_phase(self, campaign: ast.Ident, phase: ast.Ident | None) -> None:
        """A campaign a name refers to, and one of its phases (E230 when it has no such phase)."""
        decl = self._lookup("campaign", campaign.name, campaign.span)
        if decl is None or phase is None:
            return
        phases = [p.name.name for p in decl.phases]
        if phase.name not in phases:
            self.report("E230", phase.span,
                        f"campaign `{campaign.name}` has no phase `{phase.name}`",
                        hint=did_you_mean(phase.name, phases)
                        or "its phases are " + ", ".join(f"`{p}`" for p in phases))

    def segment(self, name: str, span: Span) -> ast.SegmentDecl | None:
        """The segment a bare name in a condition refers to."""
        return self._lookup("segment", name, span)

    def attribute(self, name: str, span: Span) -> AttributeInfo | None:
        """The customer attribute a name refers to."""
        return self._lookup("attribute", name, span)

    def event(self, ref: ast.EventRef) -> EventInfo | None:
        """The event a reference names; its content argument is checked too."""
        info = self._lookup("event", ref.name.name, ref.name.span)
        if ref.content is None:
            return info
        if info is not None and not info.takes_content:
            takers = ", ".join(f"`{n}`" for n, e in self.program.events.items() if e.takes_content)
            self.report("E216", ref.content.span,
                        f"`{info.name}` takes no content argument",
                        hint=f"only {takers} name content; write `{info.name}` alone")
            return info
        self.content(ref.content)
        return info

    def stage(self, name: str, span: Span) -> bool:
        """True when the name is one of the playbook's stages."""
        if name in self.program.settings.stages:
            return True
        self._unknown("stage", name, span)
        return False

    def channel(self, ident: ast.Ident) -> str | None:
        """The channel a send goes out on."""
        if ident.name in CHANNELS:
            return ident.name
        self.report("E222", ident.span, f"unknown channel `{ident.name}`",
                    hint=did_you_mean(ident.name, CHANNELS)
                    or "the channels are " + ", ".join(f"`{c}`" for c in CHANNELS))
        return None

    def kind_of(self, name: str) -> str | None:
        """What kind of thing a name is declared as (a stage counts), or None."""
        for kind, table in self._tables.items():
            if name in table:
                return kind
        return "stage" if name in self.program.settings.stages else None

    # ---- failures ---------------------------------------------------------------------

    def _lookup(self, kind: str, name: str, span: Span):
        found = self._tables[kind].get(name)
        if found is None:
            self._unknown(kind, name, span)
        return found

    def _unknown(self, kind: str, name: str, span: Span) -> None:
        if not self.complete:
            return
        actual = self.kind_of(name)
        if actual is not None and actual != kind:
            self.report("E206", span, f"`{name}` is {KIND_LABELS[actual]}, not {KIND_LABELS[kind]}",
                        hint=self._wrong_kind_hint(name, actual, kind))
            return
        candidates = self.program.settings.stages if kind == "stage" else self._tables[kind]
        hint = did_you_mean(name, candidates)
        if hint is None and kind == "stage":
            hint = "the stages are " + ", ".join(dict.fromkeys(self.program.settings.stages))
        elif hint is None and kind in _DECLARE_HINTS:
            hint = _DECLARE_HINTS[kind].format(name=name)
        self.report(UNKNOWN_CODES.get(kind, "E201"), span, f"unknown {kind} `{name}`", hint)

    def _wrong_kind_hint(self, name: str, actual: str, expected: str) -> str | None:
        if (actual, expected) == ("attribute", "segment"):
            if self.program.attributes[name].type == "bool":
                return f"compare the attribute with a value: `{name} == true`"
            return f"compare the attribute with a value, as in `{name} == ...`"
        if (actual, expected) == ("attribute", "event"):
            if self.program.attributes[name].type not in YEARLY_TYPES:
                return None
            return f"a date starts a yearly journey with a trigger: `when {name} - 3d at 10:00`"
        return _WRONG_KIND_HINTS.get((actual, expected), "").format(name=name) or None


_WRONG_KIND_HINTS = {
    ("segment", "attribute"):
        "a segment is a condition on its own: write `{name}` without comparing it",
    ("segment", "event"):
        "to start when customers come to match the segment, write `when enter {name}`",
    ("stage", "attribute"): "compare the customer's stage with it: `stage == {name}`",
    ("content", "event"): "events about content name it in parentheses, such as `click({name})`",
}


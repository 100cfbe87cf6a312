"""Validate a unit: names, types and journey structure (docs/reference.md: declarations, expressions, journeys)."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.checker.calendar_years import check_date_literals
from sopdsl.checker.campaigns import check_campaign
from sopdsl.checker.declarations import (
    DECLARED_KINDS, Namespace, check_attribute, check_content, check_playbooks,
)
from sopdsl.diagnostics import Diagnostic
from sopdsl.checker.program import Program
from sopdsl.checker.resolve import Resolver, declarations_complete
from sopdsl.checker.segment_cycles import check_segment_cycles
from sopdsl.checker.structure import JourneyChecker
from sopdsl.checker.typecheck import ExprChecker


def validate(program: Program) -> list[Diagnostic]:
    """Every name, type and structure error of the unit, in one pass over its declarations.

    When a file of the unit could not be read or parsed, or an import is missing, names
    declared there are unknown: undefined-name errors are then left out, the rest is checked.
    """
    resolver = Resolver(program, declarations_complete(program.diagnostics))
    exprs = ExprChecker(resolver)
    journeys = JourneyChecker(resolver, exprs)
    namespace = Namespace(resolver)
    playbooks: list[ast.PlaybookDecl] = []
    segment_refs: dict[str, list[ast.SegmentRef]] = {}
    for module in program.modules:
        for decl in module.decls:
            kind = DECLARED_KINDS.get(type(decl))
            if kind is not None:
                namespace.declare(kind, decl.name)
            match decl:
                case ast.PlaybookDecl():
                    playbooks.append(decl)
                case ast.AttributeDecl():
                    check_attribute(resolver, decl)
                case ast.ContentDecl():
                    check_content(resolver, decl)
                case ast.SegmentDecl():
                    refs = exprs.segment_references(decl.expr)
                    if program.segments.get(decl.name.name) is decl:
                        segment_refs[decl.name.name] = refs
                case ast.Journey():
                    journeys.check(decl)
                case ast.CampaignDecl():
                    check_campaign(resolver, decl)
    check_playbooks(resolver, playbooks)
    check_segment_cycles(resolver, segment_refs)
    return resolver.diagnostics + check_date_literals(program)

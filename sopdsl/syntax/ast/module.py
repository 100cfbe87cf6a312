"""One parsed file: its declarations and comments."""

from __future__ import annotations

from typing import Union

from sopdsl.syntax.ast.nodes import Node
from sopdsl.syntax.ast.declarations import (
    AttributeDecl, ContentDecl, EventDecl, ImportDecl, PlaybookDecl, RoleDecl, SegmentDecl,
)
from sopdsl.syntax.ast.journeys import Journey
from sopdsl.syntax.ast.scenarios import CampaignDecl, Scenario


Decl = Union[
    PlaybookDecl, ImportDecl, RoleDecl, AttributeDecl, EventDecl, ContentDecl, SegmentDecl,
    Journey, Scenario, CampaignDecl,
]


class Comment(Node):
    text: str  # with the leading '#'


class Module(Node):
    """One parsed file: its declarations in source order and its comments."""

    path: str
    decls: list[Decl]
    comments: list[Comment] = []

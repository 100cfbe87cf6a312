"""The compiled workflow as a versioned, schema-backed JSON document for a CRM's own SOP engine.

Everything a journey means is spelled out: triggers, clauses, every step with its stable id,
parameters and source line, and the control-flow edges of the workflow graph.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from sopdsl.syntax import ast
from sopdsl.fmt.exprs import event_text, events_text, expr_text, trigger_text
from sopdsl.fmt.statements import escalation_text, step_text
from sopdsl.draw.graph import WorkflowGraph, build_graph, step_kind
from sopdsl.planning.model import StrictModel, published_schema
from sopdsl.checker.program import Program, Window
from sopdsl.runtime.hours import DailyHours
from sopdsl.runtime.journey_program import CompiledJourney, compile_program
from sopdsl.syntax.source import Span
from sopdsl.syntax.step_ids import walk_steps

EXPORT_SCHEMA_NAME = "sopdsl.export"
EXPORT_VERSION = 1


class Limit(StrictModel):
    """`N per D` (a sliding window in minutes) or `N per month|week|day` (a calendar period)."""

    count: int
    window_minutes: int | None
    period: Literal["day", "week", "month"] | None


class ExportSettings(StrictModel):
    """The playbook block, defaults filled in."""

    title: str | None
    timezone: str
    quiet_hours: str | None = Field(description="HH:MM-HH:MM; may wrap midnight.")
    frequency_cap: Limit | None
    mass_quota: Limit
    stages: list[str] = Field(description="The lifecycle, in order.")
    workdays: str = Field(default="every_day",
                          description="The days staff work, which `due` counts in.")


class Role(StrictModel):
    name: str
    title: str | None


class Attribute(StrictModel):
    name: str
    type: Literal["string", "number", "bool", "date", "lunar_date", "enum"]
    values: list[str] = Field(description="An enum's values.")
    builtin: bool


class EventType(StrictModel):
    name: str
    takes_content: bool
    builtin: bool


class Content(StrictModel):
    name: str
    kind: str
    title: str | None
    fields: dict[str, str | float] = Field(description="purpose, url, text, value, valid.")
    source: str = Field(description="file:line")


class Segment(StrictModel):
    name: str
    expression: str
    source: str


class Trigger(StrictModel):
    id: str = Field(description="The trigger's node id in the graph, JOURNEY/@when/N.")
    kind: str = Field(description="event, date, enter, every, inactive, stage, tag_added, "
                                  "once, campaign.")
    text: str = Field(description="The trigger as written, e.g. `birthday - 3d at 10:00`.")
    source: str


class Step(StrictModel):
    id: str = Field(description="The stable step id.")
    kind: str = Field(description="send, task, notify, wait, wait_until_time, wait_until_day, "
                                  "wait_for, if, split, repeat_n, repeat_until, tag_step, "
                                  "untag_step, score_step, stage_step, set_step, handoff, "
                                  "enter, exit_step.")
    label: str | None
    parent: str | None = Field(description="The compound step holding this one.")
    arm: str | None = Field(description="Which arm of the parent: then, timeout, if, elifN, "
                                        "else, body or a split arm's name.")
    text: str = Field(description="The step as written (for compound steps, the header).")
    params: dict[str, Any] = Field(description="The step's parameters by name.")
    source: str


class GraphNode(StrictModel):
    id: str
    kind: Literal["end", "exit", "any", "goal"] = Field(
        description="end: the journey is done; exit: it ends early; any: the watch over goals "
                    "and exits at any moment; goal: a goal reached.")


class Edge(StrictModel):
    source: str
    target: str
    kind: str = Field(description="trigger, next, then, timeout, if, elif, else, arm, body, "
                                  "repeat, loop_exit, exit, enter, goal, exit_on, exit_when.")
    params: dict[str, Any] = Field(description="condition, share, within, wait, events...")


class Journey(StrictModel):
    name: str
    title: str | None
    source: str
    triggers: list[Trigger]
    audience: str | None
    reentry: str = Field(description="never, always or `after D`.")
    goals: list[dict[str, str]] = Field(description="name, events, within, and kind: `goal` "
                                                    "(ends the run) or `milestone` (recorded, "
                                                    "the run goes on).")
    exit_on: list[str]
    exit_when: list[str]
    priority: int
    cap: Limit | None
    steps: list[Step]
    nodes: list[GraphNode]
    edges: list[Edge]


class Export(StrictModel):
    """A compiled playbook."""

    schema_name: Literal["sopdsl.export"] = Field(EXPORT_SCHEMA_NAME, alias="schema")
    version: Literal[1] = EXPORT_VERSION
    file: str
    settings: ExportSettings
    roles: list[Role]
    attributes: list[Attribute]
    events: list[EventType]
    contents: list[Content]
    segments: list[Segment]
    journeys: list[Journey]

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def export_json_schema() -> dict[str, Any]:
    """The JSON Schema of an export document."""
    return published_schema(Export, "export", EXPORT_VERSION)


def _where(span: Span) -> str:
    return f"{span.file}:{span.line}"


def _limit(window: Window | None) -> Limit | None:
    if window is None:
        return None
    return Limit(count=window.count, window_minutes=window.minutes, period=window.calendar)


def export_program(program: Program, file: str) -> Export:
    """The program (which must load without errors) as an export document."""
    settings = program.settings
    quiet = settings.quiet_hours
    compiled = compile_program(program)
    graph = build_graph(program, compiled)
    return Export(
        file=file,
        settings=ExportSettings(
            title=settings.title, timezone=settings.timezone,
            quiet_hours=DailyHours(*quiet).text if quiet else None,
            frequency_cap=_limit(settings.frequency_cap), mass_quota=_limit(settings.mass_quota),
            stages=list(settings.stages), workdays=settings.workdays),
        roles=[Role(name=n, title=d.title.value if d.title else None)
               for n, d in program.roles.items()],
        attributes=[Attribute(name=a.name, type=a.type, values=list(a.values),
                              builtin=a.decl is None) for a in program.attributes.values()],
        events=[EventType(name=e.name, takes_content=e.takes_content, builtin=e.decl is None)
                for e in program.events.values()],
        contents=[_content(decl) for decl in program.contents.values()],
        segments=[Segment(name=n, expression=expr_text(d.expr), source=_where(d.span))
                  for n, d in program.segments.items()],
        journeys=[_journey(graph, compiled[name], journey)
                  for name, journey in program.journeys.items()],
    )


def _content(decl: ast.ContentDecl) -> Content:
    fields: dict[str, str | float] = {}
    for field in decl.fields:
        value = field.value
        if isinstance(value, ast.StringLit):
            fields[field.key.name] = value.value
        elif isinstance(value, ast.Ident):
            fields[field.key.name] = value.name
        elif isinstance(value, ast.Number | ast.Percent):
            fields[field.key.name] = value.value
        else:
            fields[field.key.name] = value.text
    return Content(name=decl.name.name, kind=decl.kind.name,
                   title=decl.title.value if decl.title else None, fields=fields,
                   source=_where(decl.span))


def _journey(graph: WorkflowGraph, compiled: CompiledJourney, journey: ast.Journey) -> Journey:
    name = journey.name.name
    clauses = journey.clauses
    triggers = [t for c in clauses if isinstance(c, ast.When) for t in c.triggers]
    reentry = next((c for c in clauses if isinstance(c, ast.Reentry)), None)
    audience = next((c for c in clauses if isinstance(c, ast.Audience)), None)
    own = graph.journey_nodes(name)
    return Journey(
        name=name, title=journey.title.value if journey.title else None,
        source=_where(journey.span),
        triggers=[Trigger(id=f"{name}/@when/{i}", kind=_trigger_kind(t), text=trigger_text(t),
                          source=_where(t.span)) for i, t in enumerate(triggers, start=1)],
        audience=expr_text(audience.expr) if audience else None,
        reentry=(f"after {reentry.after.text}" if reentry and reentry.after
                 else compiled.reentry),
        goals=[{"name": c.name.name, "events": events_text(c.events), "within": c.within.text,
                "kind": "goal" if c.terminal else "milestone"}
               for c in clauses if isinstance(c, ast.Goal)],
        exit_on=[event_text(e) for c in clauses if isinstance(c, ast.ExitOn) for e in c.events],
        exit_when=[expr_text(c.expr) for c in clauses if isinstance(c, ast.ExitWhen)],
        priority=compiled.priority,
        cap=_limit(compiled.cap),
        steps=[Step(id=ref.id, kind=step_kind(ref.step),
                    label=ref.step.label.name if ref.step.label else None, parent=ref.parent,
                    arm=ref.arm, text=step_text(ref.step), params=step_params(ref.step),
                    source=_where(ref.step.span)) for ref in walk_steps(journey)],
        nodes=[GraphNode(id=n, kind=graph.g.nodes[n]["kind"]) for n in own
               if graph.g.nodes[n]["kind"] in ("end", "exit", "any", "goal")],
        edges=[Edge(source=u, target=v, kind=data["kind"], params=_edge_params(data))
               for u, v, data in graph.g.edges(own, data=True)],
    )


def _trigger_kind(trigger: ast.Trigger) -> str:
    return {ast.EventTrigger: "event", ast.DateTrigger: "date", ast.EnterTrigger: "enter",
            ast.EveryTrigger: "every", ast.InactiveTrigger: "inactive",
            ast.StageTrigger: "stage", ast.TagAddedTrigger: "tag_added", ast.OnceTrigger: "once",
            ast.CampaignTrigger: "campaign"}[type(trigger)]


def step_params(step: ast.Step) -> dict[str, Any]:
    """A step's parameters as plain values (durations and times as written)."""
    params: dict[str, Any] = {}
    for name in type(step).model_fields:
        if name in ("span", "label", "steps", "then", "timeout", "otherwise", "has_block",
                    "wall", "escalation"):
            continue
        value = _plain(getattr(step, name))
        if value is not None:
            params[name] = value
    if isinstance(step, ast.If):
        params = {"conditions": [expr_text(b.condition) for b in step.branches]}
    elif isinstance(step, ast.Split):
        params = {"name": step.name.name,
                  "arms": [{"name": a.name.name, "share": a.share.value} for a in step.arms]}
    elif isinstance(step, ast.Task):
        if step.wall:
            params["wall"] = True
        if step.escalation:
            params["escalation"] = [escalation_text(e) for e in step.escalation]
    return params


def _edge_params(data: dict[str, Any]) -> dict[str, Any]:
    params = {}
    for key, value in data.items():
        if key in ("kind", "clause"):
            continue
        plain = _plain(value)
        if plain is not None:
            params[key] = plain
    return params


def _plain(value: Any) -> Any:
    """An AST value as JSON data: names as text, expressions and durations as written."""
    match value:
        case None | bool() | int() | float() | str():
            return value
        case ast.Ident():
            return value.name
        case ast.StringLit():
            return value.value
        case ast.Number() | ast.Percent():
            return value.value
        case ast.Duration() | ast.TimeOfDay() | ast.DateLit():
            return value.text
        case ast.BoolLit():
            return value.value
        case ast.EventRef():
            return event_text(value)
        case list() if all(isinstance(item, ast.EventRef) for item in value):
            return events_text(value)
        case ast.BoolOp() | ast.Not() | ast.Group() | ast.Compare() | ast.InList() | \
                ast.InRange() | ast.TagTest() | ast.SegmentRef() | ast.EverTest() | \
                ast.InDates() | ast.CampaignTest() | ast.DayTest():
            return expr_text(value)
    return None

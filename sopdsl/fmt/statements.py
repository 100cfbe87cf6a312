"""Canonical one-line text of statements: declarations, settings, clauses, steps, scenario items.

Block-bearing statements get their header text here; the layout adds the braces.
"""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.fmt.exprs import (
    at_suffix, distribution_text, events_text, expr_text, literal_text, sc_value_text,
    time_range_text, trigger_text,
)

# Canonical order of journey clauses and playbook settings (stable among equal kinds).
CLAUSE_RANK: dict[type, int] = {
    ast.When: 0, ast.Audience: 1, ast.Reentry: 2, ast.Goal: 3, ast.ExitOn: 4, ast.ExitWhen: 5,
    ast.Priority: 6, ast.JourneyCap: 7,
}
SETTING_RANK: dict[type, int] = {
    ast.Timezone: 0, ast.QuietHours: 1, ast.FrequencyCap: 2, ast.MassQuota: 3, ast.Stages: 4,
}


def decl_text(decl: ast.Decl) -> str:
    """A one-line declaration, or the header of a block declaration."""
    match decl:
        case ast.PlaybookDecl(title=title):
            return f"playbook {title.text}"
        case ast.ImportDecl(path=path):
            return f"import {path.text}"
        case ast.RoleDecl(name=name, title=title):
            return f"role {name.name}{_optional(title)}"
        case ast.AttributeDecl(name=name, type=type_ref):
            return f"attribute {name.name}: {_type_text(type_ref)}"
        case ast.EventDecl(name=name):
            return f"event {name.name}"
        case ast.ContentDecl(name=name, kind=kind, title=title):
            return f"content {name.name}: {kind.name}{_optional(title)}"
        case ast.SegmentDecl(name=name, expr=expr):
            return f"segment {name.name} = {expr_text(expr)}"
        case ast.Journey(name=name, title=title):
            return f"journey {name.name}{_optional(title)}"
        case ast.Scenario(name=name):
            return f"scenario {name.name}"
    raise TypeError(f"not a declaration: {type(decl).__name__}")


def escalation_text(step: ast.Escalation) -> str:
    """`after 2h remind`, `after 4h notify store_manager "..."`, `after 8h reassign`."""
    action = step.action
    if step.role is not None:
        action += f" {step.role.name}" + (f" {step.text.text}" if step.text is not None else "")
    return f"after {step.after.text} {action}"


def content_field_text(field: ast.ContentField) -> str:
    """`purpose choice`, `valid 7d`."""
    return f"{field.key.name} {literal_text(field.value)}"


def setting_text(setting: ast.PlaybookSetting) -> str:
    """One playbook setting."""
    match setting:
        case ast.Timezone(name=name):
            return f"timezone {name.text}"
        case ast.QuietHours(window=window):
            return f"quiet_hours {time_range_text(window)}"
        case ast.FrequencyCap(count=count, window=window):
            return f"frequency_cap {count.text} per {window.text}"
        case ast.MassQuota(count=count, window=window, calendar=calendar):
            period = window.text if window is not None else calendar
            return f"mass_quota {count.text} per {period}"
        case ast.Stages(names=names):
            return f"stages {', '.join(name.name for name in names)}"
    raise TypeError(f"not a playbook setting: {type(setting).__name__}")


def clause_text(clause: ast.Clause) -> str:
    """One journey clause."""
    match clause:
        case ast.When(triggers=triggers):
            return f"when {' or '.join(trigger_text(trigger) for trigger in triggers)}"
        case ast.Audience(expr=expr):
            return f"audience {expr_text(expr)}"
        case ast.Reentry(mode=mode, after=after):
            return f"reentry after {after.text}" if after is not None else f"reentry {mode}"
        case ast.Goal(name=name, events=events, within=within, terminal=terminal):
            keyword = "goal" if terminal else "milestone"
            return f"{keyword} {name.name}: {events_text(events)} within {within.text}"
        case ast.ExitOn(events=events):
            return f"exit on {events_text(events)}"
        case ast.ExitWhen(expr=expr):
            return f"exit when {expr_text(expr)}"
        case ast.Priority(value=value):
            return f"priority {value.text}"
        case ast.JourneyCap(count=count, window=window):
            return f"cap {count.text} per {window.text}"
    raise TypeError(f"not a journey clause: {type(clause).__name__}")


def step_text(step: ast.Step) -> str:
    """A step without its label; for block steps, the header before `{`."""
    match step:
        case ast.Send(content=content, channel=channel, by=by, at=at):
            by_text = f" by {by.name}" if by is not None else ""
            return f"send {content.name} via {channel.name}{by_text}{at_suffix(at)}"
        case ast.Task(role=role, instruction=instruction, content=content, due=due, wall=wall):
            with_text = f" with {content.name}" if content is not None else ""
            due_text = f" due {due.text}{' wall' if wall else ''}" if due is not None else ""
            return f"task {role.name} {instruction.text}{with_text}{due_text}"
        case ast.Notify(role=role, text=text):
            return f"notify {role.name} {text.text}"
        case ast.Wait(duration=duration, at=at):
            return f"wait {duration.text}{at_suffix(at)}"
        case ast.WaitUntilTime(time=time):
            return f"wait until {time.text}"
        case ast.WaitUntilDay(weekday=weekday, at=at):
            return f"wait until {weekday}{at_suffix(at)}"
        case ast.WaitFor(events=events, within=within):
            return f"wait for {events_text(events)} within {within.text}"
        case ast.If(branches=branches):
            return f"if {expr_text(branches[0].condition)}"
        case ast.Split(name=name):
            return f"split {name.name}"
        case ast.RepeatN(count=count, every=every):
            return f"repeat {count.text} every {every.text}"
        case ast.RepeatUntil(every=every, until=until, max=maximum):
            return f"repeat every {every.text} until {expr_text(until)} max {maximum.text}"
    return _simple_step_text(step)


def _simple_step_text(step: ast.Step) -> str:
    match step:
        case ast.TagStep(tag=tag):
            return f"tag {tag.text}"
        case ast.UntagStep(tag=tag):
            return f"untag {tag.text}"
        case ast.ScoreStep(op="=", amount=amount):
            return f"score = {amount.text}"
        case ast.ScoreStep(op=op, amount=amount):
            return f"score {op}{amount.text}"
        case ast.StageStep(stage=stage):
            return f"stage {stage.name}"
        case ast.SetStep(attribute=attribute, value=value, negative=negative):
            return f"set {attribute.name} = {'-' if negative else ''}{literal_text(value)}"
        case ast.Handoff(role=role):
            return f"handoff {role.name}"
        case ast.Enter(journey=journey):
            return f"enter {journey.name}"
        case ast.ExitStep():
            return "exit"
    raise TypeError(f"not a step: {type(step).__name__}")


def sc_item_text(item: ast.ScItem) -> str:
    """A scenario item; for items with a block, the header before `{` (or `:` for `above`)."""
    match item:
        case ast.ScSetting(key=key, values=values):
            return " ".join([key.name, *(sc_value_text(value) for value in values)])
        case ast.ScOwner(role=role):
            return f"owner {role.name}"
        case ast.ScStaff(role=role, count=count):
            return f"staff {role.name} {count.text}"
        case ast.ScChannel(channel=channel):
            return f"channel {channel.name}"
        case ast.ScPurpose(purpose=purpose):
            return f"purpose {purpose.name}"
        case ast.ScEffect(condition=condition):
            return f"effect {expr_text(condition)}"
        case ast.ScAttribute():
            return f"attribute {item.attribute.name}: {_sc_attribute_body(item)}"
        case ast.ScTag(tag=tag, share=share):
            return f"tag {tag.text} {share.text}"
        case ast.ScStage(shares=shares):
            return "stage " + ", ".join(f"{s.stage.name} {s.share.text}" for s in shares)
        case ast.ScHistory(event=event, distribution=distribution, within=within):
            return f"history {event.name}: {distribution_text(distribution)} within {within.text}"
        case ast.ScAbove(count=count, window=window):
            return f"above {count.text} per {window.text}:"
    raise TypeError(f"not a scenario item: {type(item).__name__}")


def _sc_attribute_body(item: ast.ScAttribute) -> str:
    if item.distribution is None:
        return ", ".join(f"{literal_text(s.value)} {s.share.text}" for s in item.shares)
    text = distribution_text(item.distribution)
    if item.low is not None and item.high is not None:
        text += f" in {item.low.text}..{item.high.text}"
    return text


def _type_text(type_ref: ast.TypeRef) -> str:
    if type_ref.kind == "enum":
        return f"enum({', '.join(value.text for value in type_ref.values)})"
    return type_ref.kind


def _optional(title: ast.StringLit | None) -> str:
    return f" {title.text}" if title is not None else ""

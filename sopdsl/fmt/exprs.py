"""Canonical one-line text of expressions, values, literals, events and triggers."""

from __future__ import annotations

from sopdsl.syntax import ast

LiteralNode = (
    ast.Number | ast.Percent | ast.Duration | ast.StringLit | ast.TimeOfDay | ast.DateLit
    | ast.Rate | ast.Multiplier
)


def expr_text(node: ast.Expr) -> str:
    """An expression with canonical spacing; parentheses only where the source had them."""
    match node:
        case ast.BoolOp(op=op, operands=operands):
            return f" {op} ".join(expr_text(operand) for operand in operands)
        case ast.Not(operand=operand):
            return f"not {expr_text(operand)}"
        case ast.Group(expr=inner):
            return f"({expr_text(inner)})"
        case ast.Compare(op=op, left=left, right=right):
            return f"{value_text(left)} {op} {value_text(right)}"
        case ast.InList(value=value, items=items):
            return f"{value_text(value)} in [{', '.join(value_text(item) for item in items)}]"
        case ast.InRange(value=value, low=low, high=high):
            return f"{value_text(value)} in {low.text}..{high.text}"
        case ast.TagTest(tag=tag):
            return f"tag {tag.text}"
        case ast.SegmentRef(name=name):
            return name
        case ast.EverTest(event=event):
            return f"ever({event_text(event)})"
        case ast.InDates(value=value, low=low, high=high):
            return f"{value_text(value)} in {low.text}..{high.text}"
        case ast.DayTest(value=value, day=day):
            return f"{value_text(value)} is {day.name}"
        case ast.CampaignTest(campaign=campaign, phase=None):
            return f"in campaign {campaign.name}"
        case ast.CampaignTest(campaign=campaign, phase=phase):
            return f"campaign {campaign.name} is {phase.name}"
    raise TypeError(f"not an expression: {type(node).__name__}")


def value_text(node: ast.Value) -> str:
    """A value: arithmetic keeps the source's shape, which the grammar's precedence fixes."""
    match node:
        case ast.Arith(op=op, left=left, right=right):
            return f"{value_text(left)} {op} {value_text(right)}"
        case ast.NameValue(name=name):
            return name
        case ast.StageValue():
            return "stage"
        case ast.ScoreValue():
            return "score"
        case ast.RfmValue(dimension=dimension):
            return f"rfm.{dimension.name}"
        case ast.CountValue(event=event, window=window):
            return f"count({_with_window(event_text(event), window)})"
        case ast.DaysSinceValue(event=event):
            return f"days_since({event_text(event)})"
        case ast.SumValue(event=event, field=field, window=window):
            return f"sum({_with_window(f'{event.name}.{field.name}', window)})"
        case ast.TodayValue():
            return "today"
    return literal_text(node)


def literal_text(node: LiteralNode | ast.BoolLit | ast.Ident) -> str:
    """A literal exactly as written in the source (`1d12h`, `12%`, `3.50`, `\"\"\"...\"\"\"`)."""
    if isinstance(node, ast.BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, ast.Ident):
        return node.name
    return node.text


def event_text(event: ast.EventRef) -> str:
    """`click` or `click(welcome)`."""
    if event.content is None:
        return event.name.name
    return f"{event.name.name}({event.content.name})"


def events_text(events: list[ast.EventRef]) -> str:
    """Events joined with `or`, as in `wait for`, `goal` and `exit on`."""
    return " or ".join(event_text(event) for event in events)


def trigger_text(trigger: ast.Trigger) -> str:
    """One trigger of a `when` clause."""
    match trigger:
        case ast.EventTrigger(event=event):
            return event_text(event)
        case ast.DateTrigger(attribute=attribute, sign=sign, offset=offset, at=at):
            offset_text = f" {sign} {offset.text}" if offset is not None else ""
            return f"{attribute.name}{offset_text}{at_suffix(at)}"
        case ast.EnterTrigger(segment=segment, current=current):
            return f"enter {segment.name}{' including current' if current else ''}"
        case ast.EveryTrigger(unit="month", month_day=day, at=at):
            return f"every month on {day}{at_suffix(at)}{_dates_suffix(trigger)}"
        case ast.EveryTrigger(unit=unit, weekday=weekday, interval=interval, at=at):
            return (f"every {_day_spec(unit, weekday, interval)}{at_suffix(at)}"
                    f"{_dates_suffix(trigger)}")
        case ast.OnceTrigger(date=date, at=at):
            return f"at {date.text} {at.text}"
        case ast.CampaignTrigger(campaign=campaign, phase=phase, at=at):
            return f"campaign {campaign.name} starts {phase.name}{at_suffix(at)}"
        case ast.InactiveTrigger(duration=duration):
            return f"inactive {duration.text}"
        case ast.StageTrigger(stage=stage):
            return f"stage becomes {stage.name}"
        case ast.TagAddedTrigger(tag=tag):
            return f"tag {tag.text} added"
    raise TypeError(f"not a trigger: {type(trigger).__name__}")


def distribution_text(distribution: ast.Distribution) -> str:
    """`normal(32, 8)` (`beta(2, 9) per customer`), or the bare name (`uniform`) when written
    without arguments."""
    if not distribution.args:
        return distribution.kind
    suffix = " per customer" if distribution.per_customer else ""
    return f"{distribution.kind}({', '.join(arg.text for arg in distribution.args)}){suffix}"


def time_range_text(window: ast.TimeRange) -> str:
    """`21:30-09:00`."""
    return f"{window.start.text}-{window.end.text}"


def sc_value_text(value: ast.ScValue) -> str:
    """One value of a scenario setting."""
    match value:
        case ast.TimeRange():
            return time_range_text(value)
        case ast.Distribution():
            return distribution_text(value)
        case ast.Within(duration=duration):
            return f"within {duration.text}"
        case ast.ModelName(name=name):
            return name
    return literal_text(value)


def _dates_suffix(trigger: ast.EveryTrigger) -> str:
    """` in 2026-11-01..2026-11-11`, or nothing."""
    if trigger.first is None or trigger.last is None:
        return ""
    return f" in {trigger.first.text}..{trigger.last.text}"


def at_suffix(at: ast.TimeOfDay | None) -> str:
    """` at 10:00`, or nothing."""
    return f" at {at.text}" if at is not None else ""


def _with_window(subject: str, window: ast.Duration | None) -> str:
    return subject if window is None else f"{subject}, {window.text}"


def _day_spec(unit: str, weekday: str | None, interval: ast.Duration | None) -> str:
    if unit == "interval" and interval is not None:
        return f"{interval.text} on {weekday}"
    if unit == "weekday" and weekday is not None:
        return weekday
    return "day"

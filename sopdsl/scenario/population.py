"""Reading `population N { ... }`: stock, arrivals, owner, attributes, tags, stages, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sopdsl.syntax import ast
from sopdsl.builtins import YEARLY_TYPES
from sopdsl.diagnostics import did_you_mean
from sopdsl.syntax.source import Span
from sopdsl.scenario.distributions import Distribution, range_problem
from sopdsl.scenario.model import (
    SHARE_TOLERANCE, AgeAttribute, CalendarAttribute, DateRangeAttribute, DistributionAttribute, HistorySpec, SharesAttribute,
    ValueShare,
)
from sopdsl.scenario.blocks import first_of, put, read_settings, sort_block
from sopdsl.scenario.values import (
    Findings, distribution, known, per_day, positive_minutes, probability, whole_number,
)

if TYPE_CHECKING:
    from sopdsl.checker.program import AttributeInfo, Program

WHERE = "`population`"
_SHARE_TYPES = {"string": ast.StringLit, "enum": ast.StringLit, "bool": ast.BoolLit,
                "number": ast.Number}


def read_population(setting: ast.ScSetting, program: Program, found: Findings) -> dict:
    """The population as written (a patch over the defaults)."""
    patch: dict = {}
    if setting.values:
        size = _size(setting, found)
        if size is not None:
            patch["size"] = size
    block = sort_block(setting.block or [], "population", WHERE, found)
    values = read_settings(block, "population", found)
    if "arrivals" in values:
        patch["arrivals_per_day"] = per_day(values["arrivals"])
    seen: dict = {}
    for item in block.items:
        _read_item(item, program, patch, seen, found)
    return patch


def _size(setting: ast.ScSetting, found: Findings) -> int | None:
    first, *rest = setting.values
    if rest:
        found.error("E318", rest[0].span, "`population` takes one value, the number of customers")
        return None
    if not isinstance(first, ast.Number):
        found.error("E318", first.span, "`population` takes the number of customers, "
                    "such as `20000`")
        return None
    return whole_number(first, "`population`", found)


def _read_item(item: ast.ScItem, program: Program, patch: dict, seen: dict,
               found: Findings) -> None:
    match item:
        case ast.ScOwner(role=role) if first_of(seen, "owner", item, WHERE, found, "`owner`"):
            if known(role.name, program.roles, "E201", role.span, "role", found):
                patch["owner"] = role.name
        case ast.ScAttribute(attribute=name) if first_of(
                seen, ("attribute", name.name), item, WHERE, found, f"attribute `{name.name}`"):
            put(patch, "attributes", name.name, _attribute(item, program, found))
        case ast.ScTag(tag=tag) if first_of(
                seen, ("tag", tag.value), item, WHERE, found, f"tag {tag.text}"):
            share = probability(item.share, f"the share of tag {tag.text}", found)
            put(patch, "tags", tag.value, share)
        case ast.ScStage() if first_of(seen, "stage", item, WHERE, found, "`stage`"):
            stages = _stages(item, program, found)
            if stages is not None:
                patch["stages"] = stages
        case ast.ScHistory(event=event) if first_of(
                seen, ("history", event.name), item, WHERE, found, f"history of `{event.name}`"):
            put(patch, "history", event.name, _history(item, program, found))


def _attribute(item: ast.ScAttribute, program: Program, found: Findings) -> object:
    name = item.attribute
    if not known(name.name, program.attributes, "E203", name.span, "attribute", found):
        return None
    info = program.attributes[name.name]
    if info.type in YEARLY_TYPES:
        return _date_attribute(item, info, found)
    if item.distribution is None:
        return _shares_attribute(item, info, found)
    if info.type != "number":
        found.error("E207", item.distribution.span,
                    f"`{info.name}` is a {info.type} attribute, not a number",
                    "give its values with shares, such as `\"a\" 60%, \"b\" 40%`")
        return None
    dist = distribution(item.distribution, "number", found)
    if dist is None or item.low is None:
        return DistributionAttribute(distribution=dist) if dist else None
    return _truncated(item, dist, found)


def _truncated(item: ast.ScAttribute, dist: Distribution,
               found: Findings) -> DistributionAttribute | None:
    range_span = item.low.span.to(item.high.span)
    if item.low.value > item.high.value:
        found.error("E208", range_span,
                    f"the range `{item.low.text}..{item.high.text}` is empty",
                    f"write the smaller number first: `{item.high.text}..{item.low.text}`")
        return None
    truncated = dist.model_copy(update={"low": item.low.value, "high": item.high.value})
    problem = range_problem(truncated)
    if problem:
        found.error("E313", range_span, problem, "widen the range or move the distribution")
        return None
    return DistributionAttribute(distribution=truncated)


def _date_attribute(item: ast.ScAttribute, info: AttributeInfo,
                    found: Findings) -> CalendarAttribute | DateRangeAttribute | AgeAttribute | None:
    """`uniform` over the calendar, `uniform(FIRST, LAST)` over days, or a distribution of
    ages in days before the start."""
    dist = item.distribution
    if dist is not None and item.low is None:
        if dist.kind == "uniform" and not dist.args:
            return CalendarAttribute()
        dates = [arg for arg in dist.args if isinstance(arg, ast.DateLit)]
        if dist.kind == "uniform" and len(dates) == len(dist.args) == 2:
            first, last = dates
            if first.value > last.value:
                found.error("E208", first.span.to(last.span),
                            f"the range `{first.text}..{last.text}` is empty",
                            f"write the earlier date first: `uniform({last.text}, {first.text})`")
                return None
            return DateRangeAttribute(first=first.value, last=last.value)
        if not dates and any(isinstance(arg, ast.Duration) for arg in dist.args):
            age = distribution(dist, "minutes", found)
            return AgeAttribute(age=age) if age is not None else None
    span = dist.span if dist is not None else item.shares[0].span
    found.error("E207", span, f"`{info.name}` is a date attribute",
                f"write `attribute {info.name}: uniform` for dates spread over the calendar, "
                "`uniform(2026-01-01, 2026-06-30)` for days of a range, or a distribution of "
                "ages such as `exponential(90d)`")
    return None


def _shares_attribute(item: ast.ScAttribute, info: AttributeInfo,
                      found: Findings) -> SharesAttribute | None:
    shares: list[ValueShare] = []
    values: dict = {}
    where = f"attribute `{info.name}`"
    for share in item.shares:
        value = _share_value(share, info, found)
        if value is None or not first_of(values, value, share, where, found,
                                         f"`{_text(share.value)}`"):
            continue
        fraction = probability(share.share, f"the share of `{_text(share.value)}`", found)
        if fraction is not None:
            shares.append(ValueShare(value=value, share=fraction))
    if len(shares) != len(item.shares):
        return None
    span = item.shares[0].span.to(item.shares[-1].span)
    if not _adds_up([s.share for s in shares], span, f"the shares of `{info.name}`", found):
        return None
    return SharesAttribute(shares=shares)


def _share_value(share: ast.Share, info: AttributeInfo, found: Findings) -> object:
    node = share.value
    if not isinstance(node, _SHARE_TYPES.get(info.type, ())):
        hint = f"write text in quotes: `\"{node.name}\"`" if isinstance(node, ast.Ident) \
            and info.type in ("string", "enum") else None
        found.error("E207", node.span,
                    f"`{_text(node)}` is not a value of {info.type} attribute `{info.name}`", hint)
        return None
    if info.type == "enum" and node.value not in info.values:
        if found.check_names:
            found.error("E215", node.span, f"{node.text} is not a value of `{info.name}`",
                        did_you_mean(node.value, info.values))
        return None
    return node.value


def _stages(item: ast.ScStage, program: Program, found: Findings) -> dict[str, float] | None:
    stages: dict[str, float] = {}
    seen: dict = {}
    ok = True
    for share in item.shares:
        name = share.stage.name
        fraction = probability(share.share, f"the share of stage `{name}`", found)
        fresh = first_of(seen, name, share.stage, "`stage`", found, f"stage `{name}`")
        listed = known(name, program.settings.stages, "E204", share.stage.span, "stage", found)
        ok = ok and fresh and listed and fraction is not None
        if ok:
            stages[name] = fraction
    if not ok:
        return None
    span = item.shares[0].span.to(item.shares[-1].span)
    return stages if _adds_up(list(stages.values()), span, "the stage shares", found) else None


def _history(item: ast.ScHistory, program: Program, found: Findings) -> HistorySpec | None:
    event = item.event
    listed = known(event.name, program.events, "E205", event.span, "event", found)
    count = distribution(item.distribution, "number", found)
    within = positive_minutes(item.within, "the `within` of `history`", found)
    if not listed or count is None or within is None:
        return None
    return HistorySpec(count=count, within_minutes=within)


def _adds_up(shares: list[float], span: Span, what: str, found: Findings) -> bool:
    total = sum(shares)
    if abs(total - 1) <= SHARE_TOLERANCE:
        return True
    shown = f"{round(total * 100, 6):g}%"
    found.error("E312", span, f"{what} add up to {shown}, not 100%",
                f"{'add' if total < 1 else 'remove'} {round(abs(1 - total) * 100, 6):g}%")
    return False


def _text(node: ast.Node) -> str:
    if isinstance(node, ast.BoolLit):
        return "true" if node.value else "false"
    if isinstance(node, ast.Ident):
        return node.name
    return node.text

"""Journeys `for groups`: a run follows a customer group, so only what makes sense for a group
is allowed (E322), and `for` names nothing but `groups` (E323)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sopdsl.builtins import GROUP_CHANNELS, GROUP_ENTITY, GROUP_FACTS
from sopdsl.syntax import ast
from sopdsl.syntax.source import Span
from sopdsl.syntax.step_ids import walk_steps
from sopdsl.syntax.walk import nodes

Report = Callable[..., None]
# Steps a group run may take; every other step is about one customer.
GROUP_STEPS = (ast.Send, ast.Task, ast.Notify, ast.Wait, ast.WaitUntilTime, ast.WaitUntilDay,
               ast.If, ast.Split, ast.ExitStep, ast.RepeatN, ast.RepeatUntil)
GROUP_CLAUSES = (ast.When, ast.Audience, ast.Reentry, ast.ExitWhen, ast.Priority)
# What an expression can read about a customer (a `NameValue` may name a group fact instead).
CUSTOMER_FACTS = (ast.NameValue, ast.SegmentRef, ast.TagTest, ast.EverTest, ast.StageValue,
                  ast.ScoreValue, ast.RfmValue, ast.CountValue, ast.DaysSinceValue,
                  ast.SumValue)
FACTS = ", ".join(f"`{name}`" for name in GROUP_FACTS)


def check_group_journey(journey: ast.Journey, report: Report) -> None:
    """Report what a journey `for groups` cannot do: it runs for a group, not a customer."""
    entity = journey.entity
    if entity is None:
        return
    if entity.name != GROUP_ENTITY:
        report("E323", entity.span, f"a journey runs for customers or `for {GROUP_ENTITY}`, "
               f"not `for {entity.name}`",
               hint=f"write `for {GROUP_ENTITY}` for a run per customer group, or leave "
                    "`for` out for a run per customer")
        return
    name = journey.name.name
    for clause in journey.clauses:
        if not isinstance(clause, GROUP_CLAUSES):
            _customer_only(report, clause.span, f"`{_keyword(clause)}`", name,
                           "goals, `exit on` and caps follow one customer's events and sends")
        elif isinstance(clause, ast.When):
            for trigger in clause.triggers:
                if not isinstance(trigger, ast.EveryTrigger):
                    _customer_only(report, trigger.span, "this trigger", name,
                                   "a group's run starts on a calendar: `when every day at "
                                   "08:00`, `when every monday at 20:00`")
        for expr in _clause_exprs(clause):
            _facts(expr, name, report)
    for ref in walk_steps(journey):
        step = ref.step
        if not isinstance(step, GROUP_STEPS):
            _customer_only(report, step.span, "this step", name,
                           "tags, scores, stages, attributes, handoffs, `enter` and `wait for` "
                           "are about one customer")
            continue
        if isinstance(step, ast.Send) and step.channel.name not in GROUP_CHANNELS:
            _customer_only(report, step.channel.span, f"`via {step.channel.name}`", name,
                           "a group's run posts to its group: write `via group`")
        if isinstance(step, ast.Send) and step.by is not None:
            _customer_only(report, step.by.span, f"`by {step.by.name}`", name,
                           "a post to a group is made by the group's owner; leave `by` out")
        for expr in _step_exprs(step):
            _facts(expr, name, report)


def _customer_only(report: Report, span: Span, what: str, journey: str, hint: str) -> None:
    report("E322", span, f"{what} is about a customer, and journey `{journey}` runs "
           f"`for {GROUP_ENTITY}`", hint=hint)


def _keyword(clause: ast.Clause) -> str:
    return {ast.Goal: "goal", ast.ExitOn: "exit on", ast.JourneyCap: "cap"}.get(
        type(clause), type(clause).__name__.lower())


def _clause_exprs(clause: ast.Clause) -> Iterator[ast.Expr]:
    if isinstance(clause, (ast.Audience, ast.ExitWhen)):
        yield clause.expr


def _step_exprs(step: ast.Step) -> Iterator[ast.Expr]:
    if isinstance(step, ast.If):
        yield from (branch.condition for branch in step.branches)
    elif isinstance(step, ast.RepeatUntil):
        yield step.until


def _facts(expr: ast.Expr, journey: str, report: Report) -> None:
    """Every name an expression reads must be a group fact; a customer's facts are E322."""
    for node in nodes([expr]):
        if isinstance(node, CUSTOMER_FACTS) and not (
                isinstance(node, ast.NameValue) and node.name in GROUP_FACTS):
            report("E322", node.span, "this is a customer's fact, and journey "
                   f"`{journey}` runs `for {GROUP_ENTITY}`",
                   hint=f"a group's run can test {FACTS}, such as `members > 100`")

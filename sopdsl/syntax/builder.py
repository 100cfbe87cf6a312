"""Build the typed AST from Lark's parse tree: one method per grammar rule."""

from __future__ import annotations

import functools
from collections.abc import Callable

from lark import Token, Tree

from sopdsl.syntax import ast
from sopdsl.diagnostics import Diagnostic
from sopdsl.syntax.calendar_rules import CalendarRules
from sopdsl.syntax.lalr import lark_parser
from sopdsl.syntax.literals import LiteralBuilder
from sopdsl.syntax.scenario_rules import ScenarioRules
from sopdsl.syntax.source import Span
from sopdsl.errors import SopdslError

# Deeper declarations are refused (E121): the tree walks after parsing recurse once per level.
MAX_TREE_DEPTH = 100


def build_module(
    tree: Tree, path: str, comments: list[ast.Comment]
) -> tuple[ast.Module, list[Diagnostic]]:
    """Turn a parse tree into a Module, with diagnostics for invalid literals.

    A declaration nested deeper than MAX_TREE_DEPTH is left out with E121: every later walk
    over the AST recurses once per level.
    """
    builder = RuleBuilder(path)
    decls = []
    for decl in tree.children:
        try:
            decls.append(builder.build(decl, MAX_TREE_DEPTH))
        except _TooDeep as too_deep:
            meta = too_deep.meta if not too_deep.meta.empty else decl.meta
            builder.error("E121", builder.meta_span(meta),
                          "blocks or expressions are nested too deeply here",
                          hint="move deep conditions into named segments and deep blocks into "
                               "other journeys")
    return module_of(path, decls, comments), builder.diagnostics


def module_of(path: str, decls: list[ast.Decl], comments: list[ast.Comment]) -> ast.Module:
    """The Module of one file's declarations and comments."""
    span = Span(path, 1, 1, 1, 1)
    return ast.Module.make(span=span, path=path, decls=decls, comments=comments)


class _TooDeep(SopdslError):
    """Raised out of a declaration that nests past the limit."""

    def __init__(self, meta) -> None:
        super().__init__()
        self.meta = meta


class RuleBuilder(CalendarRules, ScenarioRules, LiteralBuilder):
    """One method per grammar rule, taking the rule's span and its children's values.

    Nodes are made with `Node.make`, unvalidated: the grammar already guarantees their shape,
    and validating every node would cost more than parsing.
    """

    def build(self, tree: Tree, depth: int) -> object:
        """The AST of `tree`: its children first, then the rule's own method."""
        if depth == 0:
            raise _TooDeep(tree.meta)
        terminals = terminal_methods()
        children = []
        for child in tree.children:
            if isinstance(child, Tree):
                children.append(self.build(child, depth - 1))
            elif isinstance(child, Token) and child.type in terminals:
                children.append(terminals[child.type](self, child))
            else:
                children.append(child)
        return rule_methods()[tree.data](self, self.meta_span(tree.meta), children)

    def meta_span(self, meta) -> Span:
        """The span Lark worked out for a tree; the file's first character when it is empty."""
        if getattr(meta, "empty", True):
            return self.make_span(1, 1, 1, 2)
        return self.make_span(meta.line, meta.column, meta.end_line, meta.end_column)

    # ---- top level --------------------------------------------------------------------

    def start(self, span, children):
        return children

    def string(self, span, children):
        return children[0]

    def playbook(self, span, children):
        return ast.PlaybookDecl.make(span=span, title=children[0], settings=children[1:])

    def timezone(self, span, children):
        return ast.Timezone.make(span=span, name=children[0])

    def quiet_hours(self, span, children):
        return ast.QuietHours.make(span=span, window=children[0])

    def frequency_cap(self, span, children):
        return ast.FrequencyCap.make(span=span, count=children[0], window=children[1])

    def mass_quota(self, span, children):
        count, window = children
        if isinstance(window, ast.Duration):
            return ast.MassQuota.make(span=span, count=count, window=window)
        return ast.MassQuota.make(span=span, count=count, calendar=str(window))

    def stages(self, span, children):
        return ast.Stages.make(span=span, names=children)

    def workdays(self, span, children):
        return ast.Workdays.make(span=span, calendar=children[0])

    def time_range(self, span, children):
        return ast.TimeRange.make(span=span, start=children[0], end=children[2])

    def import_decl(self, span, children):
        return ast.ImportDecl.make(span=span, path=children[0])

    def role_decl(self, span, children):
        return ast.RoleDecl.make(span=span, name=children[0], title=children[1])

    def attribute_decl(self, span, children):
        return ast.AttributeDecl.make(span=span, name=children[0], type=children[1])

    def simple_type(self, span, children):
        return ast.TypeRef.make(span=span, kind=children[0].name)

    def enum_type(self, span, children):
        return ast.TypeRef.make(span=span, kind="enum", values=children)

    def event_decl(self, span, children):
        return ast.EventDecl.make(span=span, name=children[0])

    def content_decl(self, span, children):
        name, kind, title, block = children
        return ast.ContentDecl.make(span=span, name=name, kind=kind, title=title,
                               fields=block or [], has_block=block is not None)

    def content_block(self, span, children):
        return children

    def content_field(self, span, children):
        return ast.ContentField.make(span=span, key=children[0], value=children[1])

    def segment_decl(self, span, children):
        return ast.SegmentDecl.make(span=span, name=children[0], expr=children[1])

    # ---- expressions ------------------------------------------------------------------

    def or_expr(self, span, children):
        return ast.BoolOp.make(span=span, op="or", operands=children)

    def and_expr(self, span, children):
        return ast.BoolOp.make(span=span, op="and", operands=children)

    def not_test(self, span, children):
        return ast.Not.make(span=span, operand=children[0])

    def group(self, span, children):
        return ast.Group.make(span=span, expr=children[0])

    def compare(self, span, children):
        left, op, right = children
        return ast.Compare.make(span=span, op=str(op), left=left, right=right)

    def in_list(self, span, children):
        return ast.InList.make(span=span, value=children[0], items=children[1:])

    def in_range(self, span, children):
        value, low, high = children
        return ast.InRange.make(span=span, value=value, low=low, high=high)

    def tag_test(self, span, children):
        return ast.TagTest.make(span=span, tag=children[0])

    def segment_ref(self, span, children):
        return ast.SegmentRef.make(span=span, name=children[0].name)

    def ever_test(self, span, children):
        return ast.EverTest.make(span=span, event=children[0])

    def arith(self, span, children):
        left, op, right = children
        return ast.Arith.make(span=span, op=str(op), left=left, right=right)

    def name_value(self, span, children):
        return ast.NameValue.make(span=span, name=children[0].name)

    def stage_value(self, span, children):
        return ast.StageValue.make(span=span)

    def score_value(self, span, children):
        return ast.ScoreValue.make(span=span)

    def rfm_value(self, span, children):
        return ast.RfmValue.make(span=span, dimension=children[0])

    def count_value(self, span, children):
        return ast.CountValue.make(span=span, event=children[0], window=children[1])

    def days_since_value(self, span, children):
        return ast.DaysSinceValue.make(span=span, event=children[0])

    def sum_value(self, span, children):
        event, field, window = children
        return ast.SumValue.make(span=span, event=event, field=field, window=window)

    def number(self, span, children):
        return children[0]

    percent = duration = date = time = rate = multiplier = number

    def true(self, span, children):
        return ast.BoolLit.make(span=span, value=True)

    def false(self, span, children):
        return ast.BoolLit.make(span=span, value=False)

    def event(self, span, children):
        return ast.EventRef.make(span=span, name=children[0], content=children[1])

    def event_expr(self, span, children):
        return children

    # ---- journeys ---------------------------------------------------------------------

    def journey(self, span, children):
        name, title, entity, *body = children
        clauses = [c for c in body if isinstance(c, _CLAUSES)]
        steps = [c for c in body if not isinstance(c, _CLAUSES)]
        return ast.Journey.make(span=span, name=name, title=title, clauses=clauses,
                                steps=steps, entity=entity)

    def for_entity(self, span, children):
        return children[0]

    def when_clause(self, span, children):
        return ast.When.make(span=span, triggers=children)

    def audience(self, span, children):
        return ast.Audience.make(span=span, expr=children[0])

    def reentry(self, span, children):
        value = children[0]
        if isinstance(value, ast.Duration):
            return ast.Reentry.make(span=span, mode="after", after=value)
        return ast.Reentry.make(span=span, mode=str(value))

    def goal(self, span, children):
        name, events, within = children
        return ast.Goal.make(span=span, name=name, events=events, within=within)

    def milestone(self, span, children):
        name, events, within = children
        return ast.Goal.make(span=span, name=name, events=events, within=within, terminal=False)

    def exit_on(self, span, children):
        return ast.ExitOn.make(span=span, events=children[0])

    def exit_when(self, span, children):
        return ast.ExitWhen.make(span=span, expr=children[0])

    def priority(self, span, children):
        return ast.Priority.make(span=span, value=children[0])

    def cap(self, span, children):
        return ast.JourneyCap.make(span=span, count=children[0], window=children[1])

    def event_or_date_trigger(self, span, children):
        name, content, offset, at = children
        span = span
        if offset is None and at is None:
            event = ast.EventRef.make(span=span, name=name, content=content)
            return ast.EventTrigger.make(span=span, event=event)
        if content is not None:
            self.error("E219", content.span, "a yearly date trigger takes no content argument")
        sign, duration = offset if offset else ("+", None)
        return ast.DateTrigger.make(span=span, attribute=name, sign=sign, offset=duration, at=at)

    def offset(self, span, children):
        return (str(children[0]), children[1])

    def at_time(self, span, children):
        return children[0]

    def enter_trigger(self, span, children):
        segment, scope = children
        return ast.EnterTrigger.make(span=span, segment=segment, current=scope is not None)

    def including_current(self, span, children):
        return True

    def every_trigger(self, span, children):
        (unit, weekday, interval, month_day), at, dates = children
        first, last = dates if dates is not None else (None, None)
        return ast.EveryTrigger.make(span=span, unit=unit, weekday=weekday,
                                interval=interval, at=at, month_day=month_day,
                                first=first, last=last)

    def every_day(self, span, children):
        token = children[0]
        if str(token) == "month":
            self.error("E111", self.token_span(token), "`every month` needs a day of the month",
                       hint="write `every month on 1` or `every month on last`")
        elif str(token) != "day":
            self.error("E111", self.token_span(token), f"`every {token}` is not a schedule",
                        hint="write `every day`, `every friday` or `every 2w on friday`")
        return ("day", None, None, None)

    def every_month_day(self, span, children):
        unit, day = children
        if str(unit) != "month":
            self.error("E111", self.token_span(unit), f"`every {unit} on ...` is not a schedule",
                       hint="write `every month on 1`, `every friday` or `every 2w on friday`")
            return ("day", None, None, None)
        if isinstance(day, ast.Number):
            if not day.value.is_integer() or not 1 <= day.value <= 31:
                self.error("E330", day.span, f"`every month on {day.text}` names no day of a "
                           "month", hint="give a day from 1 to 31, or `last`")
                return ("month", None, None, "last")
            return ("month", None, None, int(day.value))
        if day.name != "last":
            self.error("E330", day.span, f"`every month on {day.name}` names no day of a month",
                       hint="give a day from 1 to 31, or `last`")
        return ("month", None, None, "last")

    def every_weekday(self, span, children):
        return ("weekday", str(children[0]), None, None)

    def every_interval(self, span, children):
        return ("interval", str(children[1]), children[0], None)

    def inactive_trigger(self, span, children):
        return ast.InactiveTrigger.make(span=span, duration=children[0])

    def stage_trigger(self, span, children):
        return ast.StageTrigger.make(span=span, stage=children[0])

    def tag_trigger(self, span, children):
        return ast.TagAddedTrigger.make(span=span, tag=children[0])

    # ---- steps ------------------------------------------------------------------------

    def block(self, span, children):
        return children

    def labelled(self, span, children):
        label, step = children
        return step.model_copy(update={"label": label, "span": span})

    def send(self, span, children):
        content, channel, by, at = children
        return ast.Send.make(span=span, content=content, channel=channel, by=by, at=at)

    def task(self, span, children):
        role, instruction, content, due, wall, escalation = children
        return ast.Task.make(span=span, role=role, instruction=instruction,
                        content=content, due=due, wall=wall is not None,
                        escalation=escalation or [])

    def escalation(self, span, children):
        return list(children)

    def escalate_remind(self, span, children):
        return ast.Escalation.make(span=span, after=children[0], action="remind")

    def escalate_notify(self, span, children):
        after, role, text = children
        return ast.Escalation.make(span=span, after=after, action="notify", role=role, text=text)

    def escalate_reassign(self, span, children):
        return ast.Escalation.make(span=span, after=children[0], action="reassign")

    def notify(self, span, children):
        return ast.Notify.make(span=span, role=children[0], text=children[1])

    def wait(self, span, children):
        return ast.Wait.make(span=span, duration=children[0], at=children[1])

    def wait_until_time(self, span, children):
        return ast.WaitUntilTime.make(span=span, time=children[0])

    def wait_until_day(self, span, children):
        return ast.WaitUntilDay.make(span=span, weekday=str(children[0]), at=children[1])

    def wait_for(self, span, children):
        events, within, arms = children
        then, timeout = arms if arms is not None else (None, None)
        return ast.WaitFor.make(span=span, events=events, within=within, then=then,
                           timeout=timeout, has_block=arms is not None)

    def wait_arms(self, span, children):
        return tuple(children)

    def then_arm(self, span, children):
        return children[0]

    timeout_arm = else_arm = then_arm

    def if_step(self, span, children):
        *branches, otherwise = children
        return ast.If.make(span=span, branches=branches, otherwise=otherwise)

    def if_arm(self, span, children):
        return ast.Branch.make(span=span, condition=children[0], steps=children[1])

    elif_arm = if_arm

    def split(self, span, children):
        return ast.Split.make(span=span, name=children[0], arms=children[1:])

    def split_arm(self, span, children):
        share, name, steps = children
        return ast.SplitArm.make(span=span, share=share, name=name, steps=steps)

    def tag_step(self, span, children):
        return ast.TagStep.make(span=span, tag=children[0])

    def untag_step(self, span, children):
        return ast.UntagStep.make(span=span, tag=children[0])

    def score_step(self, span, children):
        op = str(children[0]) if len(children) == 2 else "="
        return ast.ScoreStep.make(span=span, op=op, amount=children[-1])

    def stage_step(self, span, children):
        return ast.StageStep.make(span=span, stage=children[0])

    def set_step(self, span, children):
        attribute, value = children
        negative = isinstance(value, tuple)
        if negative:
            sign, value = value
            negative = sign == "-"
        return ast.SetStep.make(span=span, attribute=attribute, value=value,
                           negative=negative)

    def signed_number(self, span, children):
        return (str(children[0]), children[1])

    def handoff(self, span, children):
        return ast.Handoff.make(span=span, role=children[0])

    def enter(self, span, children):
        return ast.Enter.make(span=span, journey=children[0])

    def exit_step(self, span, children):
        return ast.ExitStep.make(span=span)

    def repeat_n(self, span, children):
        count, every, steps = children
        return ast.RepeatN.make(span=span, count=count, every=every, steps=steps)

    def repeat_until(self, span, children):
        every, until, maximum, steps = children
        return ast.RepeatUntil.make(span=span, every=every, until=until, max=maximum,
                               steps=steps)


_CLAUSES = (ast.When, ast.Audience, ast.Reentry, ast.Goal, ast.ExitOn, ast.ExitWhen,
            ast.Priority, ast.JourneyCap)


@functools.cache
def rule_methods() -> dict[str, Callable[[RuleBuilder, Span, list], object]]:
    """The builder's method for every name a parse tree node can carry (rules and aliases)."""
    names = {str(rule.alias or rule.origin.name) for rule in lark_parser().rules}
    return {name: getattr(RuleBuilder, name) for name in names if hasattr(RuleBuilder, name)}


@functools.cache
def terminal_methods() -> dict[str, Callable[[RuleBuilder, Token], object]]:
    """The builder's method for every terminal whose tokens become literal nodes."""
    names = {terminal.name for terminal in lark_parser().terminals}
    return {name: getattr(RuleBuilder, name) for name in names if hasattr(RuleBuilder, name)}

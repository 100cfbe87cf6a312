"""Build the typed AST from Lark's parse tree, checking literals on the way."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

from lark import Token, Tree

from sopdsl import ast
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.lalr import lark_parser
from sopdsl.source import Span
from sopdsl.syntax_errors import shown_text

_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}
_DURATION_PART = re.compile(r"(\d+)([mhdw])")
_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
# The longest duration a playbook may state: longer ones are typing mistakes.
MAX_DURATION_MINUTES = 100 * 366 * 1440
# Deeper declarations are refused (E121): the tree walks after parsing recurse once per level.
MAX_TREE_DEPTH = 100


def build_module(
    tree: Tree, path: str, comments: list[ast.Comment]
) -> tuple[ast.Module, list[Diagnostic]]:
    """Turn a parse tree into a Module, with diagnostics for invalid literals.

    A declaration nested deeper than MAX_TREE_DEPTH is left out with E121: every later walk
    over the AST recurses once per level.
    """
    builder = _Builder(path)
    decls = []
    for decl in tree.children:
        try:
            decls.append(builder.build(decl, MAX_TREE_DEPTH))
        except _TooDeep as too_deep:
            builder.diagnostics.append(diag(
                "E121", builder._span(too_deep.meta if not too_deep.meta.empty else decl.meta),
                "blocks or expressions are nested too deeply here",
                hint="move deep conditions into named segments and deep blocks into other journeys"))
    span = Span(file=path, line=1, column=1, end_line=1, end_column=1)
    module = ast.Module.make(span=span, path=path, decls=decls, comments=comments)
    return module, builder.diagnostics


class _TooDeep(Exception):
    """Raised out of a declaration that nests past the limit."""

    def __init__(self, meta) -> None:
        super().__init__()
        self.meta = meta


class _Builder:
    """One method per grammar rule (and per terminal), each returning an AST node.

    Nodes are made with `model_construct`: the grammar already guarantees their shape, and
    validating every node would cost more than parsing.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._spans: dict[tuple[int, int, int, int], Span] = {}
        self._rules = _methods(self, _rule_names())
        self._terminals = _methods(self, _terminal_names())

    def build(self, tree: Tree, depth: int) -> object:
        """The AST of `tree`: its children first, then the rule's own method."""
        if depth == 0:
            raise _TooDeep(tree.meta)
        children = []
        for child in tree.children:
            if isinstance(child, Tree):
                children.append(self.build(child, depth - 1))
            elif isinstance(child, Token) and child.type in self._terminals:
                children.append(self._terminals[child.type](child))
            else:
                children.append(child)
        return self._rules[tree.data](tree.meta, children)

    # ---- spans and terminals ----------------------------------------------------------

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return self._make_span(1, 1, 1, 2)
        return self._make_span(meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return self._make_span(token.line, token.column, token.end_line, token.end_column)

    def _make_span(self, line: int, column: int, end_line: int, end_column: int) -> Span:
        # Spans are immutable and a node often spans exactly its only child: share them.
        key = (line, column, end_line, end_column)
        span = self._spans.get(key)
        if span is None:
            span = self._spans[key] = Span(
                file=self.path, line=line, column=column, end_line=end_line,
                end_column=end_column)
        return span

    def _error(self, code: str, span: Span, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(diag(code, span, message, hint))

    def NAME(self, token: Token) -> ast.Ident:  # noqa: N802 - Lark names terminal callbacks
        return ast.Ident.make(span=self._tspan(token), name=str(token))

    PURPOSE = NAME

    def _float(self, token: Token, digits: str) -> float:
        value = float(digits)
        if not math.isfinite(value):
            self._error("E119", self._tspan(token), f"`{shown_text(token)}` is too large a number")
            return 0.0
        return value

    def NUMBER(self, token: Token) -> ast.Number:  # noqa: N802
        return ast.Number.make(span=self._tspan(token), value=self._float(token, token), text=str(token))

    def PERCENT(self, token: Token) -> ast.Percent:  # noqa: N802
        value = self._float(token, token[:-1]) / 100
        return ast.Percent.make(span=self._tspan(token), value=value, text=str(token))

    def DURATION(self, token: Token) -> ast.Duration:  # noqa: N802
        parts = _DURATION_PART.findall(token)
        # Digit counts are checked first: int() refuses very long digit strings.
        if all(len(n) <= 9 for n, _ in parts):
            minutes = sum(int(n) * _UNIT_MINUTES[u] for n, u in parts)
        else:
            minutes = MAX_DURATION_MINUTES + 1
        if minutes > MAX_DURATION_MINUTES:
            self._error("E119", self._tspan(token), f"`{shown_text(token)}` is longer than 100 years",
                        hint="durations run up to 100 years, such as 52w or 365d")
            minutes = MAX_DURATION_MINUTES
        return ast.Duration.make(span=self._tspan(token), minutes=minutes, text=str(token))

    def TIME(self, token: Token) -> ast.TimeOfDay:  # noqa: N802
        hour, minute = (int(p) for p in token.split(":"))
        span = self._tspan(token)
        if hour > 23 or minute > 59:
            self._error("E115", span, f"`{token}` is not a time of day",
                        hint="times run from 00:00 to 23:59")
            hour, minute = min(hour, 23), min(minute, 59)
        return ast.TimeOfDay.make(span=span, hour=hour, minute=minute, text=str(token))

    def DATE(self, token: Token) -> ast.DateLit:  # noqa: N802
        span = self._tspan(token)
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError:
            self._error("E116", span, f"`{token}` is not a date in the calendar",
                        hint="write dates as YYYY-MM-DD, such as 2026-12-01")
            value = dt.date(1970, 1, 1)
        return ast.DateLit.make(span=span, value=value, text=str(token))

    def RATE(self, token: Token) -> ast.Rate:  # noqa: N802
        count, per = token.split("/")
        return ast.Rate.make(span=self._tspan(token), count=self._float(token, count), per=per,
                        text=str(token))

    def MULTIPLIER(self, token: Token) -> ast.Multiplier:  # noqa: N802
        return ast.Multiplier.make(span=self._tspan(token), value=self._float(token, token[1:]),
                              text=str(token))

    def STRING(self, token: Token) -> ast.StringLit:  # noqa: N802
        return ast.StringLit.make(span=self._tspan(token), value=self._unescape(token, 1),
                             text=str(token))

    def LONG_STRING(self, token: Token) -> ast.StringLit:  # noqa: N802
        return ast.StringLit.make(span=self._tspan(token), value=self._unescape(token, 3),
                             text=str(token))

    def _unescape(self, token: Token, quotes: int) -> str:
        body = token[quotes:-quotes]

        def replace(match: re.Match) -> str:
            escape = match.group(1)
            if escape in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[escape]
            code = int(escape[2:-1], 16) if escape.startswith("u{") else None
            span = self._inner_span(token, quotes + match.start(), len(match.group(0)))
            if code is None:
                self._error("E114", span, f"unknown escape `\\{shown_text(escape)}` in a string",
                            hint='the escapes are \\" \\\\ \\n \\t and \\u{4F60}')
            elif code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                self._error("E114", span, f"`\\{escape}` is not a Unicode character",
                            hint="\\u{...} takes a code point such as 4F60, up to 10FFFF")
            else:
                return chr(code)
            return match.group(0)

        return _ESCAPE.sub(replace, body) if "\\" in body else body

    def _inner_span(self, token: Token, offset: int, length: int) -> Span:
        """The span of `length` characters at `offset` inside a (possibly multi-line) token."""
        before = token[:offset]
        line = token.line + before.count("\n")
        column = offset - before.rfind("\n") if "\n" in before else token.column + offset
        return Span(file=self.path, line=line, column=column, end_line=line,
                    end_column=column + length)

    # ---- top level --------------------------------------------------------------------

    def start(self, meta, children):
        return children

    def string(self, meta, children):
        return children[0]

    def playbook(self, meta, children):
        return ast.PlaybookDecl.make(span=self._span(meta), title=children[0], settings=children[1:])

    def timezone(self, meta, children):
        return ast.Timezone.make(span=self._span(meta), name=children[0])

    def quiet_hours(self, meta, children):
        return ast.QuietHours.make(span=self._span(meta), window=children[0])

    def frequency_cap(self, meta, children):
        return ast.FrequencyCap.make(span=self._span(meta), count=children[0], window=children[1])

    def mass_quota(self, meta, children):
        count, window = children
        if isinstance(window, ast.Duration):
            return ast.MassQuota.make(span=self._span(meta), count=count, window=window)
        return ast.MassQuota.make(span=self._span(meta), count=count, calendar=str(window))

    def stages(self, meta, children):
        return ast.Stages.make(span=self._span(meta), names=children)

    def time_range(self, meta, children):
        return ast.TimeRange.make(span=self._span(meta), start=children[0], end=children[2])

    def import_decl(self, meta, children):
        return ast.ImportDecl.make(span=self._span(meta), path=children[0])

    def role_decl(self, meta, children):
        return ast.RoleDecl.make(span=self._span(meta), name=children[0], title=children[1])

    def attribute_decl(self, meta, children):
        return ast.AttributeDecl.make(span=self._span(meta), name=children[0], type=children[1])

    def simple_type(self, meta, children):
        return ast.TypeRef.make(span=self._span(meta), kind=children[0].name)

    def enum_type(self, meta, children):
        return ast.TypeRef.make(span=self._span(meta), kind="enum", values=children)

    def event_decl(self, meta, children):
        return ast.EventDecl.make(span=self._span(meta), name=children[0])

    def content_decl(self, meta, children):
        name, kind, title, block = children
        return ast.ContentDecl.make(span=self._span(meta), name=name, kind=kind, title=title,
                               fields=block or [], has_block=block is not None)

    def content_block(self, meta, children):
        return children

    def content_field(self, meta, children):
        return ast.ContentField.make(span=self._span(meta), key=children[0], value=children[1])

    def segment_decl(self, meta, children):
        return ast.SegmentDecl.make(span=self._span(meta), name=children[0], expr=children[1])

    # ---- expressions ------------------------------------------------------------------

    def or_expr(self, meta, children):
        return ast.BoolOp.make(span=self._span(meta), op="or", operands=children)

    def and_expr(self, meta, children):
        return ast.BoolOp.make(span=self._span(meta), op="and", operands=children)

    def not_test(self, meta, children):
        return ast.Not.make(span=self._span(meta), operand=children[0])

    def group(self, meta, children):
        return ast.Group.make(span=self._span(meta), expr=children[0])

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare.make(span=self._span(meta), op=str(op), left=left, right=right)

    def in_list(self, meta, children):
        return ast.InList.make(span=self._span(meta), value=children[0], items=children[1:])

    def in_range(self, meta, children):
        value, low, high = children
        return ast.InRange.make(span=self._span(meta), value=value, low=low, high=high)

    def tag_test(self, meta, children):
        return ast.TagTest.make(span=self._span(meta), tag=children[0])

    def segment_ref(self, meta, children):
        return ast.SegmentRef.make(span=self._span(meta), name=children[0].name)

    def ever_test(self, meta, children):
        return ast.EverTest.make(span=self._span(meta), event=children[0])

    def arith(self, meta, children):
        left, op, right = children
        return ast.Arith.make(span=self._span(meta), op=str(op), left=left, right=right)

    def name_value(self, meta, children):
        return ast.NameValue.make(span=self._span(meta), name=children[0].name)

    def stage_value(self, meta, children):
        return ast.StageValue.make(span=self._span(meta))

    def score_value(self, meta, children):
        return ast.ScoreValue.make(span=self._span(meta))

    def rfm_value(self, meta, children):
        return ast.RfmValue.make(span=self._span(meta), dimension=children[0])

    def count_value(self, meta, children):
        return ast.CountValue.make(span=self._span(meta), event=children[0], window=children[1])

    def days_since_value(self, meta, children):
        return ast.DaysSinceValue.make(span=self._span(meta), event=children[0])

    def sum_value(self, meta, children):
        event, field, window = children
        return ast.SumValue.make(span=self._span(meta), event=event, field=field, window=window)

    def number(self, meta, children):
        return children[0]

    percent = duration = date = time = rate = multiplier = number

    def true(self, meta, children):
        return ast.BoolLit.make(span=self._span(meta), value=True)

    def false(self, meta, children):
        return ast.BoolLit.make(span=self._span(meta), value=False)

    def event(self, meta, children):
        return ast.EventRef.make(span=self._span(meta), name=children[0], content=children[1])

    def event_expr(self, meta, children):
        return children

    # ---- journeys ---------------------------------------------------------------------

    def journey(self, meta, children):
        name, title, *body = children
        clauses = [c for c in body if isinstance(c, _CLAUSES)]
        steps = [c for c in body if not isinstance(c, _CLAUSES)]
        return ast.Journey.make(span=self._span(meta), name=name, title=title, clauses=clauses,
                           steps=steps)

    def when_clause(self, meta, children):
        return ast.When.make(span=self._span(meta), triggers=children)

    def audience(self, meta, children):
        return ast.Audience.make(span=self._span(meta), expr=children[0])

    def reentry(self, meta, children):
        value = children[0]
        if isinstance(value, ast.Duration):
            return ast.Reentry.make(span=self._span(meta), mode="after", after=value)
        return ast.Reentry.make(span=self._span(meta), mode=str(value))

    def goal(self, meta, children):
        name, events, within = children
        return ast.Goal.make(span=self._span(meta), name=name, events=events, within=within)

    def exit_on(self, meta, children):
        return ast.ExitOn.make(span=self._span(meta), events=children[0])

    def exit_when(self, meta, children):
        return ast.ExitWhen.make(span=self._span(meta), expr=children[0])

    def priority(self, meta, children):
        return ast.Priority.make(span=self._span(meta), value=children[0])

    def cap(self, meta, children):
        return ast.JourneyCap.make(span=self._span(meta), count=children[0], window=children[1])

    def event_or_date_trigger(self, meta, children):
        name, content, offset, at = children
        span = self._span(meta)
        if offset is None and at is None:
            event = ast.EventRef.make(span=span, name=name, content=content)
            return ast.EventTrigger.make(span=span, event=event)
        if content is not None:
            self._error("E219", content.span, "a yearly date trigger takes no content argument")
        sign, duration = offset if offset else ("+", None)
        return ast.DateTrigger.make(span=span, attribute=name, sign=sign, offset=duration, at=at)

    def offset(self, meta, children):
        return (str(children[0]), children[1])

    def at_time(self, meta, children):
        return children[0]

    def enter_trigger(self, meta, children):
        return ast.EnterTrigger.make(span=self._span(meta), segment=children[0])

    def every_trigger(self, meta, children):
        (unit, weekday, interval), at = children
        return ast.EveryTrigger.make(span=self._span(meta), unit=unit, weekday=weekday,
                                interval=interval, at=at)

    def every_day(self, meta, children):
        token = children[0]
        if str(token) != "day":
            self._error("E111", self._tspan(token), f"`every {token}` is not a schedule",
                        hint="write `every day`, `every friday` or `every 2w on friday`")
        return ("day", None, None)

    def every_weekday(self, meta, children):
        return ("weekday", str(children[0]), None)

    def every_interval(self, meta, children):
        return ("interval", str(children[1]), children[0])

    def inactive_trigger(self, meta, children):
        return ast.InactiveTrigger.make(span=self._span(meta), duration=children[0])

    def stage_trigger(self, meta, children):
        return ast.StageTrigger.make(span=self._span(meta), stage=children[0])

    def tag_trigger(self, meta, children):
        return ast.TagAddedTrigger.make(span=self._span(meta), tag=children[0])

    # ---- steps ------------------------------------------------------------------------

    def block(self, meta, children):
        return children

    def labelled(self, meta, children):
        label, step = children
        return step.model_copy(update={"label": label, "span": self._span(meta)})

    def send(self, meta, children):
        content, channel, by, at = children
        return ast.Send.make(span=self._span(meta), content=content, channel=channel, by=by, at=at)

    def task(self, meta, children):
        role, instruction, content, due = children
        return ast.Task.make(span=self._span(meta), role=role, instruction=instruction,
                        content=content, due=due)

    def notify(self, meta, children):
        return ast.Notify.make(span=self._span(meta), role=children[0], text=children[1])

    def wait(self, meta, children):
        return ast.Wait.make(span=self._span(meta), duration=children[0], at=children[1])

    def wait_until_time(self, meta, children):
        return ast.WaitUntilTime.make(span=self._span(meta), time=children[0])

    def wait_until_day(self, meta, children):
        return ast.WaitUntilDay.make(span=self._span(meta), weekday=str(children[0]), at=children[1])

    def wait_for(self, meta, children):
        events, within, arms = children
        then, timeout = arms if arms is not None else (None, None)
        return ast.WaitFor.make(span=self._span(meta), events=events, within=within, then=then,
                           timeout=timeout, has_block=arms is not None)

    def wait_arms(self, meta, children):
        return tuple(children)

    def then_arm(self, meta, children):
        return children[0]

    timeout_arm = else_arm = then_arm

    def if_step(self, meta, children):
        *branches, otherwise = children
        return ast.If.make(span=self._span(meta), branches=branches, otherwise=otherwise)

    def if_arm(self, meta, children):
        return ast.Branch.make(span=self._span(meta), condition=children[0], steps=children[1])

    elif_arm = if_arm

    def split(self, meta, children):
        return ast.Split.make(span=self._span(meta), name=children[0], arms=children[1:])

    def split_arm(self, meta, children):
        share, name, steps = children
        return ast.SplitArm.make(span=self._span(meta), share=share, name=name, steps=steps)

    def tag_step(self, meta, children):
        return ast.TagStep.make(span=self._span(meta), tag=children[0])

    def untag_step(self, meta, children):
        return ast.UntagStep.make(span=self._span(meta), tag=children[0])

    def score_step(self, meta, children):
        op = str(children[0]) if len(children) == 2 else "="
        return ast.ScoreStep.make(span=self._span(meta), op=op, amount=children[-1])

    def stage_step(self, meta, children):
        return ast.StageStep.make(span=self._span(meta), stage=children[0])

    def set_step(self, meta, children):
        attribute, value = children
        negative = isinstance(value, tuple)
        if negative:
            sign, value = value
            negative = sign == "-"
        return ast.SetStep.make(span=self._span(meta), attribute=attribute, value=value,
                           negative=negative)

    def signed_number(self, meta, children):
        return (str(children[0]), children[1])

    def handoff(self, meta, children):
        return ast.Handoff.make(span=self._span(meta), role=children[0])

    def enter(self, meta, children):
        return ast.Enter.make(span=self._span(meta), journey=children[0])

    def exit_step(self, meta, children):
        return ast.ExitStep.make(span=self._span(meta))

    def repeat_n(self, meta, children):
        count, every, steps = children
        return ast.RepeatN.make(span=self._span(meta), count=count, every=every, steps=steps)

    def repeat_until(self, meta, children):
        every, until, maximum, steps = children
        return ast.RepeatUntil.make(span=self._span(meta), every=every, until=until, max=maximum,
                               steps=steps)

    # ---- scenarios --------------------------------------------------------------------

    def scenario(self, meta, children):
        return ast.Scenario.make(span=self._span(meta), name=children[0], items=children[1])

    def sc_block(self, meta, children):
        *items, above = children
        return items + (above or [])

    def sc_above(self, meta, children):
        (head_span, count, window), *items = children
        nested = items.pop()
        # The next `above` is nested in the grammar but a sibling in the AST: end before it.
        span = head_span.to(items[-1].span) if items else head_span
        node = ast.ScAbove.make(span=span, count=count, window=window, items=items)
        return [node, *(nested or [])]

    def above_head(self, meta, children):
        return (self._span(meta), *children)

    def sc_setting(self, meta, children):
        key, *values = children
        block = values.pop()
        return ast.ScSetting.make(span=self._span(meta), key=key, values=values, block=block)

    def within(self, meta, children):
        return ast.Within.make(span=self._span(meta), duration=children[0])

    def sc_owner(self, meta, children):
        return ast.ScOwner.make(span=self._span(meta), role=children[0])

    def sc_staff(self, meta, children):
        role, count, block = children
        return ast.ScStaff.make(span=self._span(meta), role=role, count=count, block=block)

    def sc_channel(self, meta, children):
        return ast.ScChannel.make(span=self._span(meta), channel=children[0], block=children[1])

    def sc_purpose(self, meta, children):
        return ast.ScPurpose.make(span=self._span(meta), purpose=children[0], block=children[1])

    def sc_effect(self, meta, children):
        return ast.ScEffect.make(span=self._span(meta), condition=children[0], block=children[1])

    def sc_attribute(self, meta, children):
        attribute, *rest = children
        span = self._span(meta)
        if rest and isinstance(rest[0], ast.Distribution):
            low, high = rest[1] if rest[1] is not None else (None, None)
            return ast.ScAttribute.make(span=span, attribute=attribute, distribution=rest[0],
                                   low=low, high=high)
        return ast.ScAttribute.make(span=span, attribute=attribute, shares=rest)

    def share(self, meta, children):
        return ast.Share.make(span=self._span(meta), value=children[0], share=children[1])

    def range(self, meta, children):
        return (children[0], children[1])

    def sc_tag(self, meta, children):
        return ast.ScTag.make(span=self._span(meta), tag=children[0], share=children[1])

    def sc_stage(self, meta, children):
        shares = [
            ast.StageShare.make(span=stage.span.to(share.span), stage=stage, share=share)
            for stage, share in zip(children[::2], children[1::2])
        ]
        return ast.ScStage.make(span=self._span(meta), shares=shares)

    def sc_history(self, meta, children):
        event, distribution, within = children
        return ast.ScHistory.make(span=self._span(meta), event=event, distribution=distribution,
                             within=within)

    def distribution(self, meta, children):
        kind, *args = children
        return ast.Distribution.make(span=self._span(meta), kind=str(kind), args=args)

    bare_distribution = distribution


_CLAUSES = (ast.When, ast.Audience, ast.Reentry, ast.Goal, ast.ExitOn, ast.ExitWhen,
            ast.Priority, ast.JourneyCap)


@functools.cache
def _rule_names() -> frozenset[str]:
    """Every name a parse tree node can carry: rule names and their `->` aliases."""
    return frozenset(str(rule.alias or rule.origin.name) for rule in lark_parser().rules)


@functools.cache
def _terminal_names() -> frozenset[str]:
    return frozenset(terminal.name for terminal in lark_parser().terminals)


def _methods(builder: _Builder, names: frozenset[str]) -> dict[str, object]:
    return {name: getattr(builder, name) for name in names if hasattr(builder, name)}

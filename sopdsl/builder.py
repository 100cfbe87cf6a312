"""Build the typed AST from Lark's parse tree, checking literals on the way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from lark import Token, Tree

from sopdsl import ast
from sopdsl.diagnostics import Diagnostic, diag
from sopdsl.source import Span

_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}
_DURATION_PART = re.compile(r"(\d+)([mhdw])")
_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def build_module(
    tree: Tree, path: str, comments: list[ast.Comment]
) -> tuple[ast.Module, list[Diagnostic]]:
    """Transform a parse tree into a Module, with diagnostics for invalid literals."""
    builder = _Builder(path)
    decls = builder.transform(tree)
    span = Span(file=path, line=1, column=1, end_line=1, end_column=1)
    module = ast.Module(span=span, path=path, decls=decls, comments=comments)
    return module, builder.diagnostics


class _Builder:
    """One method per grammar rule (and per terminal), each returning an AST node."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        # Each rule's and terminal's method, looked up once per file rather than once per node.
        self._callbacks: dict[str, Callable] = {}

    def transform(self, tree: Tree):
        """The AST of a parse tree: the children first, then the rule's method on them."""
        callbacks = self._callbacks
        children = []
        for child in tree.children:
            # Tokens first: a Token check is cheap, a Tree check goes through ABCMeta.
            if isinstance(child, Token):
                callback = callbacks.get(child.type) or self._callback(child.type, _keep_token)
                children.append(callback(child))
            elif child is None:
                children.append(None)  # an optional part that is absent
            else:
                children.append(self.transform(child))
        callback = callbacks.get(tree.data) or self._callback(tree.data, None)
        return callback(tree.meta, children)

    def _callback(self, name: str, default: Callable | None) -> Callable:
        found = getattr(self, name, None) or default or _tree_of(name)
        self._callbacks[name] = found
        return found

    # ---- spans and terminals ----------------------------------------------------------

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(file=self.path, line=1, column=1, end_line=1, end_column=2)
        return Span(file=self.path, line=meta.line, column=meta.column,
                    end_line=meta.end_line, end_column=meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return Span(file=self.path, line=token.line, column=token.column,
                    end_line=token.end_line, end_column=token.end_column)

    def _error(self, code: str, span: Span, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(diag(code, span, message, hint))

    def NAME(self, token: Token) -> ast.Ident:  # noqa: N802 - Lark names terminal callbacks
        return ast.Ident(span=self._tspan(token), name=str(token))

    PURPOSE = NAME

    def NUMBER(self, token: Token) -> ast.Number:  # noqa: N802
        return ast.Number(span=self._tspan(token), value=float(token), text=str(token))

    def PERCENT(self, token: Token) -> ast.Percent:  # noqa: N802
        value = float(token[:-1]) / 100
        return ast.Percent(span=self._tspan(token), value=value, text=str(token))

    def DURATION(self, token: Token) -> ast.Duration:  # noqa: N802
        minutes = sum(int(n) * _UNIT_MINUTES[u] for n, u in _DURATION_PART.findall(token))
        return ast.Duration(span=self._tspan(token), minutes=minutes, text=str(token))

    def TIME(self, token: Token) -> ast.TimeOfDay:  # noqa: N802
        hour, minute = (int(p) for p in token.split(":"))
        span = self._tspan(token)
        if hour > 23 or minute > 59:
            self._error("E115", span, f"`{token}` is not a time of day",
                        hint="times run from 00:00 to 23:59")
            hour, minute = min(hour, 23), min(minute, 59)
        return ast.TimeOfDay(span=span, hour=hour, minute=minute, text=str(token))

    def DATE(self, token: Token) -> ast.DateLit:  # noqa: N802
        span = self._tspan(token)
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError:
            self._error("E116", span, f"`{token}` is not a date in the calendar",
                        hint="write dates as YYYY-MM-DD, such as 2026-12-01")
            value = dt.date(1970, 1, 1)
        return ast.DateLit(span=span, value=value, text=str(token))

    def RATE(self, token: Token) -> ast.Rate:  # noqa: N802
        count, per = token.split("/")
        return ast.Rate(span=self._tspan(token), count=float(count), per=per, text=str(token))

    def MULTIPLIER(self, token: Token) -> ast.Multiplier:  # noqa: N802
        return ast.Multiplier(span=self._tspan(token), value=float(token[1:]), text=str(token))

    def STRING(self, token: Token) -> ast.StringLit:  # noqa: N802
        return ast.StringLit(span=self._tspan(token), value=self._unescape(token, token[1:-1]),
                             text=str(token))

    def LONG_STRING(self, token: Token) -> ast.StringLit:  # noqa: N802
        return ast.StringLit(span=self._tspan(token), value=self._unescape(token, token[3:-3]),
                             text=str(token))

    def _unescape(self, token: Token, body: str) -> str:
        def replace(match: re.Match) -> str:
            escape = match.group(1)
            if escape in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[escape]
            if escape.startswith("u{") and int(escape[2:-1], 16) <= 0x10FFFF:
                return chr(int(escape[2:-1], 16))
            self._error("E114", self._tspan(token), f"unknown escape `\\{escape}` in a string",
                        hint='the escapes are \\" \\\\ \\n \\t and \\u{4F60}')
            return match.group(0)

        return _ESCAPE.sub(replace, body) if "\\" in body else body

    # ---- top level --------------------------------------------------------------------

    def start(self, meta, children):
        return children

    def string(self, meta, children):
        return children[0]

    def playbook(self, meta, children):
        return ast.PlaybookDecl(span=self._span(meta), title=children[0], settings=children[1:])

    def timezone(self, meta, children):
        return ast.Timezone(span=self._span(meta), name=children[0])

    def quiet_hours(self, meta, children):
        return ast.QuietHours(span=self._span(meta), window=children[0])

    def frequency_cap(self, meta, children):
        return ast.FrequencyCap(span=self._span(meta), count=children[0], window=children[1])

    def mass_quota(self, meta, children):
        count, window = children
        if isinstance(window, ast.Duration):
            return ast.MassQuota(span=self._span(meta), count=count, window=window)
        return ast.MassQuota(span=self._span(meta), count=count, calendar=str(window))

    def stages(self, meta, children):
        return ast.Stages(span=self._span(meta), names=children)

    def time_range(self, meta, children):
        return ast.TimeRange(span=self._span(meta), start=children[0], end=children[2])

    def import_decl(self, meta, children):
        return ast.ImportDecl(span=self._span(meta), path=children[0])

    def role_decl(self, meta, children):
        return ast.RoleDecl(span=self._span(meta), name=children[0], title=children[1])

    def attribute_decl(self, meta, children):
        return ast.AttributeDecl(span=self._span(meta), name=children[0], type=children[1])

    def simple_type(self, meta, children):
        return ast.TypeRef(span=self._span(meta), kind=children[0].name)

    def enum_type(self, meta, children):
        return ast.TypeRef(span=self._span(meta), kind="enum", values=children)

    def event_decl(self, meta, children):
        return ast.EventDecl(span=self._span(meta), name=children[0])

    def content_decl(self, meta, children):
        name, kind, title, block = children
        return ast.ContentDecl(span=self._span(meta), name=name, kind=kind, title=title,
                               fields=block or [], has_block=block is not None)

    def content_block(self, meta, children):
        return children

    def content_field(self, meta, children):
        return ast.ContentField(span=self._span(meta), key=children[0], value=children[1])

    def segment_decl(self, meta, children):
        return ast.SegmentDecl(span=self._span(meta), name=children[0], expr=children[1])

    # ---- expressions ------------------------------------------------------------------

    def or_expr(self, meta, children):
        return ast.BoolOp(span=self._span(meta), op="or", operands=children)

    def and_expr(self, meta, children):
        return ast.BoolOp(span=self._span(meta), op="and", operands=children)

    def not_test(self, meta, children):
        return ast.Not(span=self._span(meta), operand=children[0])

    def group(self, meta, children):
        return ast.Group(span=self._span(meta), expr=children[0])

    def compare(self, meta, children):
        left, op, right = children
        return ast.Compare(span=self._span(meta), op=str(op), left=left, right=right)

    def in_list(self, meta, children):
        return ast.InList(span=self._span(meta), value=children[0], items=children[1:])

    def in_range(self, meta, children):
        value, low, high = children
        return ast.InRange(span=self._span(meta), value=value, low=low, high=high)

    def tag_test(self, meta, children):
        return ast.TagTest(span=self._span(meta), tag=children[0])

    def segment_ref(self, meta, children):
        return ast.SegmentRef(span=self._span(meta), name=children[0].name)

    def ever_test(self, meta, children):
        return ast.EverTest(span=self._span(meta), event=children[0])

    def arith(self, meta, children):
        left, op, right = children
        return ast.Arith(span=self._span(meta), op=str(op), left=left, right=right)

    def name_value(self, meta, children):
        return ast.NameValue(span=self._span(meta), name=children[0].name)

    def stage_value(self, meta, children):
        return ast.StageValue(span=self._span(meta))

    def score_value(self, meta, children):
        return ast.ScoreValue(span=self._span(meta))

    def rfm_value(self, meta, children):
        return ast.RfmValue(span=self._span(meta), dimension=children[0])

    def count_value(self, meta, children):
        return ast.CountValue(span=self._span(meta), event=children[0], window=children[1])

    def days_since_value(self, meta, children):
        return ast.DaysSinceValue(span=self._span(meta), event=children[0])

    def sum_value(self, meta, children):
        event, field, window = children
        return ast.SumValue(span=self._span(meta), event=event, field=field, window=window)

    def number(self, meta, children):
        return children[0]

    percent = duration = date = time = rate = multiplier = number

    def true(self, meta, children):
        return ast.BoolLit(span=self._span(meta), value=True)

    def false(self, meta, children):
        return ast.BoolLit(span=self._span(meta), value=False)

    def event(self, meta, children):
        return ast.EventRef(span=self._span(meta), name=children[0], content=children[1])

    def event_expr(self, meta, children):
        return children

    # ---- journeys ---------------------------------------------------------------------

    def journey(self, meta, children):
        name, title, *body = children
        clauses = [c for c in body if isinstance(c, _CLAUSES)]
        steps = [c for c in body if not isinstance(c, _CLAUSES)]
        return ast.Journey(span=self._span(meta), name=name, title=title, clauses=clauses,
                           steps=steps)

    def when_clause(self, meta, children):
        return ast.When(span=self._span(meta), triggers=children)

    def audience(self, meta, children):
        return ast.Audience(span=self._span(meta), expr=children[0])

    def reentry(self, meta, children):
        value = children[0]
        if isinstance(value, ast.Duration):
            return ast.Reentry(span=self._span(meta), mode="after", after=value)
        return ast.Reentry(span=self._span(meta), mode=str(value))

    def goal(self, meta, children):
        name, events, within = children
        return ast.Goal(span=self._span(meta), name=name, events=events, within=within)

    def exit_on(self, meta, children):
        return ast.ExitOn(span=self._span(meta), events=children[0])

    def exit_when(self, meta, children):
        return ast.ExitWhen(span=self._span(meta), expr=children[0])

    def priority(self, meta, children):
        return ast.Priority(span=self._span(meta), value=children[0])

    def cap(self, meta, children):
        return ast.JourneyCap(span=self._span(meta), count=children[0], window=children[1])

    def event_or_date_trigger(self, meta, children):
        name, content, offset, at = children
        span = self._span(meta)
        if offset is None and at is None:
            event = ast.EventRef(span=span, name=name, content=content)
            return ast.EventTrigger(span=span, event=event)
        if content is not None:
            self._error("E219", content.span, "a yearly date trigger takes no content argument")
        sign, duration = offset if offset else ("+", None)
        return ast.DateTrigger(span=span, attribute=name, sign=sign, offset=duration, at=at)

    def offset(self, meta, children):
        return (str(children[0]), children[1])

    def at_time(self, meta, children):
        return children[0]

    def enter_trigger(self, meta, children):
        return ast.EnterTrigger(span=self._span(meta), segment=children[0])

    def every_trigger(self, meta, children):
        (unit, weekday, interval), at = children
        return ast.EveryTrigger(span=self._span(meta), unit=unit, weekday=weekday,
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
        return ast.InactiveTrigger(span=self._span(meta), duration=children[0])

    def stage_trigger(self, meta, children):
        return ast.StageTrigger(span=self._span(meta), stage=children[0])

    def tag_trigger(self, meta, children):
        return ast.TagAddedTrigger(span=self._span(meta), tag=children[0])

    # ---- steps ------------------------------------------------------------------------

    def block(self, meta, children):
        return children

    def labelled(self, meta, children):
        label, step = children
        return step.model_copy(update={"label": label, "span": self._span(meta)})

    def send(self, meta, children):
        content, channel, by, at = children
        return ast.Send(span=self._span(meta), content=content, channel=channel, by=by, at=at)

    def task(self, meta, children):
        role, instruction, content, due = children
        return ast.Task(span=self._span(meta), role=role, instruction=instruction,
                        content=content, due=due)

    def notify(self, meta, children):
        return ast.Notify(span=self._span(meta), role=children[0], text=children[1])

    def wait(self, meta, children):
        return ast.Wait(span=self._span(meta), duration=children[0], at=children[1])

    def wait_until_time(self, meta, children):
        return ast.WaitUntilTime(span=self._span(meta), time=children[0])

    def wait_until_day(self, meta, children):
        return ast.WaitUntilDay(span=self._span(meta), weekday=str(children[0]), at=children[1])

    def wait_for(self, meta, children):
        events, within, arms = children
        then, timeout = arms if arms is not None else (None, None)
        return ast.WaitFor(span=self._span(meta), events=events, within=within, then=then,
                           timeout=timeout, has_block=arms is not None)

    def wait_arms(self, meta, children):
        return tuple(children)

    def then_arm(self, meta, children):
        return children[0]

    timeout_arm = else_arm = then_arm

    def if_step(self, meta, children):
        condition, steps, *rest = children
        otherwise = rest.pop()
        branches = [ast.Branch(span=self._span(meta), condition=condition, steps=steps)]
        return ast.If(span=self._span(meta), branches=branches + rest, otherwise=otherwise)

    def elif_arm(self, meta, children):
        return ast.Branch(span=self._span(meta), condition=children[0], steps=children[1])

    def split(self, meta, children):
        return ast.Split(span=self._span(meta), name=children[0], arms=children[1:])

    def split_arm(self, meta, children):
        share, name, steps = children
        return ast.SplitArm(span=self._span(meta), share=share, name=name, steps=steps)

    def tag_step(self, meta, children):
        return ast.TagStep(span=self._span(meta), tag=children[0])

    def untag_step(self, meta, children):
        return ast.UntagStep(span=self._span(meta), tag=children[0])

    def score_step(self, meta, children):
        op = str(children[0]) if len(children) == 2 else "="
        return ast.ScoreStep(span=self._span(meta), op=op, amount=children[-1])

    def stage_step(self, meta, children):
        return ast.StageStep(span=self._span(meta), stage=children[0])

    def set_step(self, meta, children):
        attribute, value = children
        negative = isinstance(value, tuple)
        if negative:
            sign, value = value
            negative = sign == "-"
        return ast.SetStep(span=self._span(meta), attribute=attribute, value=value,
                           negative=negative)

    def signed_number(self, meta, children):
        return (str(children[0]), children[1])

    def handoff(self, meta, children):
        return ast.Handoff(span=self._span(meta), role=children[0])

    def enter(self, meta, children):
        return ast.Enter(span=self._span(meta), journey=children[0])

    def exit_step(self, meta, children):
        return ast.ExitStep(span=self._span(meta))

    def repeat_n(self, meta, children):
        count, every, steps = children
        return ast.RepeatN(span=self._span(meta), count=count, every=every, steps=steps)

    def repeat_until(self, meta, children):
        every, until, maximum, steps = children
        return ast.RepeatUntil(span=self._span(meta), every=every, until=until, max=maximum,
                               steps=steps)

    # ---- scenarios --------------------------------------------------------------------

    def scenario(self, meta, children):
        return ast.Scenario(span=self._span(meta), name=children[0], items=children[1])

    def sc_block(self, meta, children):
        *items, above = children
        return items + (above or [])

    def sc_above(self, meta, children):
        count, window, *items = children
        nested = items.pop()
        node = ast.ScAbove(span=self._span(meta), count=count, window=window, items=items)
        return [node, *(nested or [])]

    def sc_setting(self, meta, children):
        key, *values = children
        block = values.pop()
        return ast.ScSetting(span=self._span(meta), key=key, values=values, block=block)

    def within(self, meta, children):
        return ast.Within(span=self._span(meta), duration=children[0])

    def sc_owner(self, meta, children):
        return ast.ScOwner(span=self._span(meta), role=children[0])

    def sc_staff(self, meta, children):
        role, count, block = children
        return ast.ScStaff(span=self._span(meta), role=role, count=count, block=block)

    def sc_channel(self, meta, children):
        return ast.ScChannel(span=self._span(meta), channel=children[0], block=children[1])

    def sc_purpose(self, meta, children):
        return ast.ScPurpose(span=self._span(meta), purpose=children[0], block=children[1])

    def sc_effect(self, meta, children):
        return ast.ScEffect(span=self._span(meta), condition=children[0], block=children[1])

    def sc_attribute(self, meta, children):
        attribute, *rest = children
        span = self._span(meta)
        if rest and isinstance(rest[0], ast.Distribution):
            low, high = rest[1] if rest[1] is not None else (None, None)
            return ast.ScAttribute(span=span, attribute=attribute, distribution=rest[0],
                                   low=low, high=high)
        return ast.ScAttribute(span=span, attribute=attribute, shares=rest)

    def share(self, meta, children):
        return ast.Share(span=self._span(meta), value=children[0], share=children[1])

    def range(self, meta, children):
        return (children[0], children[1])

    def sc_tag(self, meta, children):
        return ast.ScTag(span=self._span(meta), tag=children[0], share=children[1])

    def sc_stage(self, meta, children):
        shares = [
            ast.StageShare(span=stage.span.to(share.span), stage=stage, share=share)
            for stage, share in zip(children[::2], children[1::2])
        ]
        return ast.ScStage(span=self._span(meta), shares=shares)

    def sc_history(self, meta, children):
        event, distribution, within = children
        return ast.ScHistory(span=self._span(meta), event=event, distribution=distribution,
                             within=within)

    def distribution(self, meta, children):
        kind, *args = children
        return ast.Distribution(span=self._span(meta), kind=str(kind), args=args)

    bare_distribution = distribution


def _keep_token(token: Token) -> Token:
    """Terminals without a method (keywords, operators) stay tokens for the rule to read."""
    return token


def _tree_of(name: str) -> Callable:
    """A rule without a method stays a tree, as in Lark's Transformer."""
    return lambda meta, children: Tree(name, children, meta)


_CLAUSES = (ast.When, ast.Audience, ast.Reentry, ast.Goal, ast.ExitOn, ast.ExitWhen,
            ast.Priority, ast.JourneyCap)

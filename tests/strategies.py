"""Hypothesis strategies that draw random, syntactically valid playbook programs as text.

Every program parses with no diagnostics. Names come from small pools, so they need not
resolve: use these for parser, formatter and round-trip properties, not for the resolver.

A statement is drawn as a list of tokens and nested `Block`s, then rendered either with
single spaces and newlines (`render(stmts)`) or with random whitespace, newlines, blank
lines, `;` and comments between any two tokens (`render(stmts, draw)`).
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from sopdsl.syntax.lalr import keywords


@dataclass
class Block:
    """`{ ... }` holding statements."""

    stmts: list[list]


Stmt = list  # str tokens and Blocks

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DIST_NAMES = ["normal", "lognormal", "uniform", "exponential", "poisson", "fixed"]
_RESERVED = ({word for word in keywords().values() if word.isidentifier()}
             | {"month", "week", "day"} | set(_WEEKDAYS) | set(_DIST_NAMES))
_NAME_POOL = ["welcome", "coupon20", "vip", "guide", "sales", "新客", "会员_2", "d1",
              "purchase", "click", "friend_added", "level", "a", "_tmp"]
_COMMENT_POOL = ["# note", "#", "## 标题", "# sopdsl: ignore[W401]", "# a # b", "#x  ",
                 "# 满200减20 {owner.name}", "# }", "# ;", '# "not a string']
_TOKEN_GAPS = st.sampled_from([" "] * 12 + ["  ", "\t", "\n", "\n  ", "\n\n", "COMMENT"])
_STMT_GAPS = st.sampled_from(["\n"] * 6 + ["\n\n", "\n\n\n", " ", "; ", ";\n", ";;\n", "COMMENT",
                                           "\nCOMMENT", "\n\nCOMMENT\n"])
_LEAD_GAPS = st.sampled_from(["", "", "\n", "COMMENT"])

# ---- names and literals (single tokens) ------------------------------------------------


@functools.cache
def names() -> st.SearchStrategy[str]:
    """Identifiers (CJK included) that are no keyword and lex as NAME in every context."""
    generated = st.from_regex(r"[a-z_新客老][a-z0-9_新]{0,6}", fullmatch=True).filter(
        lambda name: name not in _RESERVED and not (name[0] == "x" and name[1:2].isdigit()))
    return st.one_of(st.sampled_from(_NAME_POOL), generated)


@functools.cache
def numbers() -> st.SearchStrategy[str]:
    """`12`, `3.50`, `007`."""
    decimal = st.tuples(st.integers(0, 99), st.from_regex(r"[0-9]{1,2}", fullmatch=True))
    return st.one_of(st.integers(0, 999).map(str), st.just("007"),
                     decimal.map(lambda parts: f"{parts[0]}.{parts[1]}"))


@functools.cache
def percents() -> st.SearchStrategy[str]:
    """`12%`, `0.5%`."""
    return numbers().map(lambda number: number + "%")


@functools.cache
def durations() -> st.SearchStrategy[str]:
    """`30m`, `1d12h`, `2w`."""
    part = st.tuples(st.integers(1, 99), st.sampled_from("mhdw"))
    return st.lists(part, min_size=1, max_size=3).map(
        lambda parts: "".join(f"{count}{unit}" for count, unit in parts))


@functools.cache
def times() -> st.SearchStrategy[str]:
    """`09:30`, `9:05`."""
    return st.tuples(st.integers(0, 23), st.integers(0, 59), st.booleans()).map(
        lambda t: f"{t[0]:02d}:{t[1]:02d}" if t[2] else f"{t[0]}:{t[1]:02d}")


@functools.cache
def dates() -> st.SearchStrategy[str]:
    """`2026-12-01`."""
    return st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)).map(dt.date.isoformat)


@functools.cache
def strings() -> st.SearchStrategy[str]:
    """`"..."` with escapes and CJK, or `\"\"\"...\"\"\"` over several lines."""
    plain = st.text(st.sampled_from(string.ascii_letters + " ,.!{}:#;新客满减元"), max_size=12)
    escape = st.sampled_from(['\\"', "\\\\", "\\n", "\\t", "\\u{4F60}"])
    short = st.lists(st.one_of(plain, escape), max_size=3).map(lambda ps: '"' + "".join(ps) + '"')
    long_body = st.text(st.sampled_from(string.ascii_letters + " \n#{}您好"), max_size=20)
    return st.one_of(short, long_body.map(lambda body: '"""' + body + '"""'))


@functools.cache
def literals() -> st.SearchStrategy[str]:
    """Any literal allowed in an expression or a `set` step."""
    return st.one_of(numbers(), percents(), strings(), durations(), dates(), times(),
                     st.sampled_from(["true", "false"]))


@functools.cache
def comments() -> st.SearchStrategy[str]:
    """A comment, `#` to the end of its line."""
    printable = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
    return st.one_of(st.sampled_from(_COMMENT_POOL),
                     st.text(printable, max_size=15).map(lambda text: "#" + text))


# ---- expressions (token lists) ---------------------------------------------------------


@st.composite
def events(draw) -> list[str]:
    """`reply` or `click(welcome)`."""
    name = draw(names())
    return [name, "(", draw(names()), ")"] if draw(st.booleans()) else [name]


@st.composite
def event_lists(draw) -> list[str]:
    """Events joined with `or`."""
    return _joined(draw(st.lists(events(), min_size=1, max_size=3)), "or")


@st.composite
def _atoms(draw) -> list[str]:
    window = [",", draw(durations())] if draw(st.booleans()) else []
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return [draw(names())]
    if kind == 1:
        return draw(st.sampled_from([["stage"], ["score"], ["rfm", ".", "r"], ["rfm", ".", "m"]]))
    if kind == 2:
        return ["count", "(", *draw(events()), *window, ")"]
    if kind == 3:
        return ["days_since", "(", *draw(events()), ")"]
    if kind == 4:
        return ["sum", "(", "purchase", ".", "amount", *window, ")"]
    return [draw(literals())]


@st.composite
def values(draw) -> list[str]:
    """Atoms joined with `+ - * /`."""
    tokens = draw(_atoms())
    for _ in range(draw(st.integers(0, 2))):
        tokens += [draw(st.sampled_from("+-*/")), *draw(_atoms())]
    return tokens


@st.composite
def _tests(draw) -> list[str]:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return [*draw(values()), op, *draw(values())]
    if kind == 1:
        return [*draw(values()), "in", "[", *_joined(draw(st.lists(values(), min_size=1,
                                                                   max_size=3)), ","), "]"]
    if kind == 2:
        low, high = draw(st.integers(0, 99)), draw(st.integers(0, 99))
        return [*draw(values()), "in", str(low), "..", str(high)]
    if kind == 3:
        return ["tag", draw(strings())]
    if kind == 4:
        return [draw(names())]
    if kind == 5:
        return [*draw(values()), "is", draw(names())]
    return ["ever", "(", *draw(events()), ")"]


@st.composite
def expressions(draw, depth: int = 2) -> list[str]:
    """An expression: `or` of `and` of tests, each maybe negated or a parenthesised expression."""
    def operand() -> list[str]:
        kind = draw(st.integers(0, 3 if depth > 0 else 1))
        if kind == 0:
            return draw(_tests())
        if kind == 1:
            return ["not", *draw(_tests())]
        if kind == 2:
            return ["not", "(", *draw(expressions(depth - 1)), ")"]
        return ["(", *draw(expressions(depth - 1)), ")"]

    conjunctions = [_joined([operand() for _ in range(draw(st.integers(1, 3)))], "and")
                    for _ in range(draw(st.integers(1, 2)))]
    return _joined(conjunctions, "or")


# ---- journeys --------------------------------------------------------------------------


@st.composite
def triggers(draw) -> list[str]:
    """One trigger of a `when` clause."""
    at = ["at", draw(times())]
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return draw(events())
    if kind == 1:
        offset = [draw(st.sampled_from("+-")), draw(durations())]
        shape = draw(st.sampled_from([offset, at, offset + at]))
        return [draw(names()), *shape]
    if kind == 2:
        return ["enter", draw(names())]
    if kind == 3:
        day = draw(st.sampled_from([["day"], [draw(st.sampled_from(_WEEKDAYS))],
                                    [draw(durations()), "on", draw(st.sampled_from(_WEEKDAYS))]]))
        dates = draw(st.sampled_from([[], ["in", "2026-11-01", "..", "2026-11-11"]]))
        return ["every", *day, *at, *dates]
    if kind == 4:
        return ["inactive", draw(durations())]
    if kind == 5:
        return ["stage", "becomes", draw(names())]
    return ["tag", draw(strings()), "added"]


@st.composite
def _when(draw) -> Stmt:
    return ["when", *_joined(draw(st.lists(triggers(), min_size=1, max_size=3)), "or")]


@st.composite
def clauses(draw) -> Stmt:
    """One journey clause."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return draw(_when())
    if kind == 1:
        return ["audience", *draw(expressions())]
    if kind == 2:
        return ["reentry", *draw(st.sampled_from([["never"], ["always"],
                                                  ["after", draw(durations())]]))]
    if kind == 3:
        return ["goal", draw(names()), ":", *draw(event_lists()), "within", draw(durations())]
    if kind == 4:
        return ["exit", "on", *draw(event_lists())]
    if kind == 5:
        return ["exit", "when", *draw(expressions())]
    if kind == 6:
        return ["priority", draw(numbers())]
    return ["cap", draw(numbers()), "per", draw(durations())]


def _maybe(draw, tokens: Callable[[], list]) -> list:
    return tokens() if draw(st.booleans()) else []


@st.composite
def simple_steps(draw) -> Stmt:
    """A step without a block."""
    at = lambda: ["at", draw(times())]  # noqa: E731 - drawn only when wanted
    kind = draw(st.integers(0, 13))
    if kind == 0:
        return ["send", draw(names()), "via", draw(names()),
                *_maybe(draw, lambda: ["by", draw(names())]), *_maybe(draw, at)]
    if kind == 1:
        return ["task", draw(names()), draw(strings()),
                *_maybe(draw, lambda: ["with", draw(names())]),
                *_maybe(draw, lambda: ["due", draw(durations())])]
    if kind == 2:
        return ["notify", draw(names()), draw(strings())]
    if kind == 3:
        return ["wait", draw(durations()), *_maybe(draw, at)]
    if kind == 4:
        return ["wait", "until", draw(times())]
    if kind == 5:
        return ["wait", "until", draw(st.sampled_from(_WEEKDAYS)), *_maybe(draw, at)]
    if kind == 6:
        return [draw(st.sampled_from(["tag", "untag"])), draw(strings())]
    if kind == 7:
        return ["score", draw(st.sampled_from(["+", "-", "="])), draw(numbers())]
    if kind == 8:
        return ["stage", draw(names())]
    if kind == 9:
        value = draw(st.one_of(literals().map(lambda v: [v]),
                               st.tuples(st.sampled_from("+-"), numbers()).map(list)))
        return ["set", draw(names()), "=", *value]
    if kind == 10:
        return ["handoff", draw(names())]
    if kind == 11:
        return ["enter", draw(names())]
    return ["exit"]


@st.composite
def steps(draw, depth: int = 2) -> list[Stmt]:
    """A few steps, some labelled, with blocks nested up to `depth`."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        step = draw(block_steps(depth) if depth > 0 and draw(st.booleans()) else simple_steps())
        out.append(_maybe(draw, lambda: [draw(names()), ":"]) + step)
    return out


@st.composite
def block_steps(draw, depth: int = 1) -> Stmt:
    """`wait for`, `if`, `split`, `repeat`: steps holding blocks."""
    body = lambda: Block(draw(steps(depth - 1)))  # noqa: E731 - drawn only when wanted
    kind = draw(st.integers(0, 4))
    if kind == 0:
        arms = _maybe(draw, lambda: ["then", body()]), _maybe(draw, lambda: ["timeout", body()])
        block = _maybe(draw, lambda: [Block([arm for arm in arms if arm])])
        return ["wait", "for", *draw(event_lists()), "within", draw(durations()), *block]
    if kind == 1:
        tokens = ["if", *draw(expressions()), body()]
        for _ in range(draw(st.integers(0, 2))):
            tokens += ["elif", *draw(expressions()), body()]
        return tokens + _maybe(draw, lambda: ["else", body()])
    if kind == 2:
        arms = draw(st.integers(1, 3))
        shares = [100 // arms + (100 % arms if index == 0 else 0) for index in range(arms)]
        return ["split", draw(names()),
                Block([[f"{share}%", draw(names()), body()] for share in shares])]
    if kind == 3:
        return ["repeat", draw(numbers()), "every", draw(durations()), body()]
    return ["repeat", "every", draw(durations()), "until", *draw(expressions()), "max",
            draw(numbers()), body()]


@st.composite
def journeys(draw) -> Stmt:
    """`journey NAME ["title"] { clauses in any order, then steps }`."""
    clause_list = draw(st.permutations([draw(_when()), *draw(st.lists(clauses(), max_size=4))]))
    title = _maybe(draw, lambda: [draw(strings())])
    return ["journey", draw(names()), *title, Block([*clause_list, *draw(steps())])]


# ---- declarations and scenarios -------------------------------------------------------


@st.composite
def playbook_settings(draw) -> Stmt:
    """One playbook setting."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return ["timezone", draw(strings())]
    if kind == 1:
        return ["quiet_hours", draw(times()), "-", draw(times())]
    if kind == 2:
        return ["frequency_cap", draw(numbers()), "per", draw(durations())]
    if kind == 3:
        period = draw(st.one_of(durations(), st.sampled_from(["month", "week", "day"])))
        return ["mass_quota", draw(numbers()), "per", period]
    return ["stages", *_joined([[n] for n in draw(st.lists(names(), min_size=1, max_size=4))], ",")]


@st.composite
def contents(draw) -> Stmt:
    """`content NAME: KIND ["title"] [{ fields }]`."""
    value = st.one_of(strings(), numbers(), percents(), durations(), names())
    field = st.tuples(st.one_of(st.just("purpose"), names()), value).map(list)
    block = _maybe(draw, lambda: [Block(draw(st.lists(field, max_size=4)))])
    title = _maybe(draw, lambda: [draw(strings())])
    return ["content", draw(names()), ":", draw(names()), *title, *block]


@st.composite
def declarations(draw) -> Stmt:
    """Any top-level declaration."""
    kind = draw(st.integers(0, 8))
    if kind == 0:
        return ["playbook", draw(strings()), Block(draw(st.lists(playbook_settings(), max_size=5)))]
    if kind == 1:
        return ["import", draw(strings())]
    if kind == 2:
        return ["role", draw(names()), *_maybe(draw, lambda: [draw(strings())])]
    if kind == 3:
        enum = ["enum", "(", *_joined([[s] for s in draw(st.lists(strings(), min_size=1,
                                                                     max_size=3))], ","), ")"]
        return ["attribute", draw(names()), ":", *draw(st.sampled_from([[draw(names())], enum]))]
    if kind == 4:
        return ["event", draw(names())]
    if kind == 5:
        return draw(contents())
    if kind == 6:
        return ["segment", draw(names()), "=", *draw(expressions())]
    if kind == 7:
        return draw(journeys())
    return draw(scenarios())


@st.composite
def distributions(draw) -> list[str]:
    """`normal(32, 8)`."""
    args = draw(st.lists(st.one_of(numbers(), durations(), percents()), min_size=1, max_size=2))
    return [draw(st.sampled_from(_DIST_NAMES)), "(", *_joined([[a] for a in args], ","), ")"]


@st.composite
def _sc_values(draw) -> list[str]:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return [draw(st.one_of(numbers(), percents(), durations(), dates(), strings()))]
    if kind == 1:
        return [f"{draw(numbers())}/{draw(st.sampled_from(['day', 'week', 'hour', 'month']))}"]
    if kind == 2:
        return ["x" + draw(numbers())]
    if kind == 3:
        return [draw(times()), "-", draw(times())]
    if kind == 4:
        return draw(distributions())
    return ["within", draw(durations())]


@st.composite
def scenario_items(draw, depth: int = 1) -> Stmt:
    """One scenario item, with nested blocks up to `depth`."""
    block = lambda: [Block(draw(scenario_blocks(depth - 1)))]  # noqa: E731
    maybe_block = lambda: _maybe(draw, block) if depth > 0 else []  # noqa: E731
    kind = draw(st.integers(0, 9))
    if kind == 0:
        values = [tok for _ in range(draw(st.integers(0, 2))) for tok in draw(_sc_values())]
        return [draw(names()), *values, *maybe_block()]
    if kind == 1:
        return ["owner", draw(names())]
    if kind == 2:
        return ["staff", draw(names()), draw(numbers()), *maybe_block()]
    if kind == 3:
        return [draw(st.sampled_from(["channel", "purpose"])), draw(names()),
                *(maybe_block() or [Block([])])]
    if kind == 4:
        return ["effect", *draw(expressions(depth=1)), *(maybe_block() or [Block([])])]
    if kind == 5:
        return ["attribute", draw(names()), ":", *draw(_sc_attribute_bodies())]
    if kind == 6:
        return ["tag", draw(strings()), draw(percents())]
    if kind == 7:
        shares = draw(st.lists(st.tuples(names(), percents()).map(list), min_size=1, max_size=3))
        return ["stage", *_joined(shares, ",")]
    return ["history", draw(names()), ":", *draw(distributions()), "within", draw(durations())]


@st.composite
def _sc_attribute_bodies(draw) -> list[str]:
    if draw(st.booleans()):
        share_value = st.one_of(strings(), names(), numbers(), st.sampled_from(["true", "false"]))
        shares = draw(st.lists(st.tuples(share_value, percents()).map(list), min_size=1,
                               max_size=3))
        return _joined(shares, ",")
    distribution = draw(st.one_of(distributions(), st.sampled_from(_DIST_NAMES).map(lambda d: [d])))
    low = draw(st.integers(0, 50))
    return distribution + _maybe(draw, lambda: ["in", str(low), "..", str(low + draw(
        st.integers(0, 49)))])


@st.composite
def scenario_blocks(draw, depth: int = 1) -> list[Stmt]:
    """The items of a scenario block; `above N per D:` chains may close it."""
    items = draw(st.lists(scenario_items(depth), max_size=3))
    for _ in range(draw(st.integers(0, 2))):
        items.append(["above", draw(numbers()), "per", draw(durations()), ":"])
        items += draw(st.lists(scenario_items(depth), max_size=2))
    return items


@st.composite
def scenarios(draw) -> Stmt:
    """`scenario NAME { ... }`."""
    return ["scenario", draw(names()), Block(draw(scenario_blocks()))]


# ---- whole programs and rendering -----------------------------------------------------


@st.composite
def programs(draw, messy: bool = True, max_decls: int = 4) -> str:
    """A whole file of declarations, laid out tidily or messily."""
    decls = draw(st.lists(declarations(), max_size=max_decls))
    return render(decls, draw if messy else None)


def render(stmts: list[Stmt], draw=None) -> str:
    """Statements as text; with a hypothesis `draw`, every gap is drawn at random."""
    renderer = _Renderer(draw)
    lead = renderer.gap(_LEAD_GAPS, "")
    return lead + renderer.statements(stmts)


class _Renderer:
    def __init__(self, draw) -> None:
        self.draw = draw

    def gap(self, choices: st.SearchStrategy[str], tidy: str) -> str:
        if self.draw is None:
            return tidy
        choice = self.draw(choices)
        if "COMMENT" not in choice:
            return choice
        return choice.replace("COMMENT", f"  {self.draw(comments())}\n")

    def statements(self, stmts: list[Stmt]) -> str:
        return "".join(self.statement(stmt) + self.gap(_STMT_GAPS, "\n") for stmt in stmts)

    def statement(self, stmt: Stmt) -> str:
        out = []
        for index, part in enumerate(stmt):
            if index:
                out.append(self.gap(_TOKEN_GAPS, " "))
            if isinstance(part, Block):
                out.append("{" + self.gap(_STMT_GAPS, "\n") + self.statements(part.stmts) + "}")
            else:
                out.append(part)
        return "".join(out)


def _joined(groups: list[list[str]], separator: str) -> list[str]:
    out: list[str] = []
    for index, group in enumerate(groups):
        if index:
            out.append(separator)
        out.extend(group)
    return out

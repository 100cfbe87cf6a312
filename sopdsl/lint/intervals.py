"""Interval reasoning over conditions: can an expression hold, must it, do two contradict.

An expression becomes a disjunction of conjunctions (DNF) of constraints on one variable
each: an interval for numbers and stages (by their lifecycle order), a set of allowed or
excluded values for strings, enums, booleans and tags. A conjunction holds for some customer
when every variable's constraint leaves a value. What cannot be modelled (dates, two
variables compared, unknown names) is an opaque yes/no atom, so answers stay sound: "never"
and "always" are only claimed when they follow from what is modelled. Expressions too large
to expand give `None` (unknown).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sopdsl.syntax import ast
from sopdsl.fmt.exprs import expr_text, value_text
from sopdsl.errors import SopdslError

MAX_TERMS = 256
_BOOLS = frozenset({True, False})
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


class TooManyTerms(SopdslError):
    """An expression whose expansion would exceed MAX_TERMS conjunctions."""


@dataclass(frozen=True)
class Num:
    """A number constraint: an interval, optionally a finite set of allowed values, exclusions."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False
    allowed: frozenset[float] | None = None
    excluded: frozenset[float] = frozenset()

    def meet(self, other: Num) -> Num:
        """Both constraints at once."""
        lo, lo_open = max((self.lo, self.lo_open), (other.lo, other.lo_open))
        hi, hi_open = min((self.hi, not self.hi_open), (other.hi, not other.hi_open))
        allowed = self.allowed if other.allowed is None else (
            other.allowed if self.allowed is None else self.allowed & other.allowed)
        return Num(lo, hi, lo_open, not hi_open, self.integer or other.integer, allowed,
                   self.excluded | other.excluded)

    def _inside(self, value: float) -> bool:
        above = value > self.lo or (value == self.lo and not self.lo_open)
        below = value < self.hi or (value == self.hi and not self.hi_open)
        whole = not self.integer or float(value).is_integer()
        return above and below and whole and value not in self.excluded

    def empty(self) -> bool:
        """True when no number meets the constraint."""
        if self.allowed is not None:
            return not any(self._inside(v) for v in self.allowed)
        if not self.integer:
            if self.lo < self.hi:
                return False
            return not (self.lo == self.hi and self._inside(self.lo))
        low, high = _whole_at_least(self.lo, self.lo_open), -_whole_at_least(-self.hi, self.hi_open)
        if low > high:
            return True
        if math.isinf(low) or math.isinf(high) or high - low + 1 > len(self.excluded):
            return False
        return all(v in self.excluded for v in range(int(low), int(high) + 1))


@dataclass(frozen=True)
class Choice:
    """A constraint on a value from a set: strings, enum values, booleans, tags."""

    allowed: frozenset[object] | None = None
    excluded: frozenset[object] = frozenset()
    universe: frozenset[object] | None = None

    def meet(self, other: Choice) -> Choice:
        """Both constraints at once."""
        allowed = self.allowed if other.allowed is None else (
            other.allowed if self.allowed is None else self.allowed & other.allowed)
        return Choice(allowed, self.excluded | other.excluded, self.universe or other.universe)

    def empty(self) -> bool:
        """True when no value meets the constraint."""
        pool = self.allowed if self.allowed is not None else self.universe
        return pool is not None and not (pool - self.excluded)


Domain = Num | Choice
Term = dict[str, Domain]  # one conjunction: a constraint per variable


@dataclass(frozen=True)
class Vocabulary:
    """What the reasoner needs to know about names: segments, stages, attribute types."""

    segments: Mapping[str, ast.Expr] = field(default_factory=dict)
    stages: Sequence[str] = ()
    attribute_types: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, program: object) -> Vocabulary:
        """The vocabulary of a Program (segments, stage order, attribute types)."""
        segments = {name: decl.expr for name, decl in program.segments.items()}
        types = {name: (info.type, info.values) for name, info in program.attributes.items()}
        return cls(segments, program.settings.stages, types)


@dataclass(frozen=True)
class Fact:
    """A condition known to hold (or not) at some point, already expanded.

    `keys` are the things it reads: `stage`, `score`, `rfm`, `events` (counts, days since,
    sums, `ever`), attribute names, `tag "X"`, and `?` for anything not modelled.
    """

    terms: tuple[Term, ...]
    keys: frozenset[str]


class Reasoner:
    """Answers can-hold, always-holds and contradicts questions for one vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._stage_domain = Num(0, max(len(vocabulary.stages) - 1, 0), integer=True)
        self._reads: set[str] = set()
        # By id of the expression; the expression is kept so its id is not reused.
        self._facts: dict[tuple[int, bool], tuple[ast.Expr, Fact | None]] = {}

    def fact(self, expr: ast.Expr, holds: bool = True) -> Fact | None:
        """The expression (or its negation) as a fact, None when it is too large to use."""
        key = (id(expr), holds)
        if key not in self._facts:
            self._facts[key] = (expr, self._expand(expr, holds))
        return self._facts[key][1]

    def _expand(self, expr: ast.Expr, holds: bool) -> Fact | None:
        self._reads = set()
        try:
            terms = self._dnf(expr, not holds, ())
        except TooManyTerms:
            return None
        return Fact(tuple(terms), frozenset(self._reads))

    def can_hold(self, expr: ast.Expr, facts: Iterable[Fact] = ()) -> bool | None:
        """Whether the expression can hold given the facts; None when too complex to tell."""
        return self._satisfiable(self.fact(expr), facts)

    def always_holds(self, expr: ast.Expr, facts: Iterable[Fact] = ()) -> bool | None:
        """Whether the expression holds for every customer the facts allow."""
        result = self._satisfiable(self.fact(expr, holds=False), facts)
        return None if result is None else not result

    def consistent(self, facts: Iterable[Fact]) -> bool | None:
        """Whether some customer meets every fact at once."""
        return self._satisfiable(Fact(({},), frozenset()), facts)

    def _satisfiable(self, fact: Fact | None, facts: Iterable[Fact]) -> bool | None:
        if fact is None:
            return None
        terms: list[Term] = list(fact.terms)
        try:
            for other in facts:
                terms = _product(terms, list(other.terms))
                if not terms:
                    return False
        except TooManyTerms:
            return None
        return bool(terms)

    def _dnf(self, expr: ast.Expr, negate: bool, expanding: tuple[str, ...]) -> list[Term]:
        match expr:
            case ast.Group(expr=inner):
                return self._dnf(inner, negate, expanding)
            case ast.Not(operand=operand):
                return self._dnf(operand, not negate, expanding)
            case ast.BoolOp(op=op, operands=operands):
                parts = [self._dnf(o, negate, expanding) for o in operands]
                if (op == "and") != negate:
                    result: list[Term] = [{}]
                    for part in parts:
                        result = _product(result, part)
                    return result
                joined = [term for part in parts for term in part]
                if len(joined) > MAX_TERMS:
                    raise TooManyTerms
                return joined
            case ast.SegmentRef(name=name):
                body = self.vocabulary.segments.get(name)
                if body is None or name in expanding:
                    return self._atom(f"segment {name}", negate)
                return self._dnf(body, negate, (*expanding, name))
            case ast.TagTest(tag=tag):
                self._reads.add(f"tag {tag.text}")
                return _leaf(f"tag {tag.text}", Choice(frozenset({not negate}), universe=_BOOLS))
            case ast.EverTest():
                self._reads.add("events")
                return _atom(expr_text(expr), negate)
            case ast.Compare():
                return self._compare(expr, negate)
            case ast.InList():
                return self._in_list(expr, negate)
            case ast.InRange():
                return self._in_range(expr, negate)
        return self._atom(expr_text(expr), negate)

    def _atom(self, text: str, negate: bool) -> list[Term]:
        self._reads.add("?")
        return _atom(text, negate)

    def _compare(self, expr: ast.Compare, negate: bool) -> list[Term]:
        op = _NEGATE[expr.op] if negate else expr.op
        left, right = expr.left, expr.right
        if self._variable(left) is None and self._variable(right) is not None:
            left, right, op = right, left, _FLIP[op]
        variable = self._variable(left)
        if variable is None:
            return self._atom(expr_text(expr), negate)
        key, domain = variable
        value = self._constant(left, right)
        if value is None:
            return self._atom(expr_text(expr), negate)
        if isinstance(domain, Num) and isinstance(value, float):
            return _leaf(key, domain.meet(_num_constraint(op, value)))
        if isinstance(domain, Choice) and op in ("==", "!="):
            single = frozenset({value})
            constraint = Choice(single) if op == "==" else Choice(excluded=single)
            return _leaf(key, domain.meet(constraint))
        return self._atom(expr_text(expr), negate)

    def _in_list(self, expr: ast.InList, negate: bool) -> list[Term]:
        variable = self._variable(expr.value)
        values = [self._constant(expr.value, item) for item in expr.items]
        if variable is None or any(v is None for v in values):
            return self._atom(expr_text(expr), negate)
        key, domain = variable
        chosen = frozenset(values)
        if isinstance(domain, Num):
            if not all(isinstance(v, float) for v in values):
                return self._atom(expr_text(expr), negate)
            constraint: Domain = Num(excluded=chosen) if negate else Num(allowed=chosen)
            return _leaf(key, domain.meet(constraint))
        constraint = Choice(excluded=chosen) if negate else Choice(allowed=chosen)
        return _leaf(key, domain.meet(constraint))

    def _in_range(self, expr: ast.InRange, negate: bool) -> list[Term]:
        variable = self._variable(expr.value)
        if variable is None or not isinstance(variable[1], Num):
            return self._atom(expr_text(expr), negate)
        key, domain = variable
        low, high = expr.low.value, expr.high.value
        if negate:
            return [*_leaf(key, domain.meet(Num(hi=low, hi_open=True))),
                    *_leaf(key, domain.meet(Num(lo=high, lo_open=True)))]
        return _leaf(key, domain.meet(Num(lo=low, hi=high)))

    def _variable(self, value: ast.Value) -> tuple[str, Domain] | None:
        """The variable a value reads, with its natural domain; None for constants."""
        found = self._domain(value)
        if found is not None:
            self._reads.update(_reads(value))
        return found

    def _domain(self, value: ast.Value) -> tuple[str, Domain] | None:
        match value:
            case ast.StageValue():
                return "stage", self._stage_domain
            case ast.ScoreValue():
                return "score", Num()
            case ast.RfmValue():
                return value_text(value), Num(1, 5, integer=True)
            case ast.CountValue():
                return value_text(value), Num(lo=0, integer=True)
            case ast.DaysSinceValue() | ast.SumValue():
                return value_text(value), Num(lo=0)
            case ast.Arith():
                return value_text(value), Num()
            case ast.NameValue(name=name):
                return self._attribute(name)
        return None

    def _attribute(self, name: str) -> tuple[str, Domain] | None:
        kind, values = self.vocabulary.attribute_types.get(name, ("", ()))
        if kind == "number":
            return name, Num()
        if kind == "bool":
            return name, Choice(universe=_BOOLS)
        if kind == "enum":
            return name, Choice(universe=frozenset(values) or None)
        if kind == "string":
            return name, Choice()
        return None

    def _constant(self, variable: ast.Value, value: ast.Value) -> float | str | bool | None:
        """The literal a variable is compared with, in the variable's terms (stage ranks)."""
        match value:
            case ast.BoolLit(value=flag):
                return flag
            case ast.Number(value=number) | ast.Percent(value=number):
                return float(number)
            case ast.StringLit(value=text):
                return text
            case ast.NameValue(name=name) if isinstance(variable, ast.StageValue):
                stages = list(self.vocabulary.stages)
                return float(stages.index(name)) if name in stages else None
        return None


def _reads(value: ast.Value) -> set[str]:
    """The fact keys a value reads (see Fact)."""
    match value:
        case ast.Arith(left=left, right=right):
            return _reads(left) | _reads(right)
        case ast.StageValue():
            return {"stage"}
        case ast.ScoreValue():
            return {"score"}
        case ast.RfmValue():
            return {"rfm"}
        case ast.CountValue() | ast.DaysSinceValue() | ast.SumValue():
            return {"events"}
        case ast.NameValue(name=name):
            return {name}
    return set()


def _whole_at_least(bound: float, strict: bool) -> float:
    """The smallest whole number above (or at, unless strict) the bound."""
    if math.isinf(bound):
        return bound
    if float(bound).is_integer():
        return bound + 1 if strict else bound
    return float(math.floor(bound) + 1)


def _num_constraint(op: str, value: float) -> Num:
    match op:
        case "==":
            return Num(value, value)
        case "!=":
            return Num(excluded=frozenset({value}))
        case "<":
            return Num(hi=value, hi_open=True)
        case "<=":
            return Num(hi=value)
        case ">":
            return Num(lo=value, lo_open=True)
    return Num(lo=value)


def _leaf(key: str, domain: Domain) -> list[Term]:
    """One constraint as a DNF: no terms when no value meets it."""
    return [] if domain.empty() else [{key: domain}]


def _atom(text: str, negate: bool) -> list[Term]:
    """An opaque yes/no condition, identified by its canonical text."""
    return [{f"? {text}": Choice(frozenset({not negate}), universe=_BOOLS)}]


def _product(left: list[Term], right: list[Term]) -> list[Term]:
    """The conjunction of two DNFs, dropping terms no customer can meet."""
    result = []
    for a in left:
        for b in right:
            term = _meet(a, b)
            if term is not None:
                result.append(term)
                if len(result) > MAX_TERMS:
                    raise TooManyTerms
    return result


def _meet(a: Term, b: Term) -> Term | None:
    term = dict(a)
    for key, domain in b.items():
        mine = term.get(key)
        if mine is not None:
            if type(mine) is not type(domain):
                continue
            domain = mine.meet(domain)  # type: ignore[arg-type]
        if domain.empty():
            return None
        term[key] = domain
    return term


def without_keys(facts: Sequence[Fact], keys: Iterable[str]) -> tuple[Fact, ...]:
    """The facts that do not mention any of the given variables."""
    dropped = set(keys)
    return tuple(f for f in facts if not (f.keys & dropped))

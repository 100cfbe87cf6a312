"""What is known about a customer at each branch of a journey, for finding dead branches.

Known at a step: the audience (checked at entry), the negation of every `exit when` (checked
before every step), the conditions of enclosing branches and the negations of the branches
before them, and what the journey's own steps just set (`stage`, `tag`, `untag`, `score =`).
Facts about customer attributes that no step of the program `set`s stay known; every other
fact (stage, score, tags, counts, events) is forgotten at the next wait, because other
journeys, staff and the customer change them meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sopdsl.syntax import ast
from sopdsl.lint.intervals import Fact, Reasoner, without_keys
from sopdsl.syntax.walk import nested_steps

Facts = tuple[Fact, ...]
_WAITS = (ast.Wait, ast.WaitUntilTime, ast.WaitUntilDay)
_CHANGES = (ast.TagStep, ast.UntagStep, ast.StageStep, ast.ScoreStep, ast.SetStep)


@dataclass(frozen=True)
class DeadBranch:
    """A branch no customer can take: where, and whether earlier branches are the cause."""

    node: ast.Node
    condition: ast.Expr | None  # None for an `else`
    by_earlier: bool


class BranchFacts:
    """Walks a journey's steps carrying facts; collects the branches that cannot be taken."""

    def __init__(self, reasoner: Reasoner, stable: Callable[[str], bool]) -> None:
        self.reasoner = reasoner
        self.stable = stable
        self.permanent: Facts = ()
        self.dead: list[DeadBranch] = []

    def journey(self, journey: ast.Journey) -> list[DeadBranch]:
        """The dead branches of one journey, in source order."""
        start = [self.reasoner.fact(c.expr) for c in journey.clauses if isinstance(c, ast.Audience)]
        self.permanent = tuple(f for c in journey.clauses if isinstance(c, ast.ExitWhen)
                               if (f := self.reasoner.fact(c.expr, holds=False)) is not None)
        self.dead = []
        self.steps(journey.steps, tuple(f for f in start if f is not None))
        return self.dead

    def steps(self, steps: Sequence[ast.Step], facts: Facts) -> Facts:
        for step in steps:
            facts = self.step(step, facts)
        return facts

    def step(self, step: ast.Step, facts: Facts) -> Facts:
        match step:
            case ast.If():
                return self._if(step, facts)
            case ast.Split(arms=arms):
                return _common([self.steps(arm.steps, facts) for arm in arms] or [facts])
            case ast.WaitFor(then=then, timeout=timeout):
                after = self._forget(facts)
                return _common([self.steps(then or [], after), self.steps(timeout or [], after)])
            case ast.RepeatN(steps=body) | ast.RepeatUntil(steps=body):
                rounds = without_keys(self._forget(facts), _changed(body))
                self.steps(body, rounds)
                return rounds
            case ast.Send(at=at) if at is not None:
                return self._forget(facts)
            case _ if isinstance(step, _WAITS):
                return self._forget(facts)
        return self._effect(step, facts)

    def _if(self, step: ast.If, facts: Facts) -> Facts:
        known = (*facts, *self.permanent)
        earlier: list[Fact] = []
        outcomes = []
        for branch in step.branches:
            here = self.reasoner.fact(branch.condition)
            if self._never(branch.condition, known, earlier):
                self.dead.append(DeadBranch(branch, branch.condition,
                                            self.reasoner.can_hold(branch.condition, known) is not False))
            outcomes.append(self.steps(branch.steps, (*facts, *earlier, *([here] if here else []))))
            negated = self.reasoner.fact(branch.condition, holds=False)
            if negated is not None:
                earlier.append(negated)
        if step.otherwise and self.reasoner.consistent((*known, *earlier)) is False \
                and not any(self.reasoner.always_holds(b.condition) for b in step.branches):
            self.dead.append(DeadBranch(step.otherwise[0], None, True))
        outcomes.append(self.steps(step.otherwise or [], (*facts, *earlier)))
        return _common(outcomes)

    def _never(self, condition: ast.Expr, known: Facts, earlier: list[Fact]) -> bool:
        if self.reasoner.can_hold(condition) is False:
            return False  # never holds at all: condition-never-holds says so
        return self.reasoner.can_hold(condition, (*known, *earlier)) is False

    def _forget(self, facts: Facts) -> Facts:
        return tuple(f for f in facts if all(self.stable(k) for k in f.keys))

    def _effect(self, step: ast.Step, facts: Facts) -> Facts:
        if not isinstance(step, _CHANGES):
            return facts
        changed = _changed([step])
        kept = without_keys(facts, changed)
        known = _known_after(step)
        fact = self.reasoner.fact(known) if known is not None else None
        return (*kept, fact) if fact is not None else kept


def _changed(steps: Sequence[ast.Step]) -> set[str]:
    """The fact keys the steps (and the steps inside them) can change."""
    keys: set[str] = set()
    for place in nested_steps(steps):
        match place.step:
            case ast.TagStep(tag=tag) | ast.UntagStep(tag=tag):
                keys.add(f"tag {tag.text}")
            case ast.StageStep():
                keys.add("stage")
            case ast.ScoreStep():
                keys.add("score")
            case ast.SetStep(attribute=attribute):
                keys.add(attribute.name)
    return keys


def _known_after(step: ast.Step) -> ast.Expr | None:
    """The condition a state-changing step makes true, as an expression."""
    span = step.span
    match step:
        case ast.TagStep(tag=tag):
            return ast.TagTest(span=span, tag=tag)
        case ast.UntagStep(tag=tag):
            return ast.Not(span=span, operand=ast.TagTest(span=span, tag=tag))
        case ast.StageStep(stage=stage):
            return ast.Compare(span=span, op="==", left=ast.StageValue(span=span),
                               right=ast.NameValue(span=span, name=stage.name))
        case ast.ScoreStep(op="=", amount=amount):
            return ast.Compare(span=span, op="==", left=ast.ScoreValue(span=span), right=amount)
    return None


def _common(outcomes: list[Facts]) -> Facts:
    """The facts every outcome still holds (facts are shared objects, compared by identity)."""
    first, *rest = outcomes
    return tuple(f for f in first if all(any(f is g for g in other) for other in rest))

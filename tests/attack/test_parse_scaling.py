"""A file's declarations parse in linear work: no reduction copies the list grown so far."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.syntax import reductions
from sopdsl.syntax.parser import parse_text

JOURNEY = 'journey j{i} "t{i}" {{\n  when e\n  send c via private_chat\n  wait 1d\n}}\n'


def playbook(count: int) -> str:
    """`count` journeys after the declarations they use."""
    return 'event e\ncontent c: text "hi"\n' + "".join(JOURNEY.format(i=i) for i in range(count))


def elements_moved(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many list elements the parse's reductions moved from one list into another.

    A list handed to a reduction that does not come back as the reduction's own list was
    copied (or consumed by a node): its length is counted.
    """
    moved = 0
    real = reductions.parse_with_callbacks

    def counting(body: str, callbacks: dict) -> object:
        def wrap(callback: Callable[[list], object]) -> Callable[[list], object]:
            def reduce(stack_values: list) -> object:
                nonlocal moved
                lists = [value.value for value in stack_values
                         if isinstance(value, reductions._Built) and isinstance(value.value, list)]
                result = callback(stack_values)
                moved += sum(len(each) for each in lists if each is not result.value)
                return result
            return reduce
        return real(body, {rule: wrap(callback) for rule, callback in callbacks.items()})

    with monkeypatch.context() as patch:
        patch.setattr(reductions, "parse_with_callbacks", counting)
        module, diagnostics = parse_text(text)
    assert module is not None and diagnostics == []
    return moved


def test_four_times_the_declarations_move_four_times_the_elements(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying the declaration list at each declaration moved N^2/2 elements (quadratic)."""
    small = elements_moved(playbook(500), monkeypatch)
    large = elements_moved(playbook(2000), monkeypatch)
    assert large <= 4 * small + 100


@settings(max_examples=15, deadline=None, derandomize=True)
@given(st.integers(min_value=1, max_value=400))
def test_elements_moved_grow_linearly_with_the_declarations(count: int) -> None:
    """Each journey moves a bounded number of elements, however many came before it."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        moved = elements_moved(playbook(count), monkeypatch)
    assert moved <= 20 * (count + 2)


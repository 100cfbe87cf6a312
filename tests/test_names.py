"""Names in the code: one meaning per class name, and one root for the library's exceptions."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections import defaultdict
from pathlib import Path

import pytest

import sopdsl
from sopdsl.errors import SopdslError
from programs import ROOT

# A step, a goal or a journey has the same name in every form it takes: the syntax node in
# `sopdsl.syntax.ast` and its compiled instruction, checked setting or published document.
# Any other repeated class name is two meanings under one name.
SYNTAX_FORM = "sopdsl/syntax/ast/"


def _modules() -> list[Path]:
    return sorted([*(ROOT / "sopdsl").rglob("*.py"), *(ROOT / "simulator").rglob("*.py")])


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def test_no_two_public_classes_share_a_name():
    """A class name means one thing, except a construct's syntax node and its other forms."""
    homes: dict[str, list[str]] = defaultdict(list)
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                homes[node.name].append(str(path.relative_to(ROOT)))
    clashes = {name: places for name, places in homes.items()
               if len(places) > 1 and not any(p.startswith(SYNTAX_FORM) for p in places)}
    assert not clashes, f"class names used for different things: {clashes}"
    paired = {name: places for name, places in homes.items() if len(places) > 2}
    assert not paired, f"a syntax node's name used by more than one other class: {paired}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_exception_derives_from_sopdsl_error(path: Path):
    """`except sopdsl.SopdslError` catches whatever the library raises of its own."""
    module = importlib.import_module(_module_name(path))
    own = [value for value in vars(module).values()
           if inspect.isclass(value) and issubclass(value, BaseException)
           and value.__module__ == module.__name__]
    stray = [cls.__name__ for cls in own if not issubclass(cls, SopdslError)]
    assert not stray, f"{path.relative_to(ROOT)}: {stray} do not derive from SopdslError"


def test_the_root_is_exported():
    assert sopdsl.SopdslError is SopdslError

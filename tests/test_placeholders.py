"""Placeholders read alike by the checker, lint and the planner: texts made of pieces whose
meaning is known (literal text, escaped braces, placeholders, groups that are not placeholders)
check clean exactly when every group is a placeholder, and then plan as those meanings."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from sopdsl.api import load_text
from sopdsl.lint.usage import collect_usage
from sopdsl.planning.planner import PlanSettings, Planner
from sopdsl.runtime.customer import Event
from sopdsl.runtime.replay import CustomerData

NAME = "Ada"
BAD = None  # the meaning of a group that is not a placeholder: E210
# (as written in a playbook string, what it reads as in a plan)
PIECES = [
    ("\\u{7B}customer.name}", "{customer.name}"),  # an escaped brace opens no placeholder
    ("\\u{7B}customer.name\\u{7D}", "{customer.name}"),
    ("\\u{7B}", "{"),
    ("\\\\", "\\"),
    ("{customer.name}", NAME),
    ("{{customer.name}}", "{" + NAME + "}"),  # doubled braces are not an escape
    ("{customer.city}", ""),  # a declared attribute the customer has no value for
    ("{owner.name}", "g1"),  # no staff file: the owner's id
    ("{customer.nope}", BAD),
    ("{ customer.name }", BAD),
    ("{name}", BAD),
    ("{}", BAD),
]
literal = st.text(alphabet="ab 你好.:customerownamy", min_size=1, max_size=6)
piece = st.one_of(st.sampled_from(PIECES), literal.map(lambda text: (text, text)))


def playbook(text: str) -> str:
    return (f'role guide "g"\ncontent c: text "{text}"\njourney j {{\n  when friend_added\n'
            f'  send c via sms\n  task guide "{text}"\n}}\n')


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(piece, max_size=6))
def test_check_and_plan_read_placeholders_alike(pieces: list[tuple[str, str | None]]) -> None:
    """A text checks clean exactly when all its groups are placeholders; its content and task
    then plan as the pieces mean, and lint counts the attributes they name."""
    written = "".join(source for source, _ in pieces)
    program = load_text(playbook(written))
    codes = [d.code for d in program.diagnostics]
    if any(meaning is BAD for _, meaning in pieces):
        assert codes and set(codes) == {"E210"}, codes
        return
    assert codes == []
    expected = "".join(meaning for _, meaning in pieces)
    planner = Planner(program, PlanSettings(dt.datetime(2026, 12, 1), 1))
    tasks, _ = planner.plan_customer(CustomerData("c1", owner="g1", attributes={"name": NAME}),
                                     [Event("friend_added", 0.0)])
    assert [(t.kind, t.text) for t in tasks] == [("send", expected), ("task", expected)]
    used = {"name"} & collect_usage(program).attributes
    named = {"{customer.name}", "{{customer.name}}"} & {source for source, _ in pieces}
    assert used == ({"name"} if named else set())

"""The words and styles of a drawn workflow: node and edge labels, expressions as short text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sopdsl.builtins import channel_kind
from sopdsl.fmt.exprs import events_text, expr_text, trigger_text
from sopdsl.fmt.statements import escalation_text, step_text
from sopdsl.syntax import ast
from sopdsl.render.text import display_width

MAX_LABEL = 48  # display columns; a CJK character takes two
# Fonts that draw Chinese, most wanted first; DejaVu Sans (matplotlib's own) draws the rest.
FONT_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "DejaVu Sans",
)

WAIT_KINDS = frozenset({"wait", "wait_until_time", "wait_until_day"})


@dataclass(frozen=True)
class Style:
    """How one class of node looks: DOT shape, Mermaid brackets, fill and border colours."""

    dot_shape: str
    mermaid: tuple[str, str]
    fill: str
    border: str


STYLES: dict[str, Style] = {
    "trigger": Style("invhouse", ('>"', '"]'), "#bfdbfe", "#1d4ed8"),
    "send": Style("box", ('("', '")'), "#fde68a", "#b45309"),
    "staff": Style("box", ('("', '")'), "#fed7aa", "#c2410c"),
    "update": Style("box", ('("', '")'), "#e5e7eb", "#4b5563"),
    "wait": Style("ellipse", ('(["', '"])'), "#f3f4f6", "#6b7280"),
    "branch": Style("diamond", ('{"', '"}'), "#ddd6fe", "#6d28d9"),
    "repeat": Style("hexagon", ('{{"', '"}}'), "#c7d2fe", "#4338ca"),
    "flow": Style("box", ('("', '")'), "#e0f2fe", "#0369a1"),
    "end": Style("circle", ('(("', '"))'), "#d1d5db", "#374151"),
    "exit": Style("octagon", ('[["', '"]]'), "#fca5a5", "#b91c1c"),
    "goal": Style("doublecircle", ('((("', '")))'), "#86efac", "#15803d"),
    "any": Style("note", ('[/"', '"/]'), "#fef3c7", "#92400e"),
}

_CLASS_OF_KIND = {
    "send": "send",
    "task": "staff", "notify": "staff", "handoff": "staff",
    "tag_step": "update", "untag_step": "update", "score_step": "update",
    "stage_step": "update", "set_step": "update",
    "if": "branch", "split": "branch", "wait_for": "branch",
    "repeat_n": "repeat", "repeat_until": "repeat",
    "enter": "flow", "exit_step": "flow",
    **{kind: "wait" for kind in WAIT_KINDS},
}


def node_class(kind: str) -> str:
    """The style class of a node kind (a key of STYLES)."""
    return _CLASS_OF_KIND.get(kind, kind)


def local_id(node: str) -> str:
    """A node id without its journey prefix (`onboarding/4.then/1` is `4.then/1`)."""
    return node.split("/", 1)[1]


def node_text(attrs: dict[str, Any]) -> str:
    """What a node says: the step or trigger as written; `if` and waits leave the rest to edges."""
    kind = attrs["kind"]
    if kind == "if" or kind in WAIT_KINDS:
        return "if" if kind == "if" else "wait"
    if kind == "send":
        # The kind of send: a post or mass send is one staff action for all it reaches.
        return f"{step_text(attrs['step'])} · {channel_kind(attrs['step'].channel.name)}"
    if "step" in attrs:
        step = attrs["step"]
        if isinstance(step, ast.Task) and step.escalation:
            # The ladder's rungs, in order: a reader sees who hears of an undone task when.
            return step_text(step) + " · escalate " + ", ".join(
                escalation_text(e) for e in step.escalation)
        return step_text(step)
    if kind == "trigger":
        return "when " + trigger_text(attrs["trigger"])
    if kind == "goal":
        goal = attrs["goal"]
        return ("goal " if goal.terminal else "milestone ") + goal.name.name
    return {"end": "end", "exit": "exit", "any": "at any time"}[kind]


def edge_text(attrs: dict[str, Any], source: dict[str, Any], loop: bool = True) -> str:
    """What an edge says: its condition, share, wait or watched events ("" for plain flow).

    A loop's back edge also says `every D` unless loop is False (for drawings that say it apart).
    """
    text = _kind_text(attrs)
    if source["kind"] in WAIT_KINDS and attrs["kind"] in ("next", "repeat"):
        text = step_text(source["step"]).removeprefix("wait ")
    if loop and attrs.get("back"):
        text = " · ".join(t for t in (text, "every " + attrs["wait"].text) if t)
    return text


def _kind_text(attrs: dict[str, Any]) -> str:
    match attrs["kind"]:
        case "if" | "elif" as kind:
            return f"{kind} {expr_text(attrs['condition'])}"
        case "else" | "then" | "enter" as kind:
            return kind
        case "timeout":
            return "timeout " + attrs["within"].text
        case "arm":
            return f"{attrs['share'] * 100:g}% {attrs['name']}"
        case "loop_exit":
            return "done"
        case "goal":
            return f"{events_text(attrs['events'])} within {attrs['within'].text}"
        case "exit_on":
            return "exit on " + events_text(attrs["events"])
        case "exit_when":
            return "exit when " + expr_text(attrs["condition"])
    return ""


def short(text: str, limit: int = MAX_LABEL) -> str:
    """The text on one line, cut to `limit` display columns with an ellipsis."""
    flat = " ".join(text.split())
    if display_width(flat) <= limit:
        return flat
    out, width = [], 0
    for char in flat:
        width += display_width(char)
        if width > limit - 1:
            break
        out.append(char)
    return "".join(out) + "…"

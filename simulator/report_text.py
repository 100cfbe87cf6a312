"""A forecast report as terminal text: funnel, KPIs, journeys (goals, steps, arms), staff."""

from __future__ import annotations

import io
from typing import Any

from sopdsl.builtins import CHANNEL_FACTS

RATE_KPIS = ("task_completion_rate", "interaction_rate", "purchase_rate", "unfriend_rate", "roi")
KPI_LABELS = {
    "task_completion_rate": "task completion rate",
    "interaction_rate": "interaction rate",
    "purchase_rate": "purchase rate",
    "unfriend_rate": "unfriend rate",
    "gmv": "GMV",
    "aov": "average order value",
    "revenue_per_customer": "revenue per customer",
    "cac": "CAC",
    "roi": "ROI (gross)",
}
LIFT_LABELS = {
    "purchases": "purchases", "purchasers": "purchasers", "gmv": "GMV",
    "unfriends": "unfriends", "cost": "cost",
}
INTERVAL = "95% interval"
NOT_AVAILABLE = "n/a"  # a rate with nothing eligible: not zero, not known


def render_report(report: dict, *, color: bool = False, width: int = 100) -> str:
    """The report as rich tables, the way an operator reads a forecast top to bottom."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system="standard" if color else None,
                      force_terminal=color, highlight=False)
    for part in _parts(report):
        console.print(part)
    return "".join(f"{line.rstrip()}\n" for line in console.file.getvalue().splitlines())


def number(value: float) -> str:
    """A count or amount, with as many decimals as a reader needs."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"


def money(value: float) -> str:
    """An amount of money: two decimals, thousands separated."""
    return f"{value:,.2f}"


def percent(value: float) -> str:
    """A share as a percentage: one decimal, two below 10%."""
    shown = value * 100
    return f"{shown:,.1f}%" if abs(shown) >= 10 else f"{shown:.2f}%"


def mean(figure: dict | None, show=number) -> str:
    """A figure's mean; `n/a` for an undefined one (a rate with nothing eligible)."""
    return NOT_AVAILABLE if figure is None else show(figure["mean"])


def interval(figure: dict | None, show=number) -> str:
    """`lo – hi` of a figure's 95% interval; `n/a` for an undefined figure."""
    if figure is None:
        return NOT_AVAILABLE
    low, high = figure["ci95"]
    return f"{show(low)} – {show(high)}"


def _parts(report: dict) -> list[Any]:
    from rich.markup import escape

    parts: list[Any] = [_heading(report["meta"]), "", "[bold]Funnel[/]", _funnel(report),
                        "", "[bold]KPIs (gross)[/]", _kpis(report["kpis"])]
    if report.get("lift"):
        parts += ["", "[bold]Lift over the baseline (the same customers without the playbook)[/]",
                  *_lift(report["lift"])]
    for name, journey in report["journeys"].items():
        parts += ["", *_journey(name, journey)]
    if report["staff"]:
        parts += ["", "[bold]Staff[/]", _staff(report["staff"])]
        sla = _sla(report["staff"])
        if sla is not None:
            parts += ["", "[bold]Task SLAs[/] (tasks with a due time)", sla]
    parts += ["", _sends(report["totals"])]
    if report.get("unreached_steps"):
        steps = ", ".join(f"{escape(row['step'])} ({escape(row['journey'])})"
                          for row in report["unreached_steps"])
        parts.append(f"Steps no run reached: {steps}.")
    parts += [f"Note: {note}." for note in report["meta"]["notes"]]
    return parts


def _heading(meta: dict) -> str:
    from rich.markup import escape

    if meta["method"] == "exact":
        method = "exact forecast"
    else:
        runs = meta["replications"]
        method = f"Monte Carlo, {runs} replication{'s' if runs != 1 else ''} (seed {meta['seed']})"
    customers = meta["customers"]
    return (f"[bold]Forecast of {escape(meta['playbook'])}[/]\n"
            f"scenario `{escape(meta['scenario'])}`, {method}, "
            f"from {meta['start']} for {meta['horizon']}\n"
            f"customers {number(customers['mean'])} ({interval(customers)})")


def _table(*columns: str) -> Any:
    """A borderless table; every column after the first holds numbers and is right-aligned."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    first, *rest = columns
    table.add_column(first)
    for column in rest:
        table.add_column(column, justify="right")
    return table


def _funnel(report: dict) -> Any:
    table = _table("stage", "customers", INTERVAL, "share")
    customers = report["meta"]["customers"]["mean"]
    for stage, figure in report["funnel"].items():
        share = percent(figure["mean"] / customers) if customers else NOT_AVAILABLE
        table.add_row(stage, number(figure["mean"]), interval(figure), share)
    return table


def _kpis(kpis: dict) -> Any:
    table = _table("KPI", "mean", INTERVAL)
    for key, figure in kpis.items():
        show = percent if key in RATE_KPIS else money
        table.add_row(KPI_LABELS.get(key, key), mean(figure, show), interval(figure, show))
    return table


def _journey(name: str, journey: dict) -> list[Any]:
    counts = ", ".join(f"{key} {number(journey[key]['mean'])} ({interval(journey[key])})"
                       for key in ("entered", "completed", "exited"))
    parts: list[Any] = [f"[bold]Journey `{name}`[/]: {counts}"]
    if journey["goals"]:
        parts.append(_goals(journey["goals"]))
    if journey["steps"]:
        parts += ["", _steps(journey["steps"])]
        if any(_batched(figures.get("channel")) for figures in journey["steps"].values()):
            parts.append("actions: staff actions, one per mass send (private_chat), moments post "
                         "or group post however many customers it reaches (sent), one per chat; "
                         "delivered: the customers reached")
    for step_id, figures in journey["steps"].items():
        if "groups" in figures:
            parts.append(f"{step_id}: {number(figures['actions']['mean'])} group posts to "
                         f"{number(figures['groups']['mean'])} groups reached "
                         f"{number(figures['customers']['mean'])} customers "
                         f"({number(figures['delivered']['mean'])} deliveries)")
    for split, arms in journey["arms"].items():
        parts += ["", f"split `{split}`", _arms(arms)]
    return parts


def _goals(goals: dict) -> Any:
    table = _table("goal", "reached", "eligible", "rate", INTERVAL)
    for goal, figures in goals.items():
        rate = figures["rate"]
        table.add_row(goal, number(figures["reached"]["mean"]), number(figures["eligible"]["mean"]),
                      mean(rate, percent), interval(rate, percent))
    return table


def _steps(steps: dict) -> Any:
    fields = ("reached", "sent", "actions", "delivered", "opened", "clicked")
    table = _table("step", "via", "reached", "sent", "actions", "delivered", "opened", "clicked")
    table.columns[1].justify = "left"
    for step_id, figures in steps.items():
        channel = figures.get("channel")
        facts = CHANNEL_FACTS.get(channel or "")
        row = [number(figures[key]["mean"]) for key in fields]
        if facts is None or not facts.staff:
            row[2] = ""  # nobody's work
        table.add_row(step_id, channel or "", *row)
    return table


def _batched(channel: str | None) -> bool:
    return channel is not None and CHANNEL_FACTS[channel].batched


def _arms(arms: dict) -> Any:
    table = _table("arm", "entered", "spend / entry", "goal", "rate", INTERVAL)
    for arm, figures in arms.items():
        entered = number(figures["entered"]["mean"])
        spend = mean(figures.get("spend_per_entry"))
        if not figures["goals"]:
            table.add_row(arm, entered, spend, "-", "-", "-")
        for goal, goal_figures in figures["goals"].items():
            rate = goal_figures["rate"]
            table.add_row(arm, entered, spend, goal, mean(rate, percent),
                          interval(rate, percent))
            arm = entered = spend = ""
    return table


def _staff(staff: dict) -> Any:
    table = _table("role", "tasks", "done", "expired", "utilisation", "max backlog")
    for role, figures in staff.items():
        table.add_row(role, *(number(figures[key]["mean"]) for key in ("tasks", "done", "expired")),
                      mean(figures["utilisation"], percent),
                      number(figures["max_backlog"]["mean"]))
    return table


def _sla(staff: dict) -> Any | None:
    """Tasks with a due time per role: on time, late, missed, abandoned, the SLA hit rate;
    None when no role had any."""
    rows = {role: figures for role, figures in staff.items()
            if any(figures.get(key, {}).get("mean") for key in ("on_time", "late", "missed"))}
    if not rows:
        return None
    table = _table("role", "on time", "late", "missed", "abandoned", "SLA hit rate")
    for role, figures in rows.items():
        table.add_row(role, *(number(figures[key]["mean"])
                              for key in ("on_time", "late", "missed", "abandoned")),
                      mean(figures["sla_hit_rate"], percent))
    return table


def _lift(lift: dict) -> list[Any]:
    table = _table("figure", "with", "without", "increment", INTERVAL)
    rows = [(LIFT_LABELS[key], lift[key]) for key in LIFT_LABELS]
    rows += [(f"{journey} / {goal} events", row)
             for journey, goals in lift["goal_events"].items() for goal, row in goals.items()]
    for label, row in rows:
        show = money if label in ("GMV", "cost") else number
        increment = row["increment"]
        table.add_row(label, mean(row["playbook"], show), mean(row["baseline"], show),
                      mean(increment, show), interval(increment, show))
    roi = lift["incremental_roi"]
    return [table, f"incremental ROI {mean(roi, percent)} ({interval(roi, percent)})"]


def _sends(totals: dict) -> str:
    line = (f"Sends: {number(totals['sends']['mean'])} asked, "
            f"{number(totals['delivered']['mean'])} delivered")
    dropped = totals["dropped"]
    if dropped:
        reasons = ", ".join(f"{reason} {number(figure['mean'])}"
                            for reason, figure in dropped.items())
        line += f"; not delivered: {reasons}"
    return line + "."

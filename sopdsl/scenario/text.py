"""The effective scenario as readable text: grouped tables, values written as a playbook would."""

from __future__ import annotations

import io

from sopdsl.scenario.defaults import default_staff
from sopdsl.scenario.distributions import duration_text
from sopdsl.scenario.model import (
    MULTIPLIER_KEYS, AgeAttribute, CalendarAttribute, DateRangeAttribute, DistributionAttribute, Multipliers, Scenario, Staff,
)


def render_scenario(scenario: Scenario, *, color: bool = False, width: int = 100) -> str:
    """The scenario as rich tables, one group per block of the language."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system="standard" if color else None,
                      force_terminal=color, highlight=False)
    origin = scenario.declared_at or "built in"
    console.print(f"[bold]Scenario `{scenario.name}`[/] ({origin})", markup=True)
    for title, table in (_run(scenario), *_population(scenario), _staff(scenario),
                         _channels(scenario), _purposes(scenario), _purchase(scenario),
                         _fatigue(scenario), _effects(scenario), _events(scenario),
                         *_groups(scenario), _cost(scenario)):
        console.print()
        console.print(f"[bold]{title}[/]", markup=True)
        console.print(table)
    return "".join(f"{line.rstrip()}\n" for line in console.file.getvalue().splitlines())


def percent(value: float) -> str:
    """0.0015 -> `0.15%`."""
    return f"{round(value * 100, 6):g}%"


def multiplier(value: float) -> str:
    """1.3 -> `x1.3`."""
    return f"x{value:g}"


def _table(title: str, *columns: str) -> tuple[str, object]:
    """A titled table; the title is printed above it, so a narrow table never wraps it."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column)
    return title, table


def _add(titled: tuple[str, object], *cells: str) -> None:
    titled[1].add_row(*cells)


def _pairs(title: str, rows: list[tuple[str, str]]):
    table = _table(title, "setting", "value")
    for row in rows:
        _add(table, *row)
    return table


def _run(scenario: Scenario):
    return _pairs("Run", [
        ("start", scenario.start.isoformat()),
        ("horizon", duration_text(scenario.horizon_minutes)),
        ("replications", str(scenario.replications)),
        ("seed", str(scenario.seed)),
    ])


def _population(scenario: Scenario) -> list:
    people = scenario.population
    summary = _pairs("Population", [
        ("customers at start", f"{people.size:,}"),
        ("arrivals", f"{people.arrivals_per_day:g}/day"),
        ("owner", people.owner or "(no role declared)"),
    ])
    attributes = _table("Attributes", "attribute", "values")
    for name, attribute in people.attributes.items():
        _add(attributes, name, _attribute_text(attribute))
    shares = _table("Tags and stages", "tag or stage", "share")
    for tag, share in people.tags.items():
        _add(shares, f'tag "{tag}"', percent(share))
    for stage, share in people.stages.items():
        _add(shares, f"stage {stage}", percent(share))
    history = _table("History at start", "event", "per customer", "within")
    for event, past in people.history.items():
        _add(history, event, past.count.text(), duration_text(past.within_minutes))
    return [summary, attributes, shares, history]


def _attribute_text(attribute: object) -> str:
    if isinstance(attribute, DistributionAttribute):
        return attribute.distribution.text()
    if isinstance(attribute, CalendarAttribute):
        return "uniform over the calendar"
    if isinstance(attribute, DateRangeAttribute):
        return f"uniform over {attribute.first}..{attribute.last}"
    if isinstance(attribute, AgeAttribute):
        return f"{attribute.age.text()} before the start"
    return ", ".join(f"{_value_text(s.value)} {percent(s.share)}" for s in attribute.shares)


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}"


def _staff(scenario: Scenario):
    table = _table("Staff", "role", "members", "capacity", "completion", "delay", "patience",
                   "reminder", "hours")
    rows = dict(scenario.staff)
    if not rows:
        # Without a playbook there are no roles; show what declared roles would get.
        size, owner = scenario.population.size, "(owner role)"
        rows = {owner: Staff.model_validate(default_staff(owner, size, owner)),
                "(other roles)": Staff.model_validate(default_staff("(other roles)", size, owner))}
    for role, staff in rows.items():
        _add(table, role, str(staff.count), f"{staff.capacity_per_day:g}/day",
                      percent(staff.completion), staff.delay.text(),
                      staff.patience.text() if staff.patience else "none",
                      percent(staff.reminder),
                      f"{staff.hours.start}-{staff.hours.end}")
    return table


def _channels(scenario: Scenario):
    table = _table("Channels (per delivered message; click and reply given open)",
                   "channel", "open", "click", "reply", "unfriend", "delay")
    for name, channel in scenario.channels.items():
        _add(table, name, *(_written(scenario, f"channels.{name}.{key}", getattr(channel, key))
                            for key in ("open", "click", "reply", "unfriend")),
             channel.delay.text())
    return table


def _written(scenario: Scenario, path: str, value: float, shown=percent) -> str:
    """A value as the scenario writes it: the distribution it is drawn from, or the value."""
    drawn = scenario.drawn.get(path)
    if drawn is None:
        return shown(value)
    written = drawn.distribution.model_copy(update={"low": None, "high": None}).text()
    return f"{written}{' per customer' if drawn.per_customer else ''} (mean {shown(value)})"


def _purposes(scenario: Scenario):
    table = _table("Content purposes", "purpose", *MULTIPLIER_KEYS)
    for name, factors in scenario.purposes.items():
        _add(table, name, *(multiplier(getattr(factors, key)) for key in MULTIPLIER_KEYS))
    return table


def _purchase(scenario: Scenario):
    buying = scenario.purchase
    rows = [("after click", f"{_written(scenario, 'purchase.after_click', buying.after_click)} "
                            f"within {duration_text(buying.within_minutes)}")]
    if buying.bgnbd is None:
        rows.insert(0, ("daily", _written(scenario, "purchase.daily", buying.daily)))
    else:
        rows.insert(0, ("bgnbd", _model_text(scenario, "purchase.bgnbd", buying.bgnbd)))
    if buying.gamma_gamma is None:
        rows.append(("value", f"{buying.value.text()} (mean {buying.value.mean:.2f})"))
    else:
        spend = _model_text(scenario, "purchase.gamma_gamma", buying.gamma_gamma)
        rows.append(("value", f"gamma_gamma {spend} (mean {buying.mean_value:.2f})"))
    return _pairs("Purchase", rows)


def _model_text(scenario: Scenario, path: str, model: object) -> str:
    """A latent model's parameters as its block writes them (drawn jointly: the written
    values, the covariance and the means of the draws)."""
    joint = scenario.drawn_jointly.get(path)
    values = {key: value for key, value in model.model_dump().items() if key != "per_minutes"}
    if joint is None:
        parts = [f"{key} {_written(scenario, f'{path}.{key}', value, _number)}"
                 for key, value in values.items()]
    else:
        parts = [f"{key} {_number(value)}" for key, value in zip(joint.names, joint.medians)]
    if getattr(model, "per_minutes", None) is not None:
        parts.append(f"per {duration_text(model.per_minutes)}")
    if joint is not None:
        means = ", ".join(f"{key} {_number(value)}" for key, value in values.items())
        parts.append(f"log_covariance {{ {'  '.join(joint.rows_text())} }} "
                     f"(drawn jointly; means {means})")
    return "  ".join(parts)


def _number(value: float) -> str:
    return f"{value:.6g}"


def _fatigue(scenario: Scenario):
    table = _table("Fatigue (the highest threshold passed applies)", "above", "per", "multipliers")
    for rule in scenario.fatigue:
        _add(table, str(rule.above), duration_text(rule.window_minutes),
                      _changed(rule.multipliers))
    return table


def _effects(scenario: Scenario):
    table = _table("Effects", "where", "multipliers")
    for effect in scenario.effects:
        _add(table, effect.condition, _changed(effect.multipliers))
    if not scenario.effects:
        _add(table, "(none)", "")
    return table


def _events(scenario: Scenario):
    table = _table("Other events (daily, and after a click on any message)",
                   "event", "daily", "after click")
    for name, behaviour in scenario.events.items():
        after = _written(scenario, f"events.{name}.after_click", behaviour.after_click)
        _add(table, name, _written(scenario, f"events.{name}.daily", behaviour.daily),
             f"{after} within {duration_text(behaviour.within_minutes)}")
    if not scenario.events:
        _add(table, "(none)", "", "")
    return table


def _groups(scenario: Scenario) -> list:
    """The customer groups, when the scenario describes any."""
    groups = scenario.groups
    if groups is None:
        return []
    count = (f"{groups.total} in all" if groups.total is not None
             else f"{1 if groups.per_owner is None else groups.per_owner} per member")
    return [_pairs("Customer groups", [
        ("owner", groups.owner or "(none)"), ("groups", count),
        ("capacity", f"{groups.capacity} members"), ("members at the start",
                                                     percent(groups.members)),
    ])]


def _cost(scenario: Scenario):
    return _pairs("Cost", [
        ("per arrival", f"{scenario.cost.per_arrival:g}"),
        ("per send", f"{scenario.cost.per_send:g}"),
    ])


def _changed(factors: Multipliers) -> str:
    """The multipliers other than x1, as a playbook writes them."""
    changed = [f"{key} {multiplier(getattr(factors, key))}" for key in MULTIPLIER_KEYS
               if getattr(factors, key) != 1]
    return "  ".join(changed) or "(none)"

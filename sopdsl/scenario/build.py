"""A playbook's `scenario` block as the effective scenario: checked, then merged over the defaults.

`effective_scenario` is what the simulator calls; `scenario_diagnostics` is what `sopdsl
check` reports. Both read scenarios through `build_scenario`, so checking and simulating
never disagree about what a scenario means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sopdsl.syntax import ast
from sopdsl.builtins import CHANNELS, PURPOSES
from sopdsl.diagnostics import Diagnostic, diag, did_you_mean, has_errors
from sopdsl.syntax.files import display_path
from sopdsl.checker.calendar_years import NEWER, calendar_gap, holiday_reader
from sopdsl.fmt.exprs import expr_text
from sopdsl.syntax.source import Span
from sopdsl.scenario.bounds import SizeProblem, size_problems
from sopdsl.scenario.defaults import (
    BUILTIN_NAME, STAFF_WORK, builtin_scenario, default_staff, default_values,
)
from sopdsl.scenario.model import (
    OWN_BEHAVIOUR, Drawn, FatigueRule, Multipliers, Scenario, ScenarioEffect,
)
from sopdsl.scenario.blocks import BLOCK_SETTINGS, first_of, put, read_settings, sort_block
from sopdsl.scenario.covariance import read_log_covariance
from sopdsl.scenario.joint import JointLognormal
from sopdsl.scenario.population import read_population
from sopdsl.scenario.values import (
    Findings, drawn, known, per_day, positive_minutes, probability, read_value, whole_number,
)

if TYPE_CHECKING:
    from sopdsl.checker.program import Program

# The scenario's own settings and the fields of the model they set.
TOP_FIELDS = {"start": "start", "horizon": "horizon_minutes", "replications": "replications",
              "seed": "seed"}
# Keys whose written value replaces the default whole instead of merging key by key.
REPLACED = frozenset({"stages"})
# Blocks named by a built-in name: item type -> (keyword, block kind, names, code, field).
NAMED_BLOCKS = {
    ast.ScChannel: ("channel", "channel", CHANNELS, "E222", "channels"),
    ast.ScPurpose: ("purpose", "multipliers", PURPOSES, "E214", "purposes"),
}
WHERE = "the scenario"
MODEL_EXAMPLES = {"bgnbd": "bgnbd { r 0.243  alpha 4.414  a 0.793  b 2.426  per 7d }",
                  "gamma_gamma": "value gamma_gamma { p 6.25  q 3.74  gamma 15.44 }"}


def effective_scenario(
    program: Program, name: str | None = None, *, today: dt.date | None = None
) -> tuple[Scenario | None, list[Diagnostic]]:
    """The scenario to simulate `program` with, defaults applied; None when it has errors.

    Without a name: the only scenario of the unit, else the one named `baseline`, else the
    built-in default. `default` names the built-in unless the unit declares a scenario so named.
    """
    if name is None:
        decl = default_choice(program)
    elif name in program.scenarios:
        decl = program.scenarios[name]
    elif name == BUILTIN_NAME:
        decl = None
    else:
        return None, [_unknown_scenario(program, name)]
    if decl is None:
        scenario = builtin_scenario(program, today=today)
        return scenario, _calendar_gap(None, program, scenario)
    return build_scenario(decl, program, today=today)


def default_choice(program: Program) -> ast.Scenario | None:
    """The scenario used when none is named (None: the built-in default)."""
    if len(program.scenarios) == 1:
        return next(iter(program.scenarios.values()))
    return program.scenarios.get("baseline")


def scenario_names(program: Program) -> list[str]:
    """The scenarios a playbook can be simulated with, the built-in default included."""
    return [*program.scenarios, *([BUILTIN_NAME] if BUILTIN_NAME not in program.scenarios else [])]


def scenario_diagnostics(program: Program) -> list[Diagnostic]:
    """Every problem in every scenario block of the unit."""
    return [d for decl in _scenario_decls(program) for d in build_scenario(decl, program)[1]]


def build_scenario(
    decl: ast.Scenario, program: Program, *, today: dt.date | None = None
) -> tuple[Scenario | None, list[Diagnostic]]:
    """The effective scenario of one block and its diagnostics; None when it has errors.

    After a syntax error in the unit the scenario is checked but not built: declarations
    it refers to may be missing.
    """
    found = Findings(check_names=not any(d.code.startswith("E1") for d in program.diagnostics))
    if found.diagnostics:
        return None, found.diagnostics
    patch = read_scenario(decl, program, found)
    if has_errors(found.diagnostics) or not found.check_names:
        return None, found.diagnostics
    written_staff = patch.pop("staff", {})
    values = _merge(default_values(program, today=today), patch)
    population = values["population"]
    if "groups" in patch:
        values["groups"] = {"owner": population["owner"], **patch["groups"]}
    values["staff"] = {
        role: _merge(default_staff(role, population["size"], population["owner"]),
                     written_staff.get(role, {}))
        for role in program.roles
    }
    values["name"] = decl.name.name
    values["declared_at"] = f"{decl.span.file}:{decl.span.line}"
    scenario = Scenario.model_validate(values)
    too_large = [diag("E320", _bound_span(decl, problem), problem.message, problem.hint)
                 for problem in size_problems(scenario)]
    if too_large:
        return None, found.diagnostics + too_large
    return scenario, found.diagnostics + _calendar_gap(decl, program, scenario)


def _calendar_gap(decl: ast.Scenario | None, program: Program,
                  scenario: Scenario) -> list[Diagnostic]:
    """W333 when the run's days leave the years of a holiday calendar the playbook reads, at
    the `start` or `horizon` that takes it there (else at what reads the calendar)."""
    last = scenario.start + dt.timedelta(minutes=scenario.horizon_minutes - 1)
    gap = calendar_gap(program, scenario.start, last)
    if gap is None:
        return []
    settings = {item.key.name: item for item in decl.items
                if isinstance(item, ast.ScSetting)} if decl is not None else {}
    start_covered = calendar_gap(program, scenario.start, scenario.start) is None
    written = settings.get("horizon" if start_covered else "start")
    span = written.values[0].span if written is not None and written.values else (
        decl.name.span if decl is not None else holiday_reader(program).span)
    what = (f"the scenario runs from {scenario.start} to {last}" if decl is not None else
            f"the built-in scenario runs from {scenario.start} to {last}")
    choose = "choose" if decl is not None else "declare a scenario with"
    return [diag("W333", span, f"{what}, but {gap}",
                 f"{choose} `start` and `horizon` within those years for a forecast with every "
                 f"holiday, or check that year's by hand; {NEWER}")]


def _bound_span(decl: ast.Scenario, problem: SizeProblem) -> Span:
    """The written value that makes the scenario too large (its name when none is written)."""
    settings = {item.key.name: item for item in decl.items if isinstance(item, ast.ScSetting)}
    population = settings.get("population")
    arrivals = next((item for item in (population.block or []) if isinstance(item, ast.ScSetting)
                     and item.key.name == "arrivals"), None) if population else None
    suspects = {
        "replications": [settings.get("replications")],
        "horizon": [settings.get("horizon")],
        "seed": [settings.get("seed")],
        "population": [population],
        "customers": [arrivals, population, settings.get("horizon")],
        "simulated_days": [settings.get("replications"), settings.get("horizon")],
    }
    for setting in suspects.get(problem.what, []):
        if setting is not None and setting.values:
            return setting.values[0].span
    for item in decl.items:
        if isinstance(item, ast.ScStaff) and item.role.name == problem.role:
            return item.count.span
    return decl.name.span


def read_scenario(decl: ast.Scenario, program: Program, found: Findings) -> dict:
    """What the block writes, as a patch over the defaults (diagnostics go to `found`)."""
    events = describable_events(program)
    block = sort_block(decl.items, "scenario", f"scenario `{decl.name.name}`", found, events)
    patch: dict = {TOP_FIELDS[key]: value
                   for key, value in read_settings(block, "scenario", found).items()}
    if "population" in block.settings:
        patch["population"] = read_population(block.settings["population"], program, found)
    for key, reader in (("purchase", _purchase), ("fatigue", _fatigue), ("cost", _cost)):
        items = _block_of(block.settings.get(key), found)
        if items is not None:
            patch[key] = reader(items, found)
    items = _block_of(block.settings.get("groups"), found)
    if items is not None:
        patch["groups"] = _groups(items, program, found)
    for event in events:
        items = _block_of(block.settings.get(event), found)
        if items is not None:
            patch.setdefault("events", {})[event] = _event(event, items, found)
    seen: dict = {}
    for item in block.items:
        _read_item(item, program, patch, seen, found)
    lifted = dict(_lift_drawn(patch, ()))
    drawn = {path: value for path, value in lifted.items() if isinstance(value, Drawn)}
    joint = {path: value for path, value in lifted.items() if path not in drawn}
    if drawn:
        patch["drawn"] = drawn
    if joint:
        patch["drawn_jointly"] = joint
    return patch


def _lift_drawn(values: dict, path: tuple[str, ...]
                ) -> Iterator[tuple[str, Drawn | JointLognormal]]:
    """Each value written as a distribution, by its dotted path, and each model whose
    parameters are drawn jointly, by the model's path; the patch keeps their means."""
    for key, value in list(values.items()):
        if isinstance(value, Drawn):
            values[key] = value.distribution.mean
            yield ".".join((*path, key)), value
        elif isinstance(value, JointLognormal):
            del values[key]
            values.update(value.means)
            yield ".".join(path), value
        elif isinstance(value, dict):
            yield from _lift_drawn(value, (*path, key))


def _read_item(item: ast.ScItem, program: Program, patch: dict, seen: dict,
               found: Findings) -> None:
    match item:
        case ast.ScStaff(role=role) if first_of(
                seen, ("staff", role.name), item, WHERE, found, f"`staff {role.name}`"):
            put(patch, "staff", role.name, _staff(item, program, found))
        case ast.ScChannel() | ast.ScPurpose():
            _named_block(item, patch, seen, found)
        case ast.ScEffect():
            patch.setdefault("effects", []).append(_effect(item, program, found))


def _named_block(item: ast.ScChannel | ast.ScPurpose, patch: dict, seen: dict,
                 found: Findings) -> None:
    what, kind, names, code, field = NAMED_BLOCKS[type(item)]
    name: ast.Ident = getattr(item, what)
    label = f"`{what} {name.name}`"
    if not first_of(seen, (what, name.name), item, WHERE, found, label):
        return
    values = _settings(item.block, kind, label, found)
    if known(name.name, names, code, name.span, what, found, declared=False):
        patch.setdefault(field, {})[name.name] = values


def _settings(items: list[ast.ScItem], kind: str, where: str, found: Findings) -> dict:
    return read_settings(sort_block(items, kind, where, found), kind, found)


def _staff(item: ast.ScStaff, program: Program, found: Findings) -> dict | None:
    role = item.role.name
    declared = known(role, program.roles, "E201", item.role.span, "role", found)
    count = whole_number(item.count, f"the member count of `{role}`", found)
    values = _settings(item.block or [], "staff", f"`staff {role}`", found)
    if not declared or count is None:
        return None
    staff = {"count": count}
    if "hours" in values:
        staff["hours"] = values["hours"]
    hours = values.get("hours", STAFF_WORK["hours"])
    if "capacity" in values:
        staff["capacity_per_day"] = per_day(values["capacity"], hours.length_minutes / 60)
    staff.update({key: values[key] for key in ("completion", "delay", "patience", "reminder")
                  if key in values})
    return staff


def _effect(item: ast.ScEffect, program: Program, found: Findings) -> ScenarioEffect:
    condition = expr_text(item.condition)
    for ref in _segment_refs(item.condition):
        known(ref.name, program.segments, "E201", ref.span, "segment", found)
    shown = condition.replace("\n", "\\n")  # messages stay on one line
    values = _settings(item.block, "multipliers", f"`effect {shown}`", found)
    return ScenarioEffect(condition=condition, multipliers=Multipliers(**values),
                  expression=item.condition)


def _segment_refs(expr: ast.Expr) -> Iterator[ast.SegmentRef]:
    match expr:
        case ast.SegmentRef():
            yield expr
        case ast.BoolOp(operands=operands):
            for operand in operands:
                yield from _segment_refs(operand)
        case ast.Not(operand=inner) | ast.Group(expr=inner):
            yield from _segment_refs(inner)


def _block_of(setting: ast.ScSetting | None, found: Findings) -> list[ast.ScItem] | None:
    """The items of a setting that opens a block; E318 when it has values or no block."""
    if setting is None:
        return None
    key = setting.key.name
    if setting.values:
        found.error("E318", setting.values[0].span, f"`{key}` takes no value, only a block",
                    f"write `{key} {{ ... }}`")
    if setting.block is None:
        found.error("E318", setting.key.span, f"`{key}` needs a block: `{key} {{ ... }}`")
        return None
    return setting.block


def describable_events(program: Program) -> list[str]:
    """The events a scenario may give a behaviour with a block named after them."""
    return [name for name in program.events if name not in OWN_BEHAVIOUR]


def _event(name: str, items: list[ast.ScItem], found: Findings) -> dict:
    block = sort_block(items, "event", f"`{name}`", found)
    values = read_settings(block, "event", found)
    if "after_click" in block.settings:
        values.update(_after_click(block.settings["after_click"], found))
    return values


def _purchase(items: list[ast.ScItem], found: Findings) -> dict:
    block = sort_block(items, "purchase", "`purchase`", found)
    values = read_settings(block, "purchase", found)
    if "after_click" in block.settings:
        values.update(_after_click(block.settings["after_click"], found))
    if "value" in block.settings:
        values.update(_value(block.settings["value"], found))
    if "bgnbd" in block.settings:
        if "daily" in block.settings:
            found.error("E327", block.settings["daily"].key.span,
                        "`daily` and `bgnbd` both describe spontaneous purchases",
                        "keep `bgnbd` (each customer buys at a rate of their own) or `daily` "
                        "(everyone has the same daily chance)")
        latent = _model_block(block.settings["bgnbd"], "bgnbd", "`bgnbd`", found)
        if latent is not None:
            values.update(bgnbd=latent, daily=0.0)
    return values


def _value(setting: ast.ScSetting, found: Findings) -> dict:
    """`value lognormal(200, 0.7)`, or the Gamma-Gamma model `value gamma_gamma { ... }`."""
    first = setting.values[0] if setting.values else None
    if not isinstance(first, ast.ModelName):
        if setting.block is not None:
            found.error("E318", setting.key.span, "`value` takes no `{ ... }` block",
                        "only `value gamma_gamma { p P  q Q  gamma G }` has one")
            return {}
        value = read_value(setting, "number_distribution", found)
        return {} if value is None else {"value": value}
    if len(setting.values) > 1:
        found.error("E318", setting.values[1].span, "`value gamma_gamma` takes only its block",
                    "write `value gamma_gamma { p P  q Q  gamma G }`")
        return {}
    spend = _model_block(setting, "gamma_gamma", "`value gamma_gamma`", found)
    if spend is None:
        return {}
    q = spend["q"]
    # Drawn jointly, q is kept above 1 draw by draw (`sopdsl/scenario/covariance.py`).
    if "log_covariance" not in spend and (q.distribution.mean if isinstance(q, Drawn) else q) <= 1:
        node = next(item for item in setting.block or [] if isinstance(item, ast.ScSetting)
                    and item.key.name == "q")
        found.error("E313", node.values[0].span, "`q` of `gamma_gamma` must be above 1",
                    "the mean purchase value p * gamma / (q - 1) is infinite for q <= 1")
        return {}
    return {"gamma_gamma": spend}


def _model_block(setting: ast.ScSetting, kind: str, where: str, found: Findings) -> dict | None:
    """The parameters of a latent model's block; None after E318 when one is missing."""
    if setting.block is None:
        found.error("E318", setting.key.span, f"{where} needs its parameters in a block",
                    f"such as `{MODEL_EXAMPLES[kind]}`")
        return None
    block = sort_block(setting.block, kind, where, found)
    values = read_settings(block, kind, found)
    required = [key for key in BLOCK_SETTINGS[kind] if key not in ("per", "log_covariance")]
    missing = [key for key in required if key not in values]
    if missing:
        given = {item.key.name for item in setting.block if isinstance(item, ast.ScSetting)}
        if not set(missing) & given:  # a given one that did not read is reported already
            found.error("E318", setting.key.span,
                        f"{where} needs {', '.join(f'`{key}`' for key in missing)}",
                        f"such as `{MODEL_EXAMPLES[kind]}`")
        return None
    if "per" in values:
        values["per_minutes"] = values.pop("per")
    if "log_covariance" in block.settings:
        joint = read_log_covariance(block.settings["log_covariance"], kind, where,
                                    tuple(required), values, setting.block, found)
        if joint is None:
            return None
        values["log_covariance"] = joint
    return values


def _after_click(setting: ast.ScSetting, found: Findings) -> dict:
    """`after_click 8% within 3d`: a probability (or a distribution over it) and an optional
    window."""
    wanted = "a percentage and an optional window, such as `8% within 3d`"
    first, rest = (setting.values[0], setting.values[1:]) if setting.values else (None, [])
    if isinstance(first, ast.Distribution):
        chance = drawn(first, "probability", "`after_click`", found, per_customer=True)
        return {**({} if chance is None else {"after_click": chance}),
                **_after_click_window(rest, wanted, found)}
    if not isinstance(first, ast.Percent):
        span = first.span if first is not None else setting.key.span
        found.error("E318", span, f"`after_click` takes {wanted}")
        return {}
    values: dict = {}
    chance = probability(first, "`after_click`", found)
    if chance is not None:
        values["after_click"] = chance
    return {**values, **_after_click_window(rest, wanted, found)}


def _after_click_window(rest: list[ast.ScValue], wanted: str, found: Findings) -> dict:
    values: dict = {}
    within, *extra = rest or [None]
    if within is not None and not isinstance(within, ast.Within):
        within, extra = None, rest
    if extra:
        found.error("E318", extra[0].span, f"`after_click` takes {wanted}")
    elif within is not None:
        window = positive_minutes(within.duration, "the `within` of `after_click`", found)
        if window is not None:
            values["within_minutes"] = window
    return values


def _fatigue(items: list[ast.ScItem], found: Findings) -> list[FatigueRule]:
    block = sort_block(items, "fatigue", "`fatigue`", found)
    rules: list[FatigueRule] = []
    seen: dict = {}
    for above in block.items:
        label = f"`above {above.count.text} per {above.window.text}`"
        count = whole_number(above.count, "`above`", found)
        window = positive_minutes(above.window, f"the window of {label}", found)
        values = _settings(above.items, "multipliers", label, found)
        if count is None or window is None:
            continue
        if first_of(seen, (count, window), above, "`fatigue`", found, label):
            rules.append(FatigueRule(above=count, window_minutes=window,
                                     multipliers=Multipliers(**values)))
    return rules


def _groups(items: list[ast.ScItem], program: Program, found: Findings) -> dict:
    """`groups { owner guide  per_owner 2  capacity 500  members 35% }`."""
    block = sort_block(items, "groups", "`groups`", found)
    values: dict = read_settings(block, "groups", found)
    if "per_owner" in values and "total" in values:
        found.error("E318", block.settings["total"].key.span,
                    "`groups` takes `per_owner` or `total`, not both",
                    "`per_owner N` gives each member of the owner role N groups; "
                    "`total N` spreads N groups over them")
    if values.get("capacity") == 0:
        found.error("E318", block.settings["capacity"].values[0].span,
                    "a group's `capacity` is at least 1 member",
                    "WeCom's customer groups hold up to 500 members")
    for item in block.items:
        if isinstance(item, ast.ScOwner) and first_of(values, "owner", item, "`groups`", found,
                                                      "`owner`"):
            values["owner"] = item.role.name if known(
                item.role.name, program.roles, "E201", item.role.span, "role", found) else None
    return values


def _cost(items: list[ast.ScItem], found: Findings) -> dict:
    return _settings(items, "cost", "`cost`", found)


def _merge(base: dict, patch: dict) -> dict:
    """`patch` over `base`, key by key through nested dicts (REPLACED keys whole)."""
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in REPLACED:
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _scenario_decls(program: Program) -> Iterator[ast.Scenario]:
    for module in program.modules:
        yield from (decl for decl in module.decls if isinstance(decl, ast.Scenario))


def unknown_scenario(program: Program, name: str | None) -> str | None:
    """Why `name` names no scenario of the program (with a did-you-mean), None when it does."""
    names = scenario_names(program)
    if name is None or name in names:
        return None
    hint = did_you_mean(name, names)
    return (f"no scenario named `{name}` in {display_path(program.entry)}"
            + (f"; {hint}" if hint else "")
            + f" (scenarios: {', '.join(f'`{n}`' for n in names)})")


def _unknown_scenario(program: Program, name: str) -> Diagnostic:
    entry = display_path(program.entry)
    span = Span(file=entry, line=1, column=1, end_line=1, end_column=2)
    return diag("E201", span, f"no scenario named `{name}` in {entry}",
                did_you_mean(name, scenario_names(program)))

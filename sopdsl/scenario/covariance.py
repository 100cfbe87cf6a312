"""A latent model's `log_covariance { ... }` block, read into the joint draw of its parameters.

```
value gamma_gamma {
  p 6.25  q 3.74  gamma 15.44
  log_covariance { p 0.0121  q 0.0098 0.0110  gamma 0.0102 0.0090 0.0135 }
}
```

The rows are a lower triangle named by parameter, in any order: the k-th row written holds k
numbers, its covariances with the rows before it and then its own variance.
"""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.diagnostics import did_you_mean
from sopdsl.fmt.exprs import sc_value_text
from sopdsl.scenario.blocks import first_of
from sopdsl.scenario.distributions import plain_number
from sopdsl.scenario.joint import JointLognormal, covariance_problem, too_few_allowed
from sopdsl.scenario.model import Drawn
from sopdsl.scenario.values import Findings

# What each model allows beyond positive parameters: Gamma-Gamma's mean spend
# p * gamma / (q - 1) is finite only for q above 1.
FLOORS = {"gamma_gamma": {"q": 1.0}}
ORDINALS = ("1st", "2nd", "3rd")


def read_log_covariance(setting: ast.ScSetting, model: str, where: str,
                        names: tuple[str, ...], values: dict, block: list[ast.ScItem],
                        found: Findings) -> JointLognormal | None:
    """The joint draw `setting` describes over `values` (the block's parameters by name, as
    read); None after a diagnostic."""
    before = len(found.diagnostics)
    if setting.values:
        found.error("E318", setting.values[0].span, "`log_covariance` takes only its block",
                    "write the rows in a block: `log_covariance { p 0.0121  q 0.0098 0.011 }`")
    rows = _rows(setting, where, names, found)
    twice = _drawn_twice(names, values, block, where, found)
    if rows is None or twice or len(found.diagnostics) > before:
        return None
    if any(name not in values for name in names):
        return None  # a parameter that did not read is reported already
    matrix = [[0.0] * len(names) for _ in names]
    for name in rows:
        for column, number in zip(rows, rows[name]):
            i, j = names.index(name), names.index(column)
            matrix[i][j] = matrix[j][i] = number.value
    problem = _beyond_one(names, matrix) or covariance_problem(matrix)
    if problem:
        found.error("E313", setting.key.span, f"the `log_covariance` of {where} describes no "
                    f"joint distribution: {problem}",
                    "write the covariance the fit reports (the inverse Hessian on the log "
                    "scale), to enough digits: rounding the entries of strongly correlated "
                    "estimates can leave no covariance")
        return None
    floors = FLOORS.get(model, {})
    joint = JointLognormal(names=names, medians=tuple(values[name] for name in names),
                           log_covariance=tuple(tuple(row) for row in matrix),
                           floors=tuple(floors.get(name, 0.0) for name in names))
    if too_few_allowed(joint):
        allowed = ", ".join(f"{name} above {floor:g}" for name, floor in floors.items())
        share = joint.kept_mass()
        shown = f"{share:.2%}" if share >= 0.0001 else "under 0.01%"
        found.error("E313", setting.key.span, f"the `log_covariance` of {where} leaves almost "
                    f"no draws with {allowed} ({shown})",
                    f"the model needs {allowed}; write values whose draws mostly have it")
        return None
    return joint


def _beyond_one(names: tuple[str, ...], matrix: list[list[float]]) -> str | None:
    """The first pair whose covariance is past what their variances allow (a correlation
    beyond 1), as a phrase; None when there is none."""
    for i, first in enumerate(names):
        for j in range(i):
            bound = (max(matrix[i][i], 0.0) * max(matrix[j][j], 0.0)) ** 0.5
            if abs(matrix[i][j]) > bound * (1 + 1e-9):
                return (f"the covariance of `{names[j]}` and `{first}` ({matrix[i][j]:g}) is "
                        f"beyond the square root of the product of their variances "
                        f"({bound:.4g}), a correlation beyond 1")
    return None


def _rows(setting: ast.ScSetting, where: str, names: tuple[str, ...],
          found: Findings) -> dict[str, list[ast.Number | ast.Negative]] | None:
    """Each row's numbers by parameter name, in the order written; None after a diagnostic."""
    if setting.block is None:
        found.error("E318", setting.key.span, "`log_covariance` needs its rows in a block",
                    "such as `log_covariance { p 0.0121  q 0.0098 0.011 }`")
        return None
    before = len(found.diagnostics)
    rows: dict[str, list[ast.Number | ast.Negative]] = {}
    seen: dict = {}
    unknown = False
    for item in setting.block:
        if not isinstance(item, ast.ScSetting):
            found.error("E318", item.span, "`log_covariance` takes only rows named by parameter",
                        f"such as `{names[0]} 0.0121`")
            continue
        name = item.key.name
        if name not in names:
            unknown = True
            found.error("E317", item.key.span,
                        f"`log_covariance` of {where} has a row `{name}`, not a parameter of "
                        "the model", did_you_mean(name, names) or
                        f"its rows are {', '.join(f'`{n}`' for n in names)}")
            continue
        if not first_of(seen, name, item, f"the `log_covariance` of {where}", found):
            continue
        numbers = _numbers(item, found)
        wanted = len(rows) + 1
        if numbers is not None and len(numbers) != wanted:
            ordinal = ORDINALS[wanted - 1] if wanted <= len(ORDINALS) else f"{wanted}th"
            found.error("E318", item.key.span,
                        f"row `{name}` of `log_covariance` has {len(numbers)} "
                        f"number{'s' if len(numbers) != 1 else ''}; the {ordinal} row of a "
                        f"lower triangle has {wanted}",
                        f"write its covariances with the rows above it, then its own "
                        f"variance: {wanted} numbers")
        if numbers is not None:
            rows[name] = numbers
    missing = [name for name in names if name not in seen]
    if missing and not unknown:  # an unknown row may be the missing one, misspelt
        found.error("E318", setting.key.span,
                    f"`log_covariance` of {where} has no row for "
                    f"{', '.join(f'`{name}`' for name in missing)}",
                    "name every parameter of the model once, each row a lower triangle's")
    return None if missing or len(found.diagnostics) > before else rows


def _numbers(row: ast.ScSetting, found: Findings) -> list[ast.Number | ast.Negative] | None:
    for value in row.values:
        if not isinstance(value, (ast.Number, ast.Negative)):
            found.error("E318", value.span, f"row `{row.key.name}` of `log_covariance` takes "
                        f"numbers, not `{sc_value_text(value)}`",
                        "covariances of the logs are plain numbers such as `0.0098`")
            return None
    if row.block is not None:
        found.error("E318", row.key.span, f"row `{row.key.name}` takes no `{{ ... }}` block",
                    f"write its numbers after its name: `{row.key.name} 0.0098 0.011`")
        return None
    return list(row.values)


def _drawn_twice(names: tuple[str, ...], values: dict, block: list[ast.ScItem], where: str,
                 found: Findings) -> bool:
    """E328 on each parameter written as a distribution as well as in the covariance."""
    twice = False
    for item in block:
        if isinstance(item, ast.ScSetting) and item.key.name in names \
                and isinstance(values.get(item.key.name), Drawn):
            twice = True
            found.error("E328", item.values[0].span,
                        f"`{item.key.name}` of {where} is drawn on its own and in "
                        "`log_covariance`",
                        f"write its value alone (`{item.key.name} "
                        f"{plain_number(values[item.key.name].distribution.mean)}`): "
                        "`log_covariance` draws it with the others; or drop `log_covariance` "
                        "to draw each on its own")
    return twice

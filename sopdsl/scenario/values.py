"""Reading one scenario setting's values: the right kind, in range, or a diagnostic with a span."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sopdsl.builtins import date_out_of_range
from sopdsl.diagnostics import Diagnostic, diag, did_you_mean
from sopdsl.fmt.exprs import distribution_text, sc_value_text
from sopdsl.scenario.distributions import (
    MIN_KEPT_MASS, UNIT_PARAMETERS, Distribution, arity_problem, kept_within, parameter_problem,
    support,
)
from sopdsl.scenario.model import Drawn, Hours
from sopdsl.syntax import ast
from sopdsl.syntax.source import Span


@dataclass
class Findings:
    """The diagnostics found so far, and whether names may be looked up.

    After a syntax error declarations may be missing, so unknown names are not reported.
    """

    check_names: bool = True
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, span: Span, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(diag(code, span, message, hint))


Reader = Callable[[ast.ScSetting, Findings], object]


def read_value(setting: ast.ScSetting, kind: str, found: Findings) -> object:
    """The setting's value read as `kind` (a key of READERS), or None after a diagnostic."""
    return READERS[kind](setting, found)


def _single(setting: ast.ScSetting, wanted: str, found: Findings) -> ast.ScValue | None:
    key = setting.key.name
    if not setting.values:
        found.error("E318", setting.key.span, f"`{key}` needs {wanted}")
        return None
    if len(setting.values) > 1:
        extra = setting.values[1]
        found.error("E318", extra.span, f"`{key}` takes one value, {wanted}",
                    f"remove `{sc_value_text(extra)}`")
        return None
    return setting.values[0]


def _wrong(setting: ast.ScSetting, value: ast.ScValue, wanted: str, found: Findings) -> None:
    found.error("E318", value.span,
                f"`{setting.key.name}` takes {wanted}, not `{sc_value_text(value)}`")


def _of_type(node_type: type, wanted: str) -> Reader:
    def read(setting: ast.ScSetting, found: Findings) -> object:
        value = _single(setting, wanted, found)
        if value is None or isinstance(value, node_type):
            return value
        _wrong(setting, value, wanted, found)
        return None

    return read


_date = _of_type(ast.DateLit, "a date such as `2026-12-01`")
_rate = _of_type(ast.Rate, "a rate such as `300/day`")


def read_date(setting: ast.ScSetting, found: Findings) -> object:
    """A date a run can start on (E321 outside the range runs work in)."""
    node = _date(setting, found)
    if node is None:
        return None
    problem = date_out_of_range(node.value)
    if problem:
        found.error("E321", node.span, f"`{setting.key.name}` {problem}",
                    "write the first day to forecast, such as `2026-12-01`")
        return None
    return node.value


def read_window(setting: ast.ScSetting, found: Findings) -> int | None:
    """A duration of at least a minute, in minutes."""
    node = _of_type(ast.Duration, "a duration such as `90d`")(setting, found)
    return positive_minutes(node, f"`{setting.key.name}`", found) if node else None


def positive_minutes(node: ast.Duration, what: str, found: Findings) -> int | None:
    """The duration in minutes, or None with E310 when it is zero."""
    if node.minutes == 0:
        found.error("E310", node.span, f"{what} is a window of zero length")
        return None
    return node.minutes


def read_whole(setting: ast.ScSetting, found: Findings) -> int | None:
    node = _of_type(ast.Number, "a whole number such as `20`")(setting, found)
    return whole_number(node, f"`{setting.key.name}`", found) if node else None


def whole_number(node: ast.Number, what: str, found: Findings) -> int | None:
    """The number as an int, or None with E318 when it has a fraction."""
    if node.value != int(node.value):
        found.error("E318", node.span, f"{what} takes a whole number, not `{node.text}`")
        return None
    return int(node.value)


def read_replications(setting: ast.ScSetting, found: Findings) -> int | None:
    count = read_whole(setting, found)
    if count == 0:
        found.error("E314", setting.values[0].span, "`replications` must be at least 1",
                    "a simulation needs at least one run; 20 gives stable averages")
        return None
    return count


def read_probability(setting: ast.ScSetting, found: Findings) -> float | None:
    node = _of_type(ast.Percent, "a percentage such as `70%`")(setting, found)
    return probability(node, f"`{setting.key.name}`", found) if node else None


def probability(node: ast.Percent, what: str, found: Findings) -> float | None:
    """The percentage as a fraction, or None with E311 when it is above 100%."""
    if node.value > 1:
        found.error("E311", node.span, f"{what} is `{node.text}`, above 100%",
                    "a probability or share lies between 0% and 100%")
        return None
    return node.value


def read_chance(setting: ast.ScSetting, found: Findings) -> float | Drawn | None:
    """A probability: a percentage, or a distribution drawn per replication or `per customer`."""
    return _uncertain(setting, "probability", found, per_customer=True)


def read_drawn_probability(setting: ast.ScSetting, found: Findings) -> float | Drawn | None:
    """A probability: a percentage, or a distribution drawn once per replication."""
    return _uncertain(setting, "probability", found, per_customer=False)


def read_drawn_positive(setting: ast.ScSetting, found: Findings) -> float | Drawn | None:
    """A number above 0, or a distribution over it drawn once per replication."""
    return _uncertain(setting, "positive", found, per_customer=False)


# What an uncertain value may be: its range and the code of a value outside it.
RANGES = {"probability": (0.0, 1.0, "E311", "between 0% and 100%"),
          "positive": (0.0, float("inf"), "E314", "above 0")}


def _uncertain(setting: ast.ScSetting, kind: str, found: Findings, *,
               per_customer: bool) -> float | Drawn | None:
    key = setting.key.name
    plain = "a percentage such as `70%`" if kind == "probability" else "a number such as `0.5`"
    suffix = " (`per customer`: each customer draws its own)" if per_customer else ""
    wanted = f"{plain} or a distribution over it such as `beta(45, 55)`{suffix}"
    value = _single(setting, wanted, found)
    if isinstance(value, ast.Distribution):
        return drawn(value, kind, f"`{key}`", found, per_customer=per_customer)
    if kind == "probability" and isinstance(value, ast.Percent):
        return probability(value, f"`{key}`", found)
    if kind == "positive" and isinstance(value, ast.Number):
        if value.value <= 0:
            found.error("E314", value.span, f"`{key}` must be above 0, not `{value.text}`",
                        "the parameters of `bgnbd` and `gamma_gamma` are above 0")
            return None
        return value.value
    if value is not None:
        _wrong(setting, value, wanted, found)
    return None


def drawn(node: ast.Distribution, kind: str, what: str, found: Findings, *,
          per_customer: bool) -> float | Drawn | None:
    """A distribution over a value of `kind` (a key of RANGES), truncated to its range; a
    `fixed` one is its value. None after a diagnostic."""
    if node.per_customer and not per_customer:
        found.error("E326", node.span, f"{what} is drawn once per replication, not per customer",
                    "`per customer` applies to the probabilities of channels and to "
                    "`after_click`; remove it")
        return None
    if node.kind == "poisson":
        found.error("E313", node.span, f"{what} takes a distribution of values, not `poisson`",
                    "`poisson` counts events; write one such as `normal(0.5, 0.1)`")
        return None
    written = distribution(node, "number", found)
    if written is None:
        return None
    low, high, code, shown = RANGES[kind]
    kept, mass = kept_within(written, low, high)
    # A parameter above 0 needs values above 0, not only at it.
    if mass < MIN_KEPT_MASS or (kind == "positive"
                                and support(written.kind, written.params)[1] <= 0):
        found.error(code, node.span, f"{what} is `{distribution_text(node)}`, which has "
                    f"almost no values {shown}", "a probability lies between 0% and 100%"
                    if kind == "probability" else "the parameters of `bgnbd` and `gamma_gamma` "
                    "are above 0")
        return None
    if kept.kind == "fixed":
        return kept.params[0]
    return Drawn(distribution=kept, per_customer=node.per_customer)


def read_rate(setting: ast.ScSetting, found: Findings) -> ast.Rate | None:
    return _rate(setting, found)


def read_multiplier(setting: ast.ScSetting, found: Findings) -> float | None:
    node = _of_type(ast.Multiplier, "a multiplier such as `x1.5`")(setting, found)
    return node.value if node else None


def read_amount(setting: ast.ScSetting, found: Findings) -> float | None:
    node = _of_type(ast.Number, "an amount such as `25`")(setting, found)
    return node.value if node else None


def read_hours(setting: ast.ScSetting, found: Findings) -> Hours | None:
    node = _of_type(ast.TimeRange, "working hours such as `09:00-21:00`")(setting, found)
    if node is None:
        return None
    if node.start.minutes == node.end.minutes:
        found.error("E310", node.span, "`hours` is a window of zero length",
                    "give the start and the end of the working day, such as `09:00-21:00`")
        return None
    return Hours(start=f"{node.start.hour:02d}:{node.start.minute:02d}",
                 end=f"{node.end.hour:02d}:{node.end.minute:02d}")


def read_delay(setting: ast.ScSetting, found: Findings) -> Distribution | None:
    """A distribution of durations; a bare duration means exactly that long."""
    wanted = "a distribution of durations such as `exponential(2h)`"
    value = _single(setting, wanted, found)
    if isinstance(value, ast.Duration):
        return Distribution(kind="fixed", params=(value.minutes,), unit="minutes")
    if isinstance(value, ast.Distribution):
        return distribution(value, "minutes", found)
    if value is not None:
        _wrong(setting, value, wanted, found)
    return None


def read_number_distribution(setting: ast.ScSetting, found: Findings) -> Distribution | None:
    """A distribution of numbers; a bare number means exactly that value."""
    wanted = "a distribution such as `lognormal(300, 0.6)`"
    value = _single(setting, wanted, found)
    if isinstance(value, ast.Number):
        return Distribution(kind="fixed", params=(value.value,))
    if isinstance(value, ast.Distribution):
        return distribution(value, "number", found)
    if value is not None:
        _wrong(setting, value, wanted, found)
    return None


def distribution(node: ast.Distribution, unit: str, found: Findings) -> Distribution | None:
    """The model of a written distribution, or None after E313 when it describes nothing."""
    text = distribution_text(node)
    if not node.args:
        found.error("E313", node.span, f"`{node.kind}` needs its parameters here",
                    f"such as `{_example(node.kind, unit)}`")
        return None
    problem = arity_problem(node.kind, len(node.args))
    if unit == "minutes" and node.kind == "poisson":
        problem = "`poisson` counts events, it does not describe a duration"
    if problem:
        found.error("E313", node.span, f"`{text}` describes no distribution: {problem}",
                    f"such as `{_example(node.kind, unit)}`")
        return None
    params = []
    for arg, carries_unit in zip(node.args, UNIT_PARAMETERS[node.kind]):
        value = _parameter(arg, unit == "minutes" and carries_unit, text, found)
        if value is None:
            return None
        params.append(value)
    problem = parameter_problem(node.kind, tuple(params))
    if problem:
        found.error("E313", node.span, f"`{text}` describes no distribution: {problem}",
                    f"for example `{_example(node.kind, unit)}`")
        return None
    return Distribution(kind=node.kind, params=tuple(params), unit=unit)


def _parameter(arg: ast.Number | ast.Duration | ast.Percent, wants_duration: bool, text: str,
               found: Findings) -> float | None:
    if wants_duration and isinstance(arg, ast.Duration):
        return float(arg.minutes)
    if not wants_duration and isinstance(arg, ast.Number):
        return arg.value
    if wants_duration:
        found.error("E313", arg.span, f"`{arg.text}` in `{text}` needs to be a duration",
                    "write durations with their unit, such as `2h` or `30m`")
    else:
        found.error("E313", arg.span, f"`{arg.text}` in `{text}` needs to be a plain number",
                    "durations and percentages describe no count or amount")
    return None


def _example(kind: str, unit: str) -> str:
    examples = {
        "number": {"normal": "normal(32, 8)", "lognormal": "lognormal(300, 0.6)",
                   "uniform": "uniform(18, 60)", "exponential": "exponential(2)",
                   "poisson": "poisson(0.6)", "fixed": "fixed(3)", "beta": "beta(45, 55)"},
        "minutes": {"normal": "normal(2h, 30m)", "lognormal": "lognormal(2h, 0.5)",
                    "uniform": "uniform(1h, 3h)", "exponential": "exponential(2h)",
                    "poisson": "exponential(2h)", "fixed": "fixed(2h)"},
    }
    return examples[unit].get(kind, examples[unit]["lognormal"])


READERS: dict[str, Reader] = {
    "date": read_date,
    "window": read_window,
    "whole": read_whole,
    "replications": read_replications,
    "probability": read_probability,
    "chance": read_chance,
    "drawn_probability": read_drawn_probability,
    "drawn_positive": read_drawn_positive,
    "rate": read_rate,
    "multiplier": read_multiplier,
    "amount": read_amount,
    "hours": read_hours,
    "delay": read_delay,
    "number_distribution": read_number_distribution,
}


def per_day(rate: ast.Rate, hours_per_day: float = 24) -> float:
    """A rate as a count per day; per hour counts the hours of a working day."""
    factors = {"hour": hours_per_day, "day": 1, "week": 1 / 7, "month": 1 / 30}
    return rate.count * factors[rate.per]


def known(name: str, table: object, code: str, span: Span, what: str, found: Findings,
          *, declared: bool = True) -> bool:
    """True when `name` is in `table`; else a diagnostic with a did-you-mean.

    Declared names (not built-in lists) go unreported after a syntax error, since their
    declarations may be among the lines that did not parse.
    """
    if name in table:
        return True
    if found.check_names or not declared:
        found.error(code, span, f"unknown {what} `{name}`", did_you_mean(name, table))
    return False



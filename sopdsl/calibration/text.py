"""A calibration as a scenario block (canonical layout, a comment on every figure) or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sopdsl.calibration.calibrate import Calibration

INDENT = "  "


def scenario_text(calibration: Calibration) -> str:
    """The fitted scenario block, one setting a line, each with its comment."""
    lines = [f"# {calibration.summary()}",
             f"scenario {calibration.name} {{"]
    open_blocks: tuple[str, ...] = ()
    for figure in calibration.figures:
        block = figure.block
        shared = 0
        while shared < min(len(block), len(open_blocks)) and block[shared] == open_blocks[shared]:
            shared += 1
        for depth in range(len(open_blocks), shared, -1):
            lines.append(f"{INDENT * depth}}}")
        for depth in range(shared, len(block)):
            lines.append(f"{INDENT * (depth + 1)}{_header(block[depth], calibration)} {{")
        open_blocks = block
        lines.append(f"{INDENT * (len(block) + 1)}{figure.key} {figure.text}  # {figure.note}")
    for depth in range(len(open_blocks), 0, -1):
        lines.append(f"{INDENT * depth}}}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _header(block: str, calibration: Calibration) -> str:
    return f"population {calibration.stock}" if block == "population" else block


def calibration_json(calibration: Calibration) -> dict:
    """The calibration as plain data: every figure, the fits and their sample sizes."""
    return {
        "name": calibration.name,
        "until": calibration.until.isoformat(),
        "customers": calibration.customers,
        "stock": calibration.stock,
        "uncertainty": calibration.uncertainty,
        "figures": [figure.as_json() for figure in calibration.figures],
        "fits": {name: {"n": fit.n, "loglik": fit.loglik, "converged": fit.converged,
                        "estimates": {key: vars(value) for key, value in fit.estimates.items()}}
                 for name, fit in calibration.fits.items()},
    }

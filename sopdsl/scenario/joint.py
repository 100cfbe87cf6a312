"""A latent model's parameters drawn together: their logs from one multivariate normal.

The estimates of a fitted model are correlated (Gamma-Gamma's p, q and gamma move together), so
drawing each from its own distribution makes combinations the data rules out. `log_covariance`
draws them as the fit knows them: (log p, log q, log gamma) ~ N(log of the written values,
the covariance), once per replication. A draw outside what the model allows (q <= 1 under
Gamma-Gamma) is drawn again, as a single value's draw outside its range is
(`sopdsl/scenario/distributions.py`): the means are those of the truncated distribution.
SciPy and numpy are imported inside the methods, so checking a playbook without one never
loads them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from sopdsl.scenario.distributions import MIN_KEPT_MASS, plain_number

if TYPE_CHECKING:
    import numpy as np

# Eigenvalues this far below 0 (relative to the largest) are rounding, as in SciPy's own check.
PSD_TOLERANCE = 1e-10


class JointLognormal(BaseModel):
    """Positive parameters whose logs are multivariate normal, each kept above its floor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    names: tuple[str, ...]  # in the model's order (p, q, gamma)
    medians: tuple[float, ...]  # the written values: e to the mean of each log
    log_covariance: tuple[tuple[float, ...], ...]  # the whole symmetric matrix, in `names` order
    floors: tuple[float, ...]  # a draw keeps each parameter above its floor (0: any value)

    def kept_mass(self) -> float:
        """The probability that an untruncated draw is one the model allows."""
        return _above(*self._bounded(()))

    @property
    def means(self) -> dict[str, float]:
        """Each parameter's exact mean over the allowed draws, by name."""
        import numpy as np

        kept = self.kept_mass()
        covariance = np.array(self.log_covariance)
        means = {}
        for index, (name, median) in enumerate(zip(self.names, self.medians)):
            # E[e^X_i; X in range] = e^(mu_i + S_ii / 2) P(X + S_i in range): tilting a normal
            # by e^X_i shifts its mean by the i-th column of the covariance.
            tilted = _above(*self._bounded(covariance[:, index]))
            means[name] = median * math.exp(covariance[index, index] / 2) * tilted / kept
        return means

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """`n` draws (rows, in `names` order) of the allowed part, using `rng` only."""
        import numpy as np

        logs = np.log(self.medians)
        floors = np.array([math.log(f) if f > 0 else -math.inf for f in self.floors])
        mass = self.kept_mass()
        kept = np.empty((0, len(self.names)))
        while len(kept) < n:
            wanted = n - len(kept)
            batch = rng.multivariate_normal(logs, np.array(self.log_covariance),
                                            math.ceil(wanted / mass * 1.2) + 8, method="eigh")
            kept = np.concatenate([kept, batch[np.all(batch > floors, axis=1)][:wanted]])
        return np.exp(kept)

    def rows_text(self) -> list[str]:
        """The `log_covariance` block's rows as written: `q 0.0098 0.011`."""
        return [" ".join([name, *(plain_number(v) for v in row[:index + 1])])
                for index, (name, row) in enumerate(zip(self.names, self.log_covariance))]

    def _bounded(self, shift) -> tuple[list[float], list[list[float]]]:
        """The mean and covariance of the logs of the parameters with a floor, less their floors'
        logs (shifted by `shift` where given): the allowed draws are where all are above 0."""
        index = [i for i, floor in enumerate(self.floors) if floor > 0]
        mean = [math.log(self.medians[i] / self.floors[i]) + (shift[i] if len(shift) else 0.0)
                for i in index]
        return mean, [[self.log_covariance[i][j] for j in index] for i in index]


def covariance_problem(matrix: list[list[float]]) -> str | None:
    """Why a symmetric matrix is no covariance (a phrase), or None when it is one."""
    import numpy as np

    values = np.linalg.eigvalsh(np.array(matrix))
    if values[0] >= -PSD_TOLERANCE * max(abs(values[-1]), 1e-300):
        return None
    return (f"it is not positive semi-definite (its smallest eigenvalue is {values[0]:.3g}): "
            "some combination of the parameters would have a negative variance")


def too_few_allowed(joint: JointLognormal) -> bool:
    """Whether the model allows too few draws to sample by drawing again (under 1%)."""
    return joint.kept_mass() < MIN_KEPT_MASS


def _above(mean: list[float], covariance: list[list[float]]) -> float:
    """P(Y > 0 in every coordinate) for Y ~ N(mean, covariance)."""
    from scipy import stats

    if not mean:
        return 1.0
    if len(mean) == 1:
        sd = math.sqrt(covariance[0][0])
        return float(stats.norm.sf(0.0, mean[0], sd)) if sd > 0 else float(mean[0] > 0)
    return float(stats.multivariate_normal([-m for m in mean], covariance,
                                           allow_singular=True).cdf([0.0] * len(mean)))


"""The result of a solve, and its status."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from solvers.problem import ModelKind


class Status(StrEnum):
    """How a solve ended.

    ``optimal``: proven optimal within the requested gap (``gap_rel``; 0 by default).
    ``feasible``: a verified solution with a bound and gap but no proof at the requested gap
    (for example a heuristic, or a MIP stopped by its gap or node limit).
    ``time_limit``: stopped by the time limit; an incumbent may be present, with bound and gap.
    ``infeasible``: proven to have no solution; ``message`` says why.
    ``error``: the solver failed or its answer did not pass the independent check.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class Result:
    """A solution with an honest status.

    Attributes:
        model: the model solved.
        status: see :class:`Status`.
        selected: indices of open sites, sorted (empty if none).
        assignment: for each demand point the index of the site serving it, ``-1`` if none
            (uncovered in coverage models, unserved in OUTREACH).
        objective: objective value of ``selected`` (NaN without a solution), in the model's sense.
        bound: best proven bound on the optimum (NaN if unknown).
        gap: relative gap ``|objective - bound| / max(|objective|, 1e-9)`` (NaN if unknown).
        solver: backend name; ``solver_version`` its version.
        build_s, solve_s, wall_s: seconds spent building the model, in the solver, and in all.
        message: why it ended (for infeasible: the reason in words).
        verified: the independent checker recomputed the objective and feasibility.
        details: model-specific outputs (for example the outreach allocation), by name.
    """

    model: ModelKind
    status: Status
    selected: tuple[int, ...] = ()
    assignment: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    objective: float = math.nan
    bound: float = math.nan
    gap: float = math.nan
    solver: str = ""
    solver_version: str = ""
    build_s: float = 0.0
    solve_s: float = 0.0
    wall_s: float = 0.0
    message: str = ""
    verified: bool = False
    details: dict[str, object] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        """True when the result carries a solution (optimal, feasible or a time-limited incumbent)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE, Status.TIME_LIMIT) and not math.isnan(
            self.objective
        )

    def with_(self, **changes: object) -> Result:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap between an objective and a bound (NaN when either is unknown)."""
    if math.isnan(objective) or math.isnan(bound) or math.isinf(bound):
        return math.nan
    return abs(objective - bound) / max(abs(objective), 1e-9)

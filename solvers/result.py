"""The result of a solve, and its status."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from solvers.problem import ModelKind


class Status(StrEnum):
    r"""How a solve ended: one rule for every backend (``docs/solver-status.md``).

    The status of a solution follows from its verified objective :math:`z` and a proven bound
    :math:`B` (from the solver's dual bound or our own proof, never from the solution itself),
    through the relative gap :math:`g = |z - B| / |z|` (:func:`relative_gap`):

    ``optimal``: :math:`g \le` ``Result.tolerance_rel`` (:data:`TOLERANCE_REL`, one part in a million):
    proven optimal within the optimality tolerance.
    ``within_gap``: :math:`g` is above that tolerance but within the gap the caller requested
    (``SolveOptions.gap_rel``): the run stopped where it was asked to; the optimum may be better by
    up to ``gap``.
    ``time_limit``: stopped by the time limit with a larger gap; an incumbent may be present.
    ``feasible``: a verified solution with a larger gap, stopped for another reason (a heuristic,
    a node limit, or a bound the solver could not state).
    ``infeasible``: proven to have no solution; ``message`` says why.
    ``error``: the solver failed or its answer did not pass the independent check.

    :func:`settle_status` applies the rule; every backend calls it.
    """

    OPTIMAL = "optimal"
    WITHIN_GAP = "within_gap"
    FEASIBLE = "feasible"
    TIME_LIMIT = "time_limit"
    INFEASIBLE = "infeasible"
    ERROR = "error"


SOLUTION_STATUSES = frozenset({Status.OPTIMAL, Status.WITHIN_GAP, Status.FEASIBLE, Status.TIME_LIMIT})
"""Statuses that carry a solution."""

TOLERANCE_REL = 1e-6
"""Relative gap up to which a solution is called ``optimal`` (every backend's optimality tolerance)."""


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
        gap: relative gap ``|objective - bound| / |objective|`` (NaN if unknown; see :func:`relative_gap`).
        tolerance_rel: the relative gap up to which ``status`` is ``optimal`` (:data:`TOLERANCE_REL`).
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
    tolerance_rel: float = TOLERANCE_REL
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
        """True when the result carries a solution (optimal, within gap, feasible or a time-limited incumbent)."""
        return self.status in SOLUTION_STATUSES and not math.isnan(
            self.objective
        )

    def with_(self, **changes: object) -> Result:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def relative_gap(objective: float, bound: float) -> float:
    r"""Relative gap :math:`|z - B| / |z|` between an objective and a bound (NaN when either is unknown).

    Scale-free: no absolute floor, so data in any units (weights of :math:`10^{-12}` or :math:`10^{12}`)
    give the same gap. With :math:`z = 0` the gap is 0 when the bound is 0 too, else 1.
    """
    if math.isnan(objective) or math.isnan(bound) or math.isinf(bound) or math.isinf(objective):
        return math.nan
    diff = abs(objective - bound)
    if diff == 0.0:
        return 0.0
    if objective == 0.0:
        return 1.0
    return diff / abs(objective)


def settle_status(objective: float, bound: float, *, gap_rel: float, time_limited: bool,
                  tolerance_rel: float = TOLERANCE_REL) -> Status:
    """The status of a solution with a proven ``bound``, by the one rule of :class:`Status`.

    ``bound`` must be a true bound (NaN when there is none): the solver's dual bound, our own
    proof, or a relaxation's value, never the solution's own objective.
    """
    gap = relative_gap(objective, bound)
    if not math.isnan(gap):
        if gap <= tolerance_rel:
            return Status.OPTIMAL
        if gap <= gap_rel:
            return Status.WITHIN_GAP
    return Status.TIME_LIMIT if time_limited else Status.FEASIBLE


def status_message(status: Status, gap_rel: float) -> str:
    """The standard words for a status of :func:`settle_status`."""
    return {
        Status.OPTIMAL: f"proven optimal (gap at most {TOLERANCE_REL:g})",
        Status.WITHIN_GAP: f"proven within the requested gap {gap_rel:g}, not proven optimal",
        Status.TIME_LIMIT: "stopped by the time limit",
        Status.FEASIBLE: "a feasible solution without a proof of optimality",
    }.get(status, "")

"""From what a solver reported to a :class:`~solvers.result.Result` with an honest status.

Every exact backend fills an :class:`Outcome` (the solution decoded to open sites and, where it is
a decision, an assignment; the solver's proven bound; why it stopped) and calls
:func:`make_result`, so status, bound and gap mean the same thing whichever solver ran.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solvers.formulations.start import site_objective
from solvers.linear import MatrixModel
from solvers.presolve import infeasible_reason
from solvers.problem import FloatArray, IntArray, Problem
from solvers.result import Result, Status, relative_gap, settle_status, status_message

BOUND_TOL = 1e-6
"""Relative tolerance within which a bound slightly past the objective is clamped to it."""


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a solver reported, in the model's own units.

    Attributes:
        selected: open sites, or ``None`` without a solution.
        assignment: the decoded assignment (capacitated models), else ``None``.
        objective: the solver's objective value of the solution.
        bound: the solver's proven bound on the optimum (NaN or infinite if it has none); never
            the solution's own objective.
        optimal: the solver says it proved the solution optimal within the requested gap (the
            status still follows from ``bound``, by :func:`~solvers.result.settle_status`).
        infeasible: the solver proved the model infeasible.
        time_limited: the solver stopped on its time limit.
        message: the solver's own words on how it ended.
        details: backend-specific extras for ``Result.details``.
    """

    selected: tuple[int, ...] | None
    assignment: IntArray | None = None
    objective: float = math.nan
    bound: float = math.nan
    optimal: bool = False
    infeasible: bool = False
    time_limited: bool = False
    message: str = ""
    details: dict[str, object] = field(default_factory=dict)


def decode(model: MatrixModel, values: FloatArray, n: int) -> tuple[tuple[int, ...], IntArray | None]:
    """Open sites (``y_j > 0.5``) and, when the model has assignment variables, the assignment."""
    selected = tuple(int(j) for j in np.flatnonzero(values[model.site_vars] > 0.5))
    if model.assign_vars is None:
        return selected, None
    av = model.assign_vars
    on = values[av[:, 2]] > 0.5
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[av[on, 0]] = av[on, 1]
    return selected, assignment


def make_result(
    problem: Problem,
    outcome: Outcome,
    *,
    solver: str,
    version: str,
    build_s: float,
    solve_s: float,
    gap_rel: float = 0.0,
    fallback_bound: Callable[[], float] | None = None,
    model: MatrixModel | None = None,
) -> Result:
    """The :class:`Result` of ``outcome``; without a solver bound, ``fallback_bound()`` (an LP bound).

    The status follows from the objective and the bound (:func:`~solvers.result.settle_status`):
    a solver's own "optimal" at a requested ``gap_rel`` above the optimality tolerance is
    ``within_gap``. A solver that says "optimal" with no bound at all is taken at its word only
    when no gap was requested (its proof at its own tolerance); otherwise the LP bound is used.

    With the ``model`` the solver solved, the objective of a model whose assignment is not a
    decision is that of the open sites with their best assignment
    (:func:`~solvers.formulations.start.site_objective`): an incumbent stopped early may carry a
    poorer assignment than its sites allow.
    """
    base = Result(model=problem.kind, status=Status.ERROR, solver=solver, solver_version=version,
                  build_s=build_s, solve_s=solve_s, wall_s=build_s + solve_s, details=dict(outcome.details))
    if outcome.infeasible:
        reason = infeasible_reason(problem)
        message = f"{reason} ({outcome.message})" if outcome.message else reason
        return base.with_(status=Status.INFEASIBLE, message=message)
    bound = outcome.bound if math.isfinite(outcome.bound) else math.nan
    trust_proof = outcome.optimal and gap_rel <= 0.0
    if math.isnan(bound) and fallback_bound is not None and not trust_proof:
        bound = fallback_bound()
        if not math.isnan(bound):
            base.details["bound_source"] = "LP relaxation"
    if outcome.selected is None:
        if outcome.time_limited:
            return base.with_(status=Status.TIME_LIMIT, bound=bound,
                              message="time limit reached before any solution was found")
        return base.with_(message=outcome.message or "the solver returned no solution")
    objective = float(outcome.objective)
    if model is not None and model.assign_vars is None:
        best = site_objective(problem, model, outcome.selected)
        if not math.isnan(best):
            if abs(best - objective) > BOUND_TOL * max(1.0, abs(best)):
                base.details["solver_objective"] = objective
            objective = best
    if trust_proof and math.isnan(bound):
        bound = objective  # the solver proved optimality at gap 0 without stating its bound
        base.details["bound_source"] = "the solver's proof of optimality"
    if not math.isnan(bound):
        # a bound a hair past the objective (solver tolerances) is the objective itself
        past = bound - objective if problem.maximise else objective - bound
        if -BOUND_TOL * max(1.0, abs(objective)) <= past < 0:
            bound = objective
    status = settle_status(objective, bound, gap_rel=gap_rel, time_limited=outcome.time_limited)
    message = status_message(status, gap_rel)
    if outcome.optimal and status is not Status.OPTIMAL and status is not Status.WITHIN_GAP:
        message += "; the solver said optimal, but its bound does not prove it"
    if outcome.message:
        message = f"{message} ({outcome.message})"
    assignment = outcome.assignment if outcome.assignment is not None else np.zeros(0, dtype=np.int64)
    return base.with_(status=status, selected=outcome.selected, assignment=assignment, objective=objective,
                      bound=bound, gap=relative_gap(objective, bound), message=message)

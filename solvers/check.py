"""Independent verification of results, from the raw arrays only.

Nothing here trusts the solver: the objective is recomputed from the selected sites (and, for
models whose assignment is a decision, from the assignment), every side constraint is checked,
and a mismatch with the solver's claimed objective turns the result into an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.problem import ModelKind, Problem
from solvers.result import Result, Status, relative_gap

REL_TOL = 1e-6


class VerificationError(RuntimeError):
    """A solver's answer failed the independent check."""


@dataclass(frozen=True)
class Evaluation:
    """Objective and feasibility of a set of open sites, recomputed from the arrays."""

    objective: float
    assignment: NDArray[np.int64]
    feasible: bool
    reason: str = ""


def nearest_open(problem: Problem, selected: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """For each demand point, the nearest selected site (``-1`` if none reachable) and its cost."""
    sel = np.asarray(sorted(selected), dtype=np.int64)
    if sel.size == 0:
        return np.full(problem.n, -1, dtype=np.int64), np.full(problem.n, np.inf)
    sub = np.asarray(problem.cost[:, sel], dtype=np.float64)
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(problem.n), k]
    assign = np.where(np.isfinite(d), sel[k], -1).astype(np.int64)
    return assign, d


def site_rule_violation(problem: Problem, selected: Sequence[int]) -> str:
    """Why ``selected`` breaks p, must-open/close or group limits ('' if it does not)."""
    sel = set(int(j) for j in selected)
    if len(sel) != len(selected):
        return "a site is selected twice"
    if any(not 0 <= j < problem.m for j in sel):
        return "a selected site index is out of range"
    if problem.p is not None and problem.kind is not ModelKind.OUTREACH and len(sel) != problem.p:
        return f"{len(sel)} sites open, p = {problem.p}"
    if problem.p is not None and problem.kind is ModelKind.OUTREACH and len(sel) > problem.p:
        return f"{len(sel)} sites open, at most p = {problem.p}"
    if missing := problem.must_open - sel:
        return f"must-open sites closed: {sorted(missing)[:5]}"
    if opened := problem.must_close & sel:
        return f"must-close sites open: {sorted(opened)[:5]}"
    for g in problem.groups:
        k = len(sel.intersection(g.members))
        if k < g.min_open or (g.max_open is not None and k > g.max_open):
            return f"group {g.name!r} has {k} open sites, limits {g.min_open}..{g.max_open}"
    return ""


def _eval_mclp(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    assert problem.radius is not None
    assign, d = nearest_open(problem, selected)
    covered = d <= problem.radius * (1 + 1e-12)
    assign = np.where(covered, assign, -1)
    return Evaluation(float(problem.weights[covered].sum()), assign, True)


EVALUATORS: dict[ModelKind, Callable[[Problem, Sequence[int], NDArray[np.int64] | None], Evaluation]] = {
    ModelKind.MCLP: _eval_mclp,
}


def evaluate(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None = None) -> Evaluation:
    """Recompute the objective of ``selected`` (and ``assignment`` where it is a decision)."""
    rule = site_rule_violation(problem, selected)
    try:
        ev = EVALUATORS[problem.kind](problem, selected, assignment)
    except KeyError:
        raise VerificationError(f"no independent evaluator for model {problem.kind}") from None
    if rule:
        return Evaluation(ev.objective, ev.assignment, False, rule)
    return ev


def verify(problem: Problem, result: Result) -> Result:
    """Check ``result`` against ``problem``; return it verified, or as an error saying why."""
    if not result.has_solution:
        return result.with_(verified=True)
    ev = evaluate(problem, result.selected, result.assignment if result.assignment.size else None)
    if not ev.feasible:
        return result.with_(status=Status.ERROR, verified=False,
                            message=f"independent check: infeasible solution ({ev.reason}); solver said {result.message}")
    claimed = result.objective
    if not math.isclose(claimed, ev.objective, rel_tol=REL_TOL, abs_tol=1e-6 * max(1.0, abs(ev.objective))):
        return result.with_(status=Status.ERROR, verified=False,
                            message=f"independent check: objective {ev.objective:.6g} != solver's {claimed:.6g}")
    sense_max = problem.kind in (ModelKind.MCLP, ModelKind.CMCLP, ModelKind.OUTREACH)
    bound = result.bound
    if not math.isnan(bound):
        slack = 1e-6 * max(1.0, abs(bound))
        if (sense_max and ev.objective > bound + slack) or (not sense_max and ev.objective < bound - slack):
            return result.with_(status=Status.ERROR, verified=False,
                                message=f"independent check: objective {ev.objective:.6g} beyond bound {bound:.6g}")
    return result.with_(objective=ev.objective, assignment=ev.assignment, verified=True,
                        gap=relative_gap(ev.objective, bound) if not math.isnan(bound) else result.gap)

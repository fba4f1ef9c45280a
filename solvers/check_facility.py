"""Independent evaluation of the facility-cost and backup-coverage models (CFLP, BCLP).

Like :mod:`solvers.check`, nothing here imports a formulation: objectives are recomputed from the
arrays and the open sites. A split-sourced capacitated CFLP has no assignment to check: the best
flows to the open sites are a transportation problem, re-solved here with SciPy's LP.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from solvers.check import (
    SCALE_FLOOR,
    Evaluation,
    VerificationError,
    evaluate_capacitated,
    evaluate_pmedian,
    first_indices,
    nearest_open,
    unreached_reason,
)
from solvers.problem import Problem


def transport_flows(problem: Problem, selected: Sequence[int]) -> tuple[float, NDArray[np.float64] | None, str]:
    r"""The cheapest split-sourced flows to the open sites: cost, ``n x m`` shares, or why none exist.

    The transportation problem :math:`\min \sum w_i d_{ij} x_{ij}` s.t. :math:`\sum_j x_{ij} = 1`
    (demand of positive weight), :math:`\sum_i w_i x_{ij} \le Q_j` over open sites and finite
    costs, solved with SciPy's LP (never the formulation the solver used).
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    sel = np.asarray(sorted(int(j) for j in selected), dtype=np.int64)
    w = np.asarray(problem.weights, dtype=np.float64)
    pos = np.flatnonzero(w > 0)
    if pos.size == 0:
        return 0.0, np.zeros((problem.n, problem.m)), ""
    if sel.size == 0:
        return math.inf, None, "no site is open"
    cost = np.asarray(problem.cost, dtype=np.float64)[np.ix_(pos, sel)]
    ok = np.isfinite(cost)
    unreached = pos[~ok.any(axis=1)]
    if unreached.size:
        return math.inf, None, unreached_reason(unreached)
    r, k = np.nonzero(ok)
    npairs = r.size
    c = w[pos][r] * cost[r, k]
    a_eq = csr_matrix((np.ones(npairs), (r, np.arange(npairs))), shape=(pos.size, npairs))
    assert problem.capacity is not None
    a_ub = csr_matrix((w[pos][r], (k, np.arange(npairs))), shape=(sel.size, npairs))
    res = linprog(c, A_ub=a_ub, b_ub=np.asarray(problem.capacity, dtype=np.float64)[sel], A_eq=a_eq,
                  b_eq=np.ones(pos.size), bounds=(0.0, 1.0), method="highs")
    if res.status == 2:
        return math.inf, None, "the open sites' capacity cannot serve all the demand"
    if res.status != 0:
        raise VerificationError(f"the transportation LP of the check failed: {res.message}")
    share = np.zeros((problem.n, problem.m))
    share[pos[r], sel[k]] = np.clip(res.x, 0.0, 1.0)
    return float(np.dot(c, res.x)), share, ""


def evaluate_cflp(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """Opening costs plus travel: the given assignment (single sourcing) or the best flows (split)."""
    assert problem.opening_cost is not None
    fixed = math.fsum(float(problem.opening_cost[int(j)]) for j in selected)
    if problem.single_source and assignment is not None:
        if problem.capacity is None:
            from dataclasses import replace

            problem = replace(problem, capacity=np.full(problem.m, np.inf))
        ev = evaluate_capacitated(problem, selected, assignment)
        return Evaluation(ev.objective + fixed, ev.assignment, ev.feasible, ev.reason)
    if problem.capacity is None:
        ev = evaluate_pmedian(problem, selected, None)
        return Evaluation(ev.objective + fixed, ev.assignment, ev.feasible, ev.reason)
    if problem.single_source:
        return Evaluation(math.nan, np.full(problem.n, -1, dtype=np.int64), False,
                          "a single-sourced capacitated model needs an assignment of every demand point")
    travel, share, reason = transport_flows(problem, selected)
    if share is None:
        return Evaluation(math.inf, np.full(problem.n, -1, dtype=np.int64), False, reason)
    main = np.where(share.max(axis=1) > 0, share.argmax(axis=1), -1).astype(np.int64)
    return Evaluation(travel + fixed, main, True)


def evaluate_bclp(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """Weight covered by at least two open sites within the radius (and every coverable point once)."""
    assert problem.radius is not None
    cost = np.asarray(problem.cost)
    pos = problem.weights > 0
    sel = np.asarray(sorted(int(j) for j in selected), dtype=np.int64)
    times = (cost[:, sel] <= problem.radius).sum(axis=1) if sel.size else np.zeros(problem.n, dtype=np.int64)
    assign, d = nearest_open(problem, selected)
    assign = np.where(d <= problem.radius, assign, -1)
    objective = float(problem.weights[pos & (times >= 2)].sum())
    if problem.require_cover:
        coverable = pos & (cost[:, problem.open_allowed()] <= problem.radius).any(axis=1)
        missing = np.flatnonzero(coverable & (times == 0))
        if missing.size:
            return Evaluation(objective, assign, False,
                              f"{missing.size} coverable demand points are not covered: {first_indices(missing)}")
    return Evaluation(objective, assign, True)


def scale_cflp(problem: Problem) -> float:
    """All the weight at the largest finite cost, plus every opening cost, times the scale floor."""
    w = np.asarray(problem.weights, dtype=np.float64)
    c = np.asarray(problem.cost)
    cmax = float(c[np.isfinite(c)].max(initial=0.0))
    opening = 0.0 if problem.opening_cost is None else float(np.sum(problem.opening_cost))
    return SCALE_FLOOR * (float(w[w > 0].sum()) * cmax + opening)

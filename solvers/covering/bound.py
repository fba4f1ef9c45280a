r"""True upper bounds for the MCLP from Lagrangian multipliers, the LP that supplies them, and fixing.

Relaxing the coverage rows :math:`z_r \le \sum_{j \in N_r} y_j` of the merged model
(:mod:`~solvers.covering.coverage`) with multipliers :math:`0 \le \lambda_r \le w_r` gives, for every
plan :math:`y \in Y` (:math:`p` sites, must-open, must-close; group limits dropped, a relaxation),

.. math::

    \sum_r w_r z_r \le L(\lambda) = K + \sum_r (w_r - \lambda_r)
        + \max_{y \in Y'} \sum_j c_j y_j, \qquad c_j = \sum_{r : j \in N_r} \lambda_r ,

where :math:`K` is the weight covered by sites fixed open and :math:`Y'` keeps only the cardinality,
must-open and must-close rules, so the maximum takes the must-open sites and the :math:`p - |O|`
largest :math:`c_j` of the others. :math:`L(\lambda)` is computed here in float64 from the
multipliers, whatever produced them, so it is a bound by this inequality alone (with integral
weights it is rounded down after adding :math:`10^{-9} |L|` for the summation error). Its minimum over
:math:`\lambda` is the LP relaxation's value: the multipliers come from the LP duals (HiGHS' interior
point method, :func:`lp_multipliers`), clipped to the box.

*Reduced-cost fixing*: forcing a free site :math:`j` outside the chosen :math:`q = p - |O|` open
(:math:`c_j \le c_{(q)}`) changes the subproblem's maximum by :math:`c_{(q)} - c_j` at least, and
forcing one inside to close by :math:`c_j - c_{(q+1)}`; when :math:`L(\lambda)` minus that is no more
than the incumbent, no plan better than the incumbent has that site open (closed), so it is fixed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.covering.coverage import Coverage

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LagrangianBound:
    """:math:`L(\\lambda)` and the reduced-cost fixings it implies."""

    value: float
    """The bound (rounded down for integral weights)."""
    fixed_open: BoolArray
    fixed_closed: BoolArray


def round_bound(value: float, integral: bool) -> float:
    """A bound computed in float64 as the proof states it: rounded down (with slack) for integral data."""
    if not integral or not math.isfinite(value):
        return value
    return float(math.floor(value + 1e-9 * abs(value) + 1e-9))


def lagrangian_bound(
    cov: Coverage, lam: FloatArray, *, p: int, must_open: BoolArray, allowed: BoolArray, incumbent: float
) -> LagrangianBound:
    """:math:`L(\\lambda)` (module docstring) with reduced-cost fixing against ``incumbent``.

    ``must_open`` and ``allowed`` are over the ``m`` columns; ``p`` counts the must-open sites too.
    """
    lam = np.clip(np.asarray(lam, dtype=np.float64), 0.0, cov.w)
    c = np.asarray(cov.matrix.T @ lam).ravel()
    free = allowed & ~must_open
    q = p - int(must_open.sum())
    fc = np.flatnonzero(free)
    m = cov.m
    none = np.zeros(m, dtype=bool)
    if q < 0 or q > fc.size:
        return LagrangianBound(-math.inf, none, none.copy())
    order = fc[np.argsort(-c[fc], kind="stable")]
    top = order[:q]
    base = cov.constant + math.fsum((cov.w - lam).tolist()) + math.fsum(c[must_open].tolist()) + math.fsum(
        c[top].tolist())
    value = round_bound(base, cov.integral)
    fixed_open = none.copy()
    fixed_closed = none.copy()
    if 0 < q < fc.size and math.isfinite(incumbent):
        cq, cq1 = c[order[q - 1]], c[order[q]]
        rest = order[q:]
        if_open = np.array([round_bound(base - (cq - c[j]), cov.integral) for j in rest])
        fixed_closed[rest[if_open <= incumbent - _slack(incumbent, cov.integral)]] = True
        if_closed = np.array([round_bound(base - (c[j] - cq1), cov.integral) for j in top])
        fixed_open[top[if_closed <= incumbent - _slack(incumbent, cov.integral)]] = True
    return LagrangianBound(value, fixed_open, fixed_closed)


def _slack(incumbent: float, integral: bool) -> float:
    """Margin for fixing with non-integral data: only sites whose bound is clearly below the incumbent."""
    return 0.0 if integral else 1e-9 * max(1.0, abs(incumbent))


@dataclass(frozen=True)
class LpDuals:
    """Multipliers from the LP relaxation (HiGHS interior point, no crossover)."""

    lam: FloatArray
    lp_value: float
    seconds: float
    status: str


def lp_multipliers(
    cov: Coverage, *, p: int, must_open: BoolArray, allowed: BoolArray, time_limit_s: float, threads: int = 1,
) -> LpDuals:
    r"""Solve the LP relaxation of the merged model and return its row duals as multipliers.

    .. math::

        \max \sum_r w_r z_r \;\text{s.t.}\; z_r - \sum_{j \in N_r} y_j \le 0,\;
        \sum_j y_j = p,\; 0 \le z \le 1,\; 0 \le y \le 1,\; y_j = 1\,(j \in O),\; y_j = 0\,(j \notin J_a).

    Only the duals are used (their bound is recomputed exactly by :func:`lagrangian_bound`), so an
    inexact or stopped LP gives a weaker bound, never a wrong one.
    """
    t0 = time.perf_counter()
    n, m = cov.rows, cov.m
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("threads", max(1, threads))
    h.setOptionValue("time_limit", max(1.0, time_limit_s))
    lo = must_open.astype(np.float64)
    hi = allowed.astype(np.float64)
    h.addVars(m, lo, hi)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(m, m + n, dtype=np.int32), cov.w)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    rows = sp.hstack([-cov.matrix, sp.identity(n, format="csr")]).tocsr()
    h.addRows(n, np.full(n, -highspy.kHighsInf), np.zeros(n), rows.nnz, rows.indptr[:-1].astype(np.int32),
              rows.indices.astype(np.int32), rows.data.astype(np.float64))
    h.addRow(float(p), float(p), m, np.arange(m, dtype=np.int32), np.ones(m))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = h.getSolution()
    # without crossover HiGHS may not flag the duals valid; any multipliers give a true bound
    duals = np.asarray(sol.row_dual[:n], dtype=np.float64) if len(sol.row_dual) >= n else np.zeros(n)
    lp_value = float(h.getInfo().objective_function_value) + cov.constant
    # HiGHS reports the duals of a maximisation's <= rows as non-negative: they are the multipliers
    return LpDuals(lam=np.clip(duals, 0.0, cov.w), lp_value=lp_value, seconds=time.perf_counter() - t0,
                   status=status)

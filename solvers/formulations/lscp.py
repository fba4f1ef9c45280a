r"""Location set covering problem (LSCP), Toregas, Swain, ReVelle and Bergman (1971).

.. math::

    \min \sum_{j} y_j
    \quad\text{s.t.}\quad
    \sum_{j \in N_i} y_j \ge 1 \;\; \forall i \in C, \qquad
    \sum_{j} y_j \le p \;\text{(only if } p \text{ is given)}, \qquad
    y_j \in \{0, 1\},

where :math:`N_i = \{ j : d_{ij} \le r,\ j \text{ may open} \}` and :math:`C = \{ i : w_i > 0,\
N_i \ne \emptyset \}` is the coverable demand. Demand points of positive weight that no site may
cover (:func:`uncoverable`) are left out and reported by :func:`solvers.solve` in
``Result.details["uncoverable"]`` and its message; demand points of weight 0 place no requirement.
Must-open, must-close and group limits apply as in every model; ``p``, when given, is a cap.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[1.0, 9.0, 2.0], [9.0, 1.0, 2.0], [9.0, 9.0, 9.0]])
    >>> r = solve(make_problem("lscp", [1, 1, 1], cost, radius=2.0), solver="highs")
    >>> r.selected, r.objective, r.details["uncoverable"].tolist()
    ((2,), 1.0, [2])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from solvers.formulations.common import add_site_rows, pair_mask, positive_demand, site_bounds
from solvers.linear import MatrixModel, RowBuilder
from solvers.problem import BoolArray, IntArray, Problem


def cover_csr(problem: Problem) -> sp.csr_matrix:
    """Sparse ``n x m`` 0/1 matrix of pairs a site that may open covers (positive weight only)."""
    rows, cols = np.nonzero(pair_mask(problem, within_radius=True))
    data = np.ones(rows.shape[0], dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(problem.n, problem.m))


def coverable(problem: Problem) -> BoolArray:
    """Demand points of positive weight that at least one site that may open covers."""
    return np.asarray(pair_mask(problem, within_radius=True).any(axis=1))


def uncoverable(problem: Problem) -> IntArray:
    """Indices of demand points of positive weight that no site that may open covers."""
    return np.flatnonzero(positive_demand(problem) & ~coverable(problem)).astype(np.int64)


def build(problem: Problem) -> MatrixModel:
    """The LSCP MIP over the coverable demand (sparse rows)."""
    cov = cover_csr(problem)
    rows_kept = np.flatnonzero(np.diff(cov.indptr) > 0)
    sub = cov[rows_kept]
    m, k = problem.m, rows_kept.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    rb = RowBuilder(m)
    local = np.repeat(np.arange(k), np.diff(sub.indptr))
    rb.add(local, site_vars[sub.indices], 1.0, 1.0, np.inf, k)
    add_site_rows(rb, problem, site_vars, exact_p=False)
    a, lo, hi = rb.build()
    lb, ub = site_bounds(problem)
    return MatrixModel(
        sense="min",
        c=np.ones(m),
        A=a,
        row_lo=lo,
        row_hi=hi,
        lb=lb,
        ub=ub,
        integer=np.ones(m, dtype=bool),
        site_vars=site_vars,
        objective_integral=True,
        names={"cover_demand": rows_kept.astype(np.int64)},
    )

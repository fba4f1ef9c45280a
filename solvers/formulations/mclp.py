r"""Maximal covering location problem (MCLP), Church and ReVelle (1974).

.. math::

    \max \sum_{i \in I} w_i z_i
    \quad\text{s.t.}\quad
    z_i \le \sum_{j \in N_i} y_j \;\; \forall i, \qquad
    \sum_{j} y_j = p, \qquad
    y_j \in \{0, 1\},\; 0 \le z_i \le 1,

where :math:`N_i = \{ j : d_{ij} \le r \}`. Only pairs within the radius enter the model
(sparse), and demand points no site can cover are left out (their :math:`z_i` is 0).
:math:`z_i` may be continuous: at an integral :math:`y` the optimum sets it to 0 or 1.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[1.0, 9.0], [9.0, 1.0], [2.0, 9.0]])
    >>> r = solve(make_problem("mclp", [1, 5, 1], cost, p=1, radius=3.0), solver="cbc")
    >>> r.selected, r.objective
    ((1,), 5.0)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from solvers.formulations.common import add_site_rows, site_bounds
from solvers.linear import MatrixModel, RowBuilder
from solvers.problem import Problem


def coverage_csr(problem: Problem) -> sp.csr_matrix:
    """Sparse ``n x m`` boolean matrix of pairs with ``cost <= radius`` (vectorised)."""
    assert problem.radius is not None
    rows, cols = np.nonzero(np.asarray(problem.cost) <= problem.radius)
    data = np.ones(rows.shape[0], dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(problem.n, problem.m))


def build(problem: Problem) -> MatrixModel:
    cov = coverage_csr(problem)
    coverable = np.flatnonzero((np.diff(cov.indptr) > 0) & (problem.weights > 0))
    m, k = problem.m, coverable.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    z_vars = m + np.arange(k, dtype=np.int64)
    nvar = m + k
    c = np.zeros(nvar)
    c[z_vars] = problem.weights[coverable]
    rb = RowBuilder(nvar)
    # z_i - sum_{j in N_i} y_j <= 0
    sub = cov[coverable]
    counts = np.diff(sub.indptr)
    local = np.repeat(np.arange(k), counts)
    rows = np.concatenate([np.arange(k), local])
    cols = np.concatenate([z_vars, site_vars[sub.indices]])
    vals = np.concatenate([np.ones(k), -np.ones(sub.indices.shape[0])])
    rb.add(rows, cols, vals, -np.inf, 0.0, k)
    add_site_rows(rb, problem, site_vars)
    a, lo, hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    lb = np.concatenate([lb_y, np.zeros(k)])
    ub = np.concatenate([ub_y, np.ones(k)])
    integer = np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)])
    return MatrixModel(
        sense="max", c=c, A=a, row_lo=lo, row_hi=hi, lb=lb, ub=ub, integer=integer,
        site_vars=site_vars, names={"z": z_vars, "z_demand": coverable.astype(np.int64)},
    )

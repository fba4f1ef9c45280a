r"""Capacitated p-median (CPMP) and capacitated maximal covering (CMCLP), single-sourced.

Each demand point is served whole by one site (the assignment is a decision, decoded through
``MatrixModel.assign_vars`` and checked by :mod:`solvers.check`), and the weight a site serves is
at most its capacity :math:`Q_j` (in the units of the weights).

Capacitated p-median (Osman and Christofides, 1994):

.. math::

    \min \sum_{(i,j) \in P} w_i d_{ij} x_{ij}
    \quad\text{s.t.}\quad
    \sum_{j} x_{ij} = 1 \;\; \forall i \in I^+, \qquad
    \sum_{i} w_i x_{ij} \le Q_j y_j \;\; \forall j, \qquad
    x_{ij} \le y_j, \qquad
    \sum_j y_j = p, \qquad
    x_{ij}, y_j \in \{0, 1\},

over the finite pairs :math:`P` (demand of positive weight, sites that may open). Capacitated MCLP
(Current and Storbeck, 1988) over the pairs within the radius :math:`P_r`:

.. math::

    \max \sum_{(i,j) \in P_r} w_i x_{ij}
    \quad\text{s.t.}\quad
    \sum_{j} x_{ij} \le 1 \;\; \forall i, \qquad
    \sum_{i} w_i x_{ij} \le Q_j y_j \;\; \forall j, \qquad
    x_{ij} \le y_j, \qquad
    \sum_j y_j = p, \qquad
    x_{ij}, y_j \in \{0, 1\}.

A covered demand point that does not fit in any open site's capacity stays unassigned (``-1``).
The redundant :math:`x_{ij} \le y_j` rows tighten the LP relaxation.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[1.0, 4.0], [1.0, 2.0], [3.0, 1.0]])
    >>> r = solve(make_problem("cpmedian", [2, 2, 2], cost, p=2, capacity=[2, 4]), solver="highs")
    >>> r.selected, r.objective, r.assignment.tolist()
    ((0, 1), 8.0, [0, 1, 1])
    >>> r = solve(make_problem("cmclp", [2, 2, 2], cost, p=1, radius=2.0, capacity=[3, 5]), solver="highs")
    >>> r.selected, r.objective, r.assignment.tolist()
    ((1,), 4.0, [-1, 1, 1])
"""

from __future__ import annotations

import numpy as np

from solvers.formulations.common import (
    add_assignment_rows,
    add_site_rows,
    positive_demand,
    serving_pairs,
    site_bounds,
)
from solvers.linear import MatrixModel, RowBuilder
from solvers.problem import ModelKind, Problem


def build(problem: Problem) -> MatrixModel:
    """The capacitated p-median (``cpmedian``) or capacitated MCLP (``cmclp``) MIP."""
    covering = problem.kind is ModelKind.CMCLP
    assert problem.capacity is not None
    demand, site = serving_pairs(problem, within_radius=covering)
    served = np.unique(demand) if covering else np.flatnonzero(positive_demand(problem)).astype(np.int64)
    m, k = problem.m, demand.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    x_vars = m + np.arange(k, dtype=np.int64)
    nvar = m + k
    w = problem.weights[demand]
    c = np.zeros(nvar)
    if covering:
        c[x_vars] = w
    else:
        c[x_vars] = w * np.asarray(problem.cost, dtype=np.float64)[demand, site]
    rb = RowBuilder(nvar)
    add_assignment_rows(rb, demand, x_vars, site_vars, site, served, exactly_one=not covering)
    # sum_i w_i x_ij - Q_j y_j <= 0, one row per site
    rows = np.concatenate([site, np.arange(m)])
    cols = np.concatenate([x_vars, site_vars])
    vals = np.concatenate([w, -np.asarray(problem.capacity, dtype=np.float64)])
    capacity_rows = rb.add(rows, cols, vals, -np.inf, 0.0, m)
    add_site_rows(rb, problem, site_vars)
    a, lo, hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    return MatrixModel(
        sense="max" if covering else "min",
        c=c,
        A=a,
        row_lo=lo,
        row_hi=hi,
        lb=np.concatenate([lb_y, np.zeros(k)]),
        ub=np.concatenate([ub_y, np.ones(k)]),
        integer=np.ones(nvar, dtype=bool),
        site_vars=site_vars,
        assign_vars=np.column_stack([demand, site, x_vars]).astype(np.int64),
        names={"x": x_vars, "x_demand": demand, "x_site": site, "capacity_rows": capacity_rows},
    )

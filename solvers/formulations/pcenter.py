r"""p-center problem, Hakimi (1965): the compact MIP with a bound variable :math:`z`.

.. math::

    \min z
    \quad\text{s.t.}\quad
    \sum_{j : (i,j) \in P} e_{ij} x_{ij} \le z \;\; \forall i \in I^+, \qquad
    \sum_{j : (i,j) \in P} x_{ij} = 1 \;\; \forall i \in I^+, \qquad
    x_{ij} \le y_j, \qquad
    \sum_{j} y_j = p, \qquad
    y_j \in \{0, 1\},\; 0 \le x_{ij} \le 1,\; z \ge 0,

with :math:`e_{ij} = d_{ij}`, or :math:`e_{ij} = w_i d_{ij}` when ``Problem.weighted_center`` is
set, :math:`I^+ = \{ i : w_i > 0 \}` and :math:`P` the finite pairs to sites that may open (as in
:mod:`solvers.formulations.pmedian`). At an integral :math:`y` the optimum sends each demand point
to its nearest open site, so :math:`x` may be continuous and :math:`z^* = \max_i \min_{j \text{ open}}
e_{ij}`. Demand points of weight 0 are ignored; one of positive weight no open site can reach makes
the model infeasible.

This compact model is what the MIP backends solve. Its LP bound is weak; ``pcenter-exact``
(:mod:`solvers.pcenter_search`, ``auto``'s choice) searches the sorted distinct costs with a covering
check per radius instead, and is much faster. Both carry every side constraint.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[0.0, 6.0], [2.0, 4.0], [7.0, 1.0]])
    >>> r = solve(make_problem("pcenter", [1, 1, 1], cost, p=1), solver="highs")
    >>> r.selected, r.objective
    ((1,), 6.0)
    >>> rw = solve(make_problem("pcenter", [1, 1, 3], cost, p=1, weighted_center=True), solver="highs")
    >>> rw.selected, rw.objective
    ((1,), 6.0)
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
from solvers.problem import FloatArray, IntArray, Problem


def center_costs(problem: Problem, demand: IntArray, site: IntArray) -> FloatArray:
    """The cost :math:`e_{ij}` the p-center minimises the maximum of, for the given pairs."""
    d = np.asarray(problem.cost, dtype=np.float64)[demand, site]
    return problem.weights[demand] * d if problem.weighted_center else d


def center_cost_rows(problem: Problem, demand: IntArray) -> FloatArray:
    """The costs :math:`e_{ij}` of the demand points ``demand`` to every site, ``(len(demand), m)``."""
    d = np.array(np.asarray(problem.cost)[demand], dtype=np.float64)
    return problem.weights[demand][:, None] * d if problem.weighted_center else d


def build(problem: Problem) -> MatrixModel:
    """The compact p-center MIP over the finite pairs."""
    demand, site = serving_pairs(problem, within_radius=False)
    served = np.flatnonzero(positive_demand(problem)).astype(np.int64)
    m, k, s = problem.m, demand.shape[0], served.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    x_vars = m + np.arange(k, dtype=np.int64)
    z_var = m + k
    nvar = m + k + 1
    c = np.zeros(nvar)
    c[z_var] = 1.0
    rb = RowBuilder(nvar)
    add_assignment_rows(rb, demand, x_vars, site_vars, site, served, exactly_one=True)
    # sum_j e_ij x_ij - z <= 0, one row per served demand point
    local = np.searchsorted(served, demand)
    rows = np.concatenate([local, np.arange(s)])
    cols = np.concatenate([x_vars, np.full(s, z_var, dtype=np.int64)])
    vals = np.concatenate([center_costs(problem, demand, site), -np.ones(s)])
    center_rows = rb.add(rows, cols, vals, -np.inf, 0.0, s)
    add_site_rows(rb, problem, site_vars)
    a, lo, hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    return MatrixModel(
        sense="min",
        c=c,
        A=a,
        row_lo=lo,
        row_hi=hi,
        lb=np.concatenate([lb_y, np.zeros(k + 1)]),
        ub=np.concatenate([ub_y, np.ones(k), [np.inf]]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(k + 1, dtype=bool)]),
        site_vars=site_vars,
        names={
            "x": x_vars,
            "x_demand": demand,
            "x_site": site,
            "zmax": np.array([z_var], dtype=np.int64),
            "center_rows": center_rows,
        },
    )

r"""p-median problem, Hakimi (1964); the strong compact formulation of ReVelle and Swain (1970).

.. math::

    \min \sum_{(i,j) \in P} w_i d_{ij} x_{ij}
    \quad\text{s.t.}\quad
    \sum_{j : (i,j) \in P} x_{ij} = 1 \;\; \forall i \in I^+, \qquad
    x_{ij} \le y_j \;\; \forall (i,j) \in P, \qquad
    \sum_{j} y_j = p, \qquad
    y_j \in \{0, 1\},\; 0 \le x_{ij} \le 1,

where :math:`I^+ = \{ i : w_i > 0 \}` and :math:`P = \{ (i,j) : i \in I^+,\ d_{ij} < \infty,\ j
\text{ may open} \}`. Only finite pairs enter the model (sparse); a demand point of positive weight
that no open site can reach makes the model infeasible, one of weight 0 is ignored. :math:`x_{ij}`
may be continuous: at an integral :math:`y` an optimal :math:`x` sends each demand point to its
nearest open site. Must-open and must-close sites fix :math:`y_j`; group limits add
:math:`\ell_g \le \sum_{j \in g} y_j \le u_g`.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[0.0, 3.0, 9.0], [3.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> r = solve(make_problem("pmedian", [1, 1, 4], cost, p=1), solver="highs")
    >>> r.selected, r.objective
    ((2,), 14.0)
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
from solvers.problem import Problem


def build(problem: Problem) -> MatrixModel:
    """The strong p-median MIP over the finite pairs."""
    demand, site = serving_pairs(problem, within_radius=False)
    served = np.flatnonzero(positive_demand(problem)).astype(np.int64)
    m, k = problem.m, demand.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    x_vars = m + np.arange(k, dtype=np.int64)
    nvar = m + k
    c = np.zeros(nvar)
    c[x_vars] = problem.weights[demand] * np.asarray(problem.cost, dtype=np.float64)[demand, site]
    rb = RowBuilder(nvar)
    add_assignment_rows(rb, demand, x_vars, site_vars, site, served, exactly_one=True)
    add_site_rows(rb, problem, site_vars)
    a, lo, hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    return MatrixModel(
        sense="min",
        c=c,
        A=a,
        row_lo=lo,
        row_hi=hi,
        lb=np.concatenate([lb_y, np.zeros(k)]),
        ub=np.concatenate([ub_y, np.ones(k)]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)]),
        site_vars=site_vars,
        names={"x": x_vars, "x_demand": demand, "x_site": site},
    )

r"""Capacitated facility location (CFLP): opening costs, capacities, a free or capped number of sites.

Each site :math:`j` has an opening cost :math:`f_j` (in the units of the objective) and, optionally,
a capacity :math:`Q_j` (in the units of the weights). Demand point :math:`i` has weight :math:`w_i`
and serving it from :math:`j` costs :math:`d_{ij}` per unit of weight. :math:`x_{ij}` is the share
of :math:`i`'s weight served by :math:`j` (Sridharan 1995; the problem of Beasley's OR-Library
``cap`` instances, 1988):

.. math::

    \min \sum_j f_j y_j + \sum_{(i,j) \in P} w_i d_{ij} x_{ij}
    \quad\text{s.t.}\quad
    \sum_{j} x_{ij} = 1 \;\; \forall i \in I^+, \qquad
    \sum_{i} w_i x_{ij} \le Q_j y_j \;\; \forall j, \qquad
    x_{ij} \le y_j \;\; \forall (i,j) \in P, \qquad
    \sum_j y_j \le p \;\text{(if given)}, \qquad
    y_j \in \{0, 1\},

over the finite pairs :math:`P` (demand of positive weight :math:`I^+`, sites that may open).

* **Split sourcing** (``single_source=False``, the convention of OR-Library's ``capopt``
  optima): :math:`0 \le x_{ij} \le 1`. Given the open sites, the best flows are a transportation
  problem, which :mod:`solvers.check` re-solves on its own.
* **Single sourcing** (``single_source=True``): :math:`x_{ij} \in \{0, 1\}`, each demand point is
  served whole by one site (a generalised assignment given the open sites). A demand point heavier
  than every capacity makes the problem infeasible.

Without capacities the capacity rows are left out (the uncapacitated facility location problem;
split and single sourcing then coincide: each demand point goes to its cheapest open site). The
redundant :math:`x_{ij} \le y_j` rows are the strong formulation: they tighten the LP relaxation
considerably (Cornuéjols, Sridharan and Thizy 1991). ``p`` caps the number of open sites; group
limits, must-open and must-close sites apply as in every model.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[1.0, 4.0], [1.0, 2.0], [3.0, 1.0]])
    >>> pr = make_problem("cflp", [2, 2, 2], cost, opening_cost=[3.0, 3.0], capacity=[4, 4])
    >>> r = solve(pr, solver="highs")
    >>> r.selected, r.objective
    ((0, 1), 12.0)
    >>> r = solve(make_problem("cflp", [2, 2, 2], cost, opening_cost=[3.0, 30.0]), solver="highs")
    >>> r.selected, r.objective
    ((0,), 13.0)
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
    """The CFLP MIP (split or single sourcing, capacitated or not)."""
    assert problem.opening_cost is not None
    demand, site = serving_pairs(problem, within_radius=False)
    served = np.flatnonzero(positive_demand(problem)).astype(np.int64)
    m, k = problem.m, demand.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    x_vars = m + np.arange(k, dtype=np.int64)
    nvar = m + k
    w = problem.weights[demand]
    c = np.zeros(nvar)
    c[site_vars] = np.asarray(problem.opening_cost, dtype=np.float64)
    c[x_vars] = w * np.asarray(problem.cost, dtype=np.float64)[demand, site]
    rb = RowBuilder(nvar)
    add_assignment_rows(rb, demand, x_vars, site_vars, site, served, exactly_one=True)
    names: dict[str, np.ndarray] = {"x": x_vars, "x_demand": demand, "x_site": site}
    if problem.capacity is not None:
        # sum_i w_i x_ij - Q_j y_j <= 0, one row per site
        rows = np.concatenate([site, np.arange(m)])
        cols = np.concatenate([x_vars, site_vars])
        vals = np.concatenate([w, -np.asarray(problem.capacity, dtype=np.float64)])
        names["capacity_rows"] = rb.add(rows, cols, vals, -np.inf, 0.0, m)
    add_site_rows(rb, problem, site_vars, exact_p=False)
    a, lo, hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    integer = np.ones(nvar, dtype=bool)
    if not problem.single_source:
        integer[x_vars] = False
    return MatrixModel(
        sense="min",
        c=c,
        A=a,
        row_lo=lo,
        row_hi=hi,
        lb=np.concatenate([lb_y, np.zeros(k)]),
        ub=np.concatenate([ub_y, np.ones(k)]),
        integer=integer,
        site_vars=site_vars,
        # single sourcing: the assignment is a decision; split: the checker re-solves the flows
        assign_vars=np.column_stack([demand, site, x_vars]).astype(np.int64) if problem.single_source else None,
        names=names,
    )

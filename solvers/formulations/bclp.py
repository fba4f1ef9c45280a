r"""Backup coverage (BCLP): open p sites to maximise the demand covered at least twice.

Hogan and ReVelle (1986) introduced backup coverage for services that are sometimes busy: a
demand point with two sites within reach still has one when the other is out. With
:math:`N_i = \{ j : d_{ij} \le r,\ j \text{ may open} \}`, weights :math:`w_i` and
:math:`u_i = 1` when :math:`i` is covered at least twice, there are two variants.

**With full single coverage** (``require_cover=True``, the default: Hogan and ReVelle's BACOP1,
allagash's ``BCLP`` and spopt's ``LSCPB``, which fixes p to the LSCP optimum):

.. math::

    \max \sum_{i \in B} w_i u_i
    \quad\text{s.t.}\quad
    \sum_{j \in N_i} y_j \ge 1 + u_i \;\; \forall i \in B, \qquad
    \sum_{j \in N_i} y_j \ge 1 \;\; \forall i \in C \setminus B, \qquad
    \sum_j y_j = p, \qquad
    y_j \in \{0, 1\},\; 0 \le u_i \le 1,

where :math:`C = \{ i : w_i > 0,\ N_i \ne \emptyset \}` is the coverable demand and
:math:`B = \{ i \in C : |N_i| \ge 2 \}` the demand that can be covered twice. Every coverable
demand point must be covered once, so a p below the LSCP optimum is infeasible (reported as
such). :math:`u_i` may be continuous: at an integral :math:`y` the optimum sets
:math:`u_i = \min(1, \sum_{j \in N_i} y_j - 1) \in \{0, 1\}`.

**Without it** (``require_cover=False``: backup coverage as an objective alone, p free to
leave demand uncovered):

.. math::

    \max \sum_{i \in B} w_i u_i
    \quad\text{s.t.}\quad
    \sum_{j \in N_i} y_j \ge 2 u_i \;\; \forall i \in B, \qquad
    \sum_j y_j = p, \qquad
    y_j \in \{0, 1\},\; u_i \in \{0, 1\}.

Here :math:`u_i` must be binary (with one site in reach a continuous :math:`u_i` would take 1/2).

Which one we implement: both, on one switch. The default is the first, the model of allagash and
spopt: it answers "every family keeps a base in reach; with p bases, how many also have a second
one?". The objective is the weight covered at least twice; the single coverage is reported
beside it by the domain layer.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> cost = np.array([[1.0, 2.0, 9.0], [1.0, 9.0, 2.0], [9.0, 1.0, 1.0]])
    >>> r = solve(make_problem("bclp", [1, 1, 5], cost, p=2, radius=3.0), solver="highs")
    >>> r.selected, r.objective
    ((1, 2), 5.0)
    >>> r = solve(make_problem("bclp", [1, 1, 5], cost, p=2, radius=3.0, require_cover=False,
    ...                        must_open=[0]), solver="highs")
    >>> r.objective
    1.0
"""

from __future__ import annotations

import numpy as np

from solvers.formulations.common import add_site_rows, site_bounds
from solvers.formulations.lscp import cover_csr
from solvers.linear import MatrixModel, RowBuilder
from solvers.problem import Problem


def build(problem: Problem) -> MatrixModel:
    """The BCLP MIP (sparse rows over the coverable demand)."""
    cov = cover_csr(problem)
    reach = np.diff(cov.indptr)
    once = np.flatnonzero(reach >= 1)  # C: coverable
    twice = np.flatnonzero(reach >= 2)  # B: can be covered twice
    m, k = problem.m, twice.shape[0]
    site_vars = np.arange(m, dtype=np.int64)
    u_vars = m + np.arange(k, dtype=np.int64)
    nvar = m + k
    c = np.zeros(nvar)
    c[u_vars] = problem.weights[twice]
    rb = RowBuilder(nvar)
    sub = cov[twice]
    local = np.repeat(np.arange(k), np.diff(sub.indptr))
    rows = np.concatenate([local, np.arange(k)])
    cols = np.concatenate([site_vars[sub.indices], u_vars])
    if problem.require_cover:
        # sum_{N_i} y_j - u_i >= 1 on B; sum_{N_i} y_j >= 1 on C \ B
        vals = np.concatenate([np.ones(sub.indices.shape[0]), -np.ones(k)])
        rb.add(rows, cols, vals, 1.0, np.inf, k)
        single = once[reach[once] == 1]
        s_sub = cov[single]
        rb.add(np.repeat(np.arange(single.shape[0]), np.diff(s_sub.indptr)), site_vars[s_sub.indices], 1.0,
               1.0, np.inf, single.shape[0])
    else:
        # sum_{N_i} y_j - 2 u_i >= 0 on B
        vals = np.concatenate([np.ones(sub.indices.shape[0]), -2.0 * np.ones(k)])
        rb.add(rows, cols, vals, 0.0, np.inf, k)
    add_site_rows(rb, problem, site_vars)
    a, lo, hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    integer = np.ones(nvar, dtype=bool)
    if problem.require_cover:
        integer[u_vars] = False
    return MatrixModel(
        sense="max",
        c=c,
        A=a,
        row_lo=lo,
        row_hi=hi,
        lb=np.concatenate([lb_y, np.zeros(k)]),
        ub=np.concatenate([ub_y, np.ones(k)]),
        integer=integer,
        site_vars=site_vars,
        names={"u": u_vars, "u_demand": twice.astype(np.int64)},
    )

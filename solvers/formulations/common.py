"""Pieces shared by every formulation: the number of sites, fixings, group limits and pairs.

Conventions every formulation in this package follows (backends and :mod:`solvers.formulations.start`
rely on them):

* the site variables ``y_j`` come first (``site_vars = arange(m)``);
* demand points with zero weight place no requirement on any model and are left out;
* sites that must stay closed are left out of every demand-site pair (their ``y_j`` is also fixed
  to 0), so no pair variable can point at them;
* pair variables are recorded in ``names["x"]`` with their demand ``names["x_demand"]`` and site
  ``names["x_site"]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers.linear import RowBuilder
from solvers.problem import BoolArray, IntArray, Problem


def site_bounds(problem: Problem) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bounds of the site variables ``y_j``: fixed to 1 for must-open, 0 for must-close."""
    lb = np.zeros(problem.m)
    ub = np.ones(problem.m)
    if problem.must_open:
        lb[list(problem.must_open)] = 1.0
    if problem.must_close:
        ub[list(problem.must_close)] = 0.0
    return lb, ub


def add_site_rows(rb: RowBuilder, problem: Problem, site_vars: NDArray[np.int64], *, exact_p: bool = True) -> None:
    """Add ``sum_j y_j = p`` (or ``<= p``) and every group's ``min <= sum_{j in g} y_j <= max``."""
    if problem.p is not None:
        hi = float(problem.p)
        lo = hi if exact_p else 0.0
        rb.add(np.zeros(problem.m), site_vars, 1.0, lo, hi, 1)
    for g in problem.groups:
        members = np.unique(np.asarray(g.members, dtype=np.int64))
        hi = np.inf if g.max_open is None else float(g.max_open)
        rb.add(np.zeros(len(members)), site_vars[members], 1.0, float(g.min_open), hi, 1)


def positive_demand(problem: Problem) -> BoolArray:
    """Mask of demand points with positive weight (the only ones any model has to serve)."""
    return np.asarray(problem.weights > 0)


def pair_mask(problem: Problem, *, within_radius: bool) -> BoolArray:
    """Dense ``n x m`` mask of the demand-site pairs that may enter a model (vectorised).

    A pair enters when the demand point has positive weight, the site may open, and the cost is
    finite (or, with ``within_radius``, at most the radius).
    """
    cost = np.asarray(problem.cost)
    if within_radius:
        assert problem.radius is not None
        ok = cost <= problem.radius
    else:
        ok = np.isfinite(cost)
    return np.asarray(ok & positive_demand(problem)[:, None] & problem.open_allowed()[None, :])


def serving_pairs(problem: Problem, *, within_radius: bool) -> tuple[IntArray, IntArray]:
    """Row-major ``(demand, site)`` index arrays of the pairs from :func:`pair_mask`."""
    rows, cols = np.nonzero(pair_mask(problem, within_radius=within_radius))
    return rows.astype(np.int64), cols.astype(np.int64)


def add_assignment_rows(
    rb: RowBuilder,
    demand: IntArray,
    x_vars: IntArray,
    site_vars: IntArray,
    site: IntArray,
    served: IntArray,
    *,
    exactly_one: bool,
) -> None:
    """Add ``sum_j x_ij = 1`` (or ``<= 1``) for each demand point in ``served`` and ``x_ij <= y_j``.

    ``demand``/``site``/``x_vars`` describe the pairs (row-major by demand); ``served`` lists the
    demand points that get an assignment row (every one of them, even with no pair, so that a
    demand point no open site can reach makes an exact model infeasible rather than vanish).
    """
    k = demand.shape[0]
    local = np.searchsorted(served, demand)
    rb.add(local, x_vars, 1.0, 1.0 if exactly_one else -np.inf, 1.0, served.shape[0])
    rows = np.concatenate([np.arange(k), np.arange(k)])
    cols = np.concatenate([x_vars, site_vars[site]])
    vals = np.concatenate([np.ones(k), -np.ones(k)])
    rb.add(rows, cols, vals, -np.inf, 0.0, k)

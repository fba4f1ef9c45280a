"""Pieces shared by every formulation: the number of sites, fixings and group limits."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers.linear import RowBuilder
from solvers.problem import Problem


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
        members = np.asarray(g.members, dtype=np.int64)
        hi = np.inf if g.max_open is None else float(g.max_open)
        rb.add(np.zeros(len(members)), site_vars[members], 1.0, float(g.min_open), hi, 1)

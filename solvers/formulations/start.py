"""MIP starts: the variable values of a known solution (open sites, optionally an assignment).

Backends pass these to their solver as a warm start. The start is complete for the models built
in this package (it follows the conventions in :mod:`solvers.formulations.common`); for a model
it does not know, or a capacitated model without an assignment, only the site variables are set
and the solver completes the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solvers.linear import MatrixModel
from solvers.models import models_with
from solvers.problem import FloatArray, IntArray, Problem, SolveOptions

KNOWN_MODELS = models_with("mip_start_completion")
"""Models whose variable conventions the start completion knows (their definition says so)."""


def mip_start(
    problem: Problem,
    model: MatrixModel,
    selected: Sequence[int],
    assignment: IntArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Indices and values of the variables set by the start ``selected`` (and ``assignment``)."""
    values = np.zeros(model.num_vars)
    known = np.zeros(model.num_vars, dtype=bool)
    sel = np.asarray(sorted(int(j) for j in selected), dtype=np.int64)
    values[model.site_vars[sel]] = 1.0
    known[model.site_vars] = True
    open_mask = np.zeros(problem.m, dtype=bool)
    open_mask[sel] = True
    names = model.names if problem.kind in KNOWN_MODELS else {}
    if "z" in names and "z_demand" in names and problem.radius is not None:
        zd = names["z_demand"]
        covered = (np.asarray(problem.cost)[zd][:, open_mask] <= problem.radius).any(axis=1)
        values[names["z"]] = covered.astype(np.float64)
        known[names["z"]] = True
    if "x" in names:
        x, xd, xs = names["x"], names["x_demand"], names["x_site"]
        if assignment is not None and assignment.shape == (problem.n,):
            values[x] = (assignment[xd] == xs).astype(np.float64)
            known[x] = True
        elif model.assign_vars is None:
            values[x] = _nearest_pairs(problem, xd, xs, open_mask)
            known[x] = True
    if "zmax" in names and "center_rows" in names and bool(known[names["x"]].all()):
        activity = model.A[names["center_rows"]] @ values
        values[names["zmax"]] = max(0.0, float(activity.max(initial=0.0)))
        known[names["zmax"]] = True
    idx = np.flatnonzero(known).astype(np.int64)
    return idx, values[idx]


def _nearest_pairs(problem: Problem, demand: IntArray, site: IntArray, open_mask: np.ndarray) -> FloatArray:
    """1 on the pair of each demand point to its nearest open site (ties to the lowest index)."""
    out = np.zeros(demand.shape[0])
    cost = np.asarray(problem.cost, dtype=np.float64)[demand, site]
    ok = open_mask[site]
    if not ok.any():
        return out
    cand = np.flatnonzero(ok)
    # pairs are row-major by demand; sort candidates by (demand, cost) and keep the first per demand
    order = np.lexsort((cost[cand], demand[cand]))
    cand = cand[order]
    first = np.ones(cand.shape[0], dtype=bool)
    first[1:] = demand[cand][1:] != demand[cand][:-1]
    out[cand[first]] = 1.0
    return out


def site_objective(problem: Problem, model: MatrixModel, selected: Sequence[int]) -> float:
    """The model's objective for the open sites ``selected``, with the best assignment given them.

    Only for models whose assignment is not a decision (``model.assign_vars is None``): a MIP
    incumbent stopped early may carry a poorer assignment than the open sites allow, and its sites
    are what the solution is. NaN if the start cannot be completed (an unknown model).
    """
    if model.assign_vars is not None or problem.kind not in KNOWN_MODELS:
        return float("nan")
    idx, vals = mip_start(problem, model, selected)
    if idx.size != model.num_vars:
        return float("nan")
    values = np.zeros(model.num_vars)
    values[idx] = vals
    return float(model.c @ values) + model.offset


def start_assignment(options: SolveOptions) -> IntArray | None:
    """An assignment given with the warm start, in ``options.extra["warm_start_assignment"]``."""
    a = options.extra.get("warm_start_assignment")
    return None if a is None else np.asarray(a, dtype=np.int64)

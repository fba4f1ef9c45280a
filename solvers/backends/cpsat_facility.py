"""CP-SAT models of the facility-cost and backup-coverage models (CFLP, BCLP).

Same conventions as :mod:`solvers.backends.cpsat_models`: boolean sites and pairs, objective
coefficients integer-scaled with the rounding carried into the bound, capacities scaled
conservatively. CP-SAT has no continuous variables, so it solves the CFLP only where the
assignment is integral: single sourcing, or no capacities (each demand point then goes whole to
its cheapest open site). Split-sourced capacitated CFLP is refused with a message naming the
solvers that can.
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from solvers.backends.cpsat_models import CpsatModel, _index, _ints, _pairs, _sites, _slack_per_demand
from solvers.formulations.common import positive_demand, serving_pairs
from solvers.formulations.lscp import cover_csr
from solvers.problem import IntArray, Problem, ProblemError
from solvers.scaling import conservative_capacity_scale, integer_scale


def cflp(problem: Problem) -> CpsatModel:
    """Opening costs plus weighted travel, single-sourced (or uncapacitated)."""
    assert problem.opening_cost is not None
    if problem.capacity is not None and not problem.single_source:
        raise ProblemError("cpsat solves the cflp only with single sourcing (it has no continuous variables); "
                           "for split demand use highs, cbc or scip")
    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=False)
    demand, site = serving_pairs(problem, within_radius=False)
    served = np.flatnonzero(positive_demand(problem)).astype(np.int64)
    x = _pairs(model, y, demand, site, served, exactly_one=True)
    capacity_exact = True
    if problem.capacity is not None:
        _, w_int, cap_int, capacity_exact = conservative_capacity_scale(
            problem.weights, np.asarray(problem.capacity, dtype=np.float64), terms=max(1, served.size) + 1
        )
        w_pair = w_int[demand]
        order = np.argsort(site, kind="stable")
        starts = np.searchsorted(site[order], np.arange(problem.m + 1))
        for j in range(problem.m):
            ks = order[starts[j]:starts[j + 1]]
            if ks.size:
                load = cp_model.LinearExpr.weighted_sum([x[k] for k in ks.tolist()], _ints(w_pair[ks]))
                model.add(load <= int(cap_int[j]) * y[j])
    fixed = np.asarray(problem.opening_cost, dtype=np.float64)
    travel = problem.weights[demand] * np.asarray(problem.cost, dtype=np.float64)[demand, site]
    coef = np.concatenate([fixed, travel])
    sc = integer_scale(coef, terms=coef.size)
    model.minimize(cp_model.LinearExpr.weighted_sum([*y, *x], _ints(sc.values)))
    y_index, x_index = _index(y), _index(x)

    def true_objective(values: IntArray) -> float:
        return float(np.dot(fixed, values[y_index]) + np.dot(travel, values[x_index]))

    slack = float(sc.errors[: problem.m].sum()) + _slack_per_demand(sc.errors[problem.m:], demand, problem.n)
    return CpsatModel(model=model, y_index=y_index, true_objective=true_objective, x_index=x_index,
                      demand=demand, site=site, scale=sc.scale, objective_exact=sc.exact, objective_slack=slack,
                      capacity_exact=capacity_exact, assignment_decision=problem.capacity is not None)


def bclp(problem: Problem) -> CpsatModel:
    """Weight covered at least twice (booleans ``u_i``), optionally every coverable point once."""
    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=True)
    cov = cover_csr(problem)
    reach = np.diff(cov.indptr)
    twice = np.flatnonzero(reach >= 2)
    u = [model.new_bool_var(f"u{i}") for i in twice.tolist()]
    for i in np.flatnonzero(reach >= 1).tolist():
        near = [y[j] for j in cov.indices[cov.indptr[i]:cov.indptr[i + 1]].tolist()]
        if problem.require_cover:
            model.add_bool_or(near)
        if reach[i] >= 2:
            k = int(np.searchsorted(twice, i))
            model.add(sum(near) >= 2).only_enforce_if(u[k])
    w = problem.weights[twice]
    sc = integer_scale(w)
    model.maximize(cp_model.LinearExpr.weighted_sum(u, _ints(sc.values)))
    u_index = _index(u)

    def true_objective(values: IntArray) -> float:
        return float(np.dot(w, values[u_index]))

    return CpsatModel(model=model, y_index=_index(y), true_objective=true_objective, scale=sc.scale,
                      objective_exact=sc.exact, objective_slack=float(sc.errors.sum()))

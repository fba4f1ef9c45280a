"""The location models written directly for OR-Tools CP-SAT (boolean sites and pairs, integer data).

CP-SAT needs integer coefficients. Objective coefficients are scaled by a power of ten
(:func:`solvers.scaling.integer_scale`): exactly when one exists, otherwise rounded, and the
rounding error is carried into the bound (``objective_slack``) so the reported bound stays valid.
Capacity rows scale weights and capacities together; if that is inexact, weights are rounded up
and capacities down, so every CP-SAT solution is feasible for the real data but optimality is not
proven (``capacity_exact`` is False). The pairs entering each model are the same as in the MIP
formulations (:func:`solvers.formulations.common.serving_pairs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from solvers.formulations.common import positive_demand, serving_pairs
from solvers.models import ModelKind, definition
from solvers.problem import FloatArray, IntArray, Problem
from solvers.scaling import conservative_capacity_scale, integer_scale


@dataclass
class CpsatModel:
    """A CP-SAT model of a location problem and how to read its solution back.

    Attributes:
        model: the CP-SAT model.
        y_index: CP-SAT variable index of each site's open variable.
        x_index: CP-SAT variable index of each pair variable (empty if the model has none).
        demand, site: the pairs of ``x_index``.
        z_index: indices of the coverage variables (MCLP), with ``z_demand`` their demand points.
        scale: the objective's scale factor (scaled objective = real objective x scale).
        objective_exact: the scaled objective equals the real one exactly.
        objective_slack: how far (real units) the real optimum may lie past scaled bound / scale.
        capacity_exact: capacity rows were scaled exactly (else conservatively rounded).
        true_objective: the real objective from the solution's variable values.
        assignment_decision: the pair variables are the assignment (capacitated models).
    """

    model: cp_model.CpModel
    y_index: IntArray
    true_objective: Callable[[IntArray], float]
    x_index: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    demand: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    site: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    z_index: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    z_demand: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scale: float = 1.0
    objective_exact: bool = True
    objective_slack: float = 0.0
    capacity_exact: bool = True
    assignment_decision: bool = False


def _ints(values: IntArray) -> list[int]:
    return [int(v) for v in values]


def _sites(model: cp_model.CpModel, problem: Problem, *, exact_p: bool) -> list[cp_model.IntVar]:
    allowed = problem.open_allowed()
    y = [model.new_bool_var(f"y{j}") for j in range(problem.m)]
    for j in sorted(problem.must_open):
        model.add(y[j] == 1)
    for k in np.flatnonzero(~allowed).tolist():
        model.add(y[k] == 0)
    if problem.p is not None:
        if exact_p:
            model.add(sum(y) == problem.p)
        else:
            model.add(sum(y) <= problem.p)
    for g in problem.groups:
        members = [y[j] for j in sorted(set(g.members))]
        model.add(sum(members) >= g.min_open)
        if g.max_open is not None:
            model.add(sum(members) <= g.max_open)
    return y


def _by_demand(demand: IntArray) -> tuple[IntArray, IntArray]:
    """Distinct demand points of row-major pairs and the start of each one's run."""
    if demand.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, demand[1:] != demand[:-1]])
    return demand[starts], np.r_[starts, demand.size].astype(np.int64)


def _pairs(
    model: cp_model.CpModel,
    y: list[cp_model.IntVar],
    demand: IntArray,
    site: IntArray,
    served: IntArray,
    *,
    exactly_one: bool,
) -> list[cp_model.IntVar]:
    """Pair booleans with ``x_ij => y_j`` and one (or at most one) pair per served demand point."""
    x = [model.new_bool_var("") for _ in range(demand.size)]
    for k, j in enumerate(site.tolist()):
        model.add_implication(x[k], y[j])
    heads, bounds = _by_demand(demand)
    runs = dict(zip(heads.tolist(), zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True), strict=True))
    for i in served.tolist():
        a, b = runs.get(i, (0, 0))
        if exactly_one:
            model.add_exactly_one(x[a:b])
        else:
            model.add_at_most_one(x[a:b])
    return x


def _slack_per_demand(errors: FloatArray, demand: IntArray, n: int) -> float:
    """Worst total rounding error when each demand point contributes at most one pair."""
    worst = np.zeros(n)
    np.maximum.at(worst, demand, errors)
    return float(worst.sum())


def _index(vars_: list[cp_model.IntVar]) -> IntArray:
    return np.asarray([v.index for v in vars_], dtype=np.int64)


def build_cpsat(problem: Problem) -> CpsatModel:
    """The CP-SAT model of ``problem``, as its model's definition names it (:mod:`solvers.models`)."""
    return definition(problem.kind).build_cpsat(problem)


def mclp_model(problem: Problem) -> CpsatModel:
    """MCLP: sites, coverage variables, exactly p open."""
    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=True)
    demand, site = serving_pairs(problem, within_radius=True)
    heads, bounds = _by_demand(demand)
    z = [model.new_bool_var(f"z{i}") for i in heads.tolist()]
    for k in range(heads.size):
        model.add_bool_or([z[k].Not(), *(y[j] for j in site[bounds[k]:bounds[k + 1]].tolist())])
    w = problem.weights[heads]
    sc = integer_scale(w)
    model.maximize(cp_model.LinearExpr.weighted_sum(z, _ints(sc.values)))
    z_index = _index(z)

    def true_objective(values: IntArray) -> float:
        return float(np.dot(w, values[z_index]))

    return CpsatModel(model=model, y_index=_index(y), true_objective=true_objective, z_index=z_index,
                      z_demand=heads, scale=sc.scale, objective_exact=sc.exact,
                      objective_slack=float(sc.errors.sum()))


def lscp_model(problem: Problem) -> CpsatModel:
    """LSCP: sites covering every coverable demand point."""
    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=False)
    demand, site = serving_pairs(problem, within_radius=True)
    heads, bounds = _by_demand(demand)
    for k in range(heads.size):
        model.add_bool_or([y[j] for j in site[bounds[k]:bounds[k + 1]].tolist()])
    model.minimize(sum(y))
    y_index = _index(y)

    def true_objective(values: IntArray) -> float:
        return float(values[y_index].sum())

    return CpsatModel(model=model, y_index=y_index, true_objective=true_objective)


def pmedian_model(problem: Problem) -> CpsatModel:
    """p-median: sites and pairs, integer-scaled costs."""
    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=True)
    demand, site = serving_pairs(problem, within_radius=False)
    served = np.flatnonzero(positive_demand(problem)).astype(np.int64)
    x = _pairs(model, y, demand, site, served, exactly_one=True)
    c = problem.weights[demand] * np.asarray(problem.cost, dtype=np.float64)[demand, site]
    sc = integer_scale(c, terms=demand.size)
    model.minimize(cp_model.LinearExpr.weighted_sum(x, _ints(sc.values)))
    x_index = _index(x)

    def true_objective(values: IntArray) -> float:
        return float(np.dot(c, values[x_index]))

    return CpsatModel(model=model, y_index=_index(y), true_objective=true_objective, x_index=x_index,
                      demand=demand, site=site, scale=sc.scale, objective_exact=sc.exact,
                      objective_slack=_slack_per_demand(sc.errors, demand, problem.n))


def pcenter_model(problem: Problem) -> CpsatModel:
    """p-center: sites, pairs and the worst cost."""
    from solvers.formulations.pcenter import center_costs

    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=True)
    demand, site = serving_pairs(problem, within_radius=False)
    served = np.flatnonzero(positive_demand(problem)).astype(np.int64)
    x = _pairs(model, y, demand, site, served, exactly_one=True)
    e = center_costs(problem, demand, site)
    heads, bounds = _by_demand(demand)
    sc = integer_scale(e, terms=int(np.diff(bounds).max(initial=1)))
    top = int(sc.values.max(initial=0))
    zvar = model.new_int_var(0, top, "z")
    for k in range(heads.size):
        a, b = int(bounds[k]), int(bounds[k + 1])
        model.add(cp_model.LinearExpr.weighted_sum(x[a:b], _ints(sc.values[a:b])) <= zvar)
    model.minimize(zvar)
    x_index = _index(x)

    def true_objective(values: IntArray) -> float:
        on = values[x_index] > 0
        return float(e[on].max(initial=0.0))

    return CpsatModel(model=model, y_index=_index(y), true_objective=true_objective, x_index=x_index,
                      demand=demand, site=site, scale=sc.scale, objective_exact=sc.exact,
                      objective_slack=sc.max_error)


def capacitated_model(problem: Problem) -> CpsatModel:
    """CPMP and CMCLP: sites, pairs and capacity rows (weights and capacities scaled together)."""
    assert problem.capacity is not None
    covering = problem.kind is ModelKind.CMCLP
    model = cp_model.CpModel()
    y = _sites(model, problem, exact_p=True)
    demand, site = serving_pairs(problem, within_radius=covering)
    served = np.unique(demand) if covering else np.flatnonzero(positive_demand(problem)).astype(np.int64)
    x = _pairs(model, y, demand, site, served, exactly_one=not covering)
    w = problem.weights[demand]
    _, w_int, cap_int, cap_exact = conservative_capacity_scale(
        problem.weights, np.asarray(problem.capacity, dtype=np.float64), terms=max(1, served.size) + 1
    )
    w_pair = w_int[demand]
    order = np.argsort(site, kind="stable")
    site_sorted = site[order]
    starts = np.searchsorted(site_sorted, np.arange(problem.m + 1))
    for j in range(problem.m):
        ks = order[starts[j]:starts[j + 1]]
        if ks.size == 0:
            continue
        load = cp_model.LinearExpr.weighted_sum([x[k] for k in ks.tolist()], _ints(w_pair[ks]))
        model.add(load <= int(cap_int[j]) * y[j])
    if covering:
        c = w
        sc = integer_scale(c, terms=demand.size)
        model.maximize(cp_model.LinearExpr.weighted_sum(x, _ints(sc.values)))
    else:
        c = w * np.asarray(problem.cost, dtype=np.float64)[demand, site]
        sc = integer_scale(c, terms=demand.size)
        model.minimize(cp_model.LinearExpr.weighted_sum(x, _ints(sc.values)))
    x_index = _index(x)

    def true_objective(values: IntArray) -> float:
        return float(np.dot(c, values[x_index]))

    return CpsatModel(model=model, y_index=_index(y), true_objective=true_objective, x_index=x_index,
                      demand=demand, site=site, scale=sc.scale, objective_exact=sc.exact,
                      objective_slack=_slack_per_demand(sc.errors, demand, problem.n),
                      capacity_exact=cap_exact, assignment_decision=True)

"""Independent verification of results, from the raw arrays only.

Nothing here trusts the solver (nor the formulations: this module does not import them): the
objective is recomputed from the selected sites (and, for models whose assignment is a decision,
from the assignment), every side constraint is checked, and a mismatch with the solver's claimed
objective or bound turns the result into an error.

Every model's definition (:mod:`solvers.models`) names its evaluator (the ``evaluate_*`` functions
here for the models of this module, :mod:`solvers.outreach_check` for OUTREACH) and the scale of
its objective (the ``scale_*`` functions). A result for a model whose evaluator fails to load is an
error, never silently accepted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from solvers.models import CountRule, ModelKind, definition
from solvers.problem import Problem
from solvers.result import Result, Status, relative_gap

REL_TOL = 1e-6
"""Relative tolerance between the claimed and the recomputed objective (and the bound)."""
SCALE_FLOOR = 1e-9
"""An objective near zero is compared at this fraction of the data's scale (:func:`objective_scale`),
never at a fixed absolute tolerance: weights of 1e-12 are checked as strictly as weights of 1."""
BRUTE_FORCE_MAX = 64
"""The checker tries every choice of sites itself when there are at most this many."""
CAPACITY_TOL = 1e-6
"""Relative tolerance on a site's load against its capacity."""


class VerificationError(RuntimeError):
    """A solver's answer failed the independent check."""


@dataclass(frozen=True)
class Evaluation:
    """Objective and feasibility of a set of open sites, recomputed from the arrays."""

    objective: float
    assignment: NDArray[np.int64]
    feasible: bool
    reason: str = ""


Evaluator = Callable[[Problem, Sequence[int], NDArray[np.int64] | None], Evaluation]


def nearest_open(problem: Problem, selected: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """For each demand point, the nearest selected site (``-1`` if none reachable) and its cost."""
    sel = np.asarray(sorted(selected), dtype=np.int64)
    if sel.size == 0:
        return np.full(problem.n, -1, dtype=np.int64), np.full(problem.n, np.inf)
    sub = np.asarray(problem.cost[:, sel], dtype=np.float64)
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(problem.n), k]
    assign = np.where(np.isfinite(d), sel[k], -1).astype(np.int64)
    return assign, d


def site_rule_violation(problem: Problem, selected: Sequence[int]) -> str:
    """Why ``selected`` breaks p, must-open/close or group limits ('' if it does not).

    ``p`` is exact or a cap as the model's definition says (:class:`~solvers.models.CountRule`).
    """
    sel = set(int(j) for j in selected)
    if len(sel) != len(selected):
        return "a site is selected twice"
    if any(not 0 <= j < problem.m for j in sel):
        return "a selected site index is out of range"
    p_is_cap = definition(problem.kind).count is not CountRule.EXACT
    if problem.p is not None and not p_is_cap and len(sel) != problem.p:
        return f"{len(sel)} sites open, p = {problem.p}"
    if problem.p is not None and p_is_cap and len(sel) > problem.p:
        return f"{len(sel)} sites open, at most p = {problem.p}"
    if missing := problem.must_open - sel:
        return f"must-open sites closed: {sorted(missing)[:5]}"
    if opened := problem.must_close & sel:
        return f"must-close sites open: {sorted(opened)[:5]}"
    for g in problem.groups:
        k = len(sel.intersection(g.members))
        if k < g.min_open or (g.max_open is not None and k > g.max_open):
            return f"group {g.name!r} has {k} open sites, limits {g.min_open}..{g.max_open}"
    return ""


def flows_derived(problem: Problem) -> bool:
    """Whether the flows follow from the open sites (split-sourced and capacitated, with opening costs: the CFLP).

    The checker then re-solves them (:func:`solvers.check_facility.transport_flows`), and a solver's
    objective above theirs (an incumbent with poorer flows) is improved, not refused.
    """
    return (definition(problem.kind).needs_opening_cost and not problem.single_source
            and problem.capacity is not None)


def first_indices(idx: NDArray[np.int64]) -> list[int]:
    """The first five indices, for messages."""
    return _first(idx)


def unreached_reason(idx: NDArray[np.int64]) -> str:
    """The reason 'demand points reach no open site', for messages."""
    return _unreached(idx)


def _first(idx: NDArray[np.int64]) -> list[int]:
    return [int(i) for i in idx[:5]]


def _unreached(idx: NDArray[np.int64]) -> str:
    return f"{idx.size} demand points with positive weight reach no open site: {_first(idx)}"


def evaluate_mclp(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """The mclp objective of ``selected``, recomputed from the arrays."""
    assert problem.radius is not None
    assign, d = nearest_open(problem, selected)
    covered = d <= problem.radius
    assign = np.where(covered, assign, -1)
    return Evaluation(float(problem.weights[covered].sum()), assign, True)


def evaluate_pmedian(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """The pmedian objective of ``selected``, recomputed from the arrays."""
    assign, d = nearest_open(problem, selected)
    pos = problem.weights > 0
    unreached = np.flatnonzero(pos & ~np.isfinite(d))
    if unreached.size:
        return Evaluation(math.inf, assign, False, _unreached(unreached))
    return Evaluation(float(np.dot(problem.weights[pos], d[pos])), assign, True)


def evaluate_pcenter(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """The pcenter objective of ``selected``, recomputed from the arrays."""
    assign, d = nearest_open(problem, selected)
    pos = problem.weights > 0
    unreached = np.flatnonzero(pos & ~np.isfinite(d))
    if unreached.size:
        return Evaluation(math.inf, assign, False, _unreached(unreached))
    e = problem.weights[pos] * d[pos] if problem.weighted_center else d[pos]
    return Evaluation(float(e.max(initial=0.0)), assign, True)


def evaluate_lscp(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """The lscp objective of ``selected``, recomputed from the arrays."""
    assert problem.radius is not None
    cost = np.asarray(problem.cost)
    pos = problem.weights > 0
    coverable = pos & (cost[:, problem.open_allowed()] <= problem.radius).any(axis=1)
    assign, d = nearest_open(problem, selected)
    covered = d <= problem.radius
    assign = np.where(covered, assign, -1)
    missing = np.flatnonzero(coverable & ~covered)
    if missing.size:
        return Evaluation(float(len(selected)), assign, False,
                          f"{missing.size} coverable demand points are not covered: {_first(missing)}")
    return Evaluation(float(len(selected)), assign, True)


def evaluate_capacitated(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None) -> Evaluation:
    """The capacitated objective of ``selected``, recomputed from the arrays."""
    assert problem.capacity is not None
    covering = problem.kind is ModelKind.CMCLP
    empty = np.full(problem.n, -1, dtype=np.int64)
    if assignment is None or assignment.shape != (problem.n,):
        return Evaluation(math.nan, empty, False, "a capacitated model needs an assignment of every demand point")
    a = np.asarray(assignment, dtype=np.int64)
    if np.any((a < -1) | (a >= problem.m)):
        return Evaluation(math.nan, empty, False, "an assignment index is out of range")
    is_open = np.zeros(problem.m, dtype=bool)
    is_open[np.asarray(list(selected), dtype=np.int64)] = True
    w = problem.weights
    pos = w > 0
    # demand of weight 0 consumes nothing: normalise it to its nearest (covering) open site
    near, dnear = nearest_open(problem, selected)
    ok_near = dnear <= problem.radius if covering and problem.radius is not None else np.isfinite(dnear)
    a = np.where(pos, a, np.where(ok_near, near, -1))
    assigned = a >= 0
    closed = np.flatnonzero(assigned & ~is_open[np.clip(a, 0, None)])
    if closed.size:
        return Evaluation(math.nan, a, False, f"demand points assigned to closed sites: {_first(closed)}")
    d = np.full(problem.n, np.inf)
    d[assigned] = np.asarray(problem.cost, dtype=np.float64)[np.flatnonzero(assigned), a[assigned]]
    limit = problem.radius if covering and problem.radius is not None else np.inf
    bad = np.flatnonzero(assigned & pos & (~np.isfinite(d) | (d > limit)))
    if bad.size:
        what = "beyond the radius" if covering else "to a site that cannot reach them"
        return Evaluation(math.nan, a, False, f"demand points assigned {what}: {_first(bad)}")
    if not covering:
        unassigned = np.flatnonzero(pos & ~assigned)
        if unassigned.size:
            return Evaluation(math.nan, a, False,
                              f"{unassigned.size} demand points with positive weight unassigned: {_first(unassigned)}")
    load = np.bincount(a[assigned & pos], weights=w[assigned & pos], minlength=problem.m)
    cap = np.asarray(problem.capacity, dtype=np.float64)
    over = np.flatnonzero(load > cap + CAPACITY_TOL * np.maximum(1.0, cap))
    if over.size:
        j = int(over[0])
        return Evaluation(math.nan, a, False,
                          f"{over.size} sites over capacity, e.g. site {j}: load {load[j]:.6g} > capacity {cap[j]:.6g}")
    objective = float(w[assigned & pos].sum()) if covering else float(np.dot(w[pos], d[pos]))
    return Evaluation(objective, a, True)


def evaluate(problem: Problem, selected: Sequence[int], assignment: NDArray[np.int64] | None = None) -> Evaluation:
    """Recompute the objective of ``selected`` (and ``assignment`` where it is a decision)."""
    rule = site_rule_violation(problem, selected)
    evaluator: Evaluator = definition(problem.kind).evaluate
    if rule:
        # the site rules fail whatever the evaluator says; it still runs if the indices are usable
        usable = all(0 <= int(j) < problem.m for j in selected)
        ev = evaluator(problem, selected, assignment) if usable else None
        obj = ev.objective if ev is not None else math.nan
        assign = ev.assignment if ev is not None else np.full(problem.n, -1, dtype=np.int64)
        return Evaluation(obj, assign, False, rule)
    return evaluator(problem, selected, assignment)


def objective_scale(problem: Problem) -> float:
    """The scale below which differences in the objective are noise, in the model's units.

    The model's definition names it (``objective_scale``): for the models here, :data:`SCALE_FLOOR`
    times the largest objective the data allow (all the weight for a covering model, all the weight
    at the largest cost for a p-median, ...: the ``scale_*`` functions below).
    """
    return definition(problem.kind).noise_scale(problem)


def _largest_cost(problem: Problem) -> float:
    c = np.asarray(problem.cost)
    return float(c[np.isfinite(c)].max(initial=0.0))


def _positive_weight(problem: Problem) -> float:
    w = np.asarray(problem.weights, dtype=np.float64)
    return float(w[w > 0].sum())


def scale_total_weight(problem: Problem) -> float:
    """Noise scale of a covering objective: :data:`SCALE_FLOOR` x the total positive weight."""
    return SCALE_FLOOR * _positive_weight(problem)


def scale_weight_times_cost(problem: Problem) -> float:
    """Noise scale of a weighted-cost objective: :data:`SCALE_FLOOR` x total weight x largest cost."""
    return SCALE_FLOOR * _positive_weight(problem) * _largest_cost(problem)


def scale_worst_cost(problem: Problem) -> float:
    """Noise scale of a worst-cost objective: :data:`SCALE_FLOOR` x the largest (weighted) cost."""
    w = np.asarray(problem.weights, dtype=np.float64)
    return SCALE_FLOOR * _largest_cost(problem) * (float(w.max(initial=0.0)) if problem.weighted_center else 1.0)


def scale_site_count(problem: Problem) -> float:
    """Noise scale of a count of sites: :data:`SCALE_FLOOR` x the number of sites."""
    return SCALE_FLOOR * float(problem.m)


def _tolerance(problem: Problem, *values: float) -> float:
    """Relative tolerance on ``values``, with a floor scaled to the data (not an absolute 1e-6)."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    return REL_TOL * max(largest, objective_scale(problem))


def _brute_force_choices(problem: Problem) -> list[tuple[int, ...]]:
    """Every choice of ``p`` sites that may open, when there are few (else none)."""
    from itertools import combinations

    if problem.p is None or not definition(problem.kind).brute_force_check:
        return []
    allowed = np.flatnonzero(problem.open_allowed()).tolist()
    if problem.p > len(allowed) or math.comb(len(allowed), problem.p) > BRUTE_FORCE_MAX:
        return []
    return list(combinations(allowed, problem.p))


def verify(problem: Problem, result: Result, *, alternatives: Sequence[Sequence[int]] = ()) -> Result:
    """Check ``result`` against ``problem``; return it verified, or as an error saying why.

    Objective and bound are compared with relative tolerances (:func:`_tolerance`). Besides the
    result itself, ``alternatives`` (choices of sites known from elsewhere: a warm start, a
    heuristic's answer) and, on small instances, every choice of sites are evaluated: a bound that
    a verified alternative beats is not a bound, and the result is an error.
    """
    if not result.has_solution:
        return result.with_(verified=True)
    try:
        ev = evaluate(problem, result.selected, result.assignment if result.assignment.size else None)
    except VerificationError as exc:
        return result.with_(status=Status.ERROR, verified=False, message=f"independent check: {exc}")
    if not ev.feasible:
        return result.with_(status=Status.ERROR, verified=False,
                            message=f"independent check: infeasible solution ({ev.reason}); "
                                    f"solver said {result.message}")
    claimed = result.objective
    if flows_derived(problem) and claimed > ev.objective:
        # split-sourced CFLP: the flows follow from the open sites; an incumbent's poorer flows are improved
        claimed = ev.objective
    if not abs(claimed - ev.objective) <= _tolerance(problem, claimed, ev.objective):
        return result.with_(status=Status.ERROR, verified=False,
                            message=f"independent check: objective {ev.objective:.6g} != solver's {claimed:.6g}")
    bound = result.bound
    if not math.isnan(bound):
        slack = _tolerance(problem, bound, ev.objective)
        past = ev.objective - bound if problem.maximise else bound - ev.objective
        if past > slack:
            return result.with_(status=Status.ERROR, verified=False,
                                message=f"independent check: objective {ev.objective:.6g} beyond bound {bound:.6g}")
        for alt in [*alternatives, *_brute_force_choices(problem)]:
            if sorted(int(j) for j in alt) == sorted(result.selected):
                continue
            other = evaluate(problem, [int(j) for j in alt])
            if not other.feasible:
                continue
            beaten = other.objective - bound if problem.maximise else bound - other.objective
            if beaten > _tolerance(problem, bound, other.objective):
                return result.with_(status=Status.ERROR, verified=False,
                                    message=f"independent check: the solver's bound {bound:.6g} is beaten by sites "
                                            f"{sorted(int(j) for j in alt)[:10]} with objective {other.objective:.6g}")
    return result.with_(objective=ev.objective, assignment=ev.assignment, verified=True,
                        gap=relative_gap(ev.objective, bound) if not math.isnan(bound) else result.gap)

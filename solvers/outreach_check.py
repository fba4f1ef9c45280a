"""Independent verification of outreach results, from the raw arrays only.

This module does not use the outreach formulation (:mod:`solvers.formulations.outreach`): it reads
the fields of the :class:`~solvers.formulations.outreach.OutreachSpec` in ``Problem.extra`` and
recomputes contact hours, driving and staff hours, the budget split and every constraint itself.

* :func:`check_allocation` checks a given fractional allocation (sparse triplets) for a set of
  bases: fractions in [0, 1] and at most 1 per area, only kept bases within the maximum drive,
  staff hours within what the frontline money buys, the frontline floor, the rural and district
  reach floors, the number of bases, the families' access floor; and recomputes the objective
  (for ``access``: the need-weighted share of areas within ``access_minutes`` of a kept base).
* :func:`evaluate_outreach` (named by the model's definition, :mod:`solvers.models.outreach`) finds the best
  allocation for a set of bases by its own method (a greedy fractional knapsack when there are
  no reach floors, an LP otherwise) and checks it with :func:`check_allocation`.
* :func:`verify_allocation` checks the allocation attached to a result and records it in
  ``Result.details["allocation"]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from solvers.check import Evaluation, VerificationError, site_rule_violation
from solvers.problem import Problem
from solvers.result import Result, Status

if TYPE_CHECKING:  # the type only: the checker imports nothing from the formulations at run time
    from solvers.formulations.outreach_spec import OutreachSpec

FRACTION_TOL = 1e-6
"""Tolerance on allocation fractions (bounds and the per-area sum)."""
HOURS_REL_TOL = 1e-6
"""Relative tolerance on staff hours, money and the reach floors."""
OBJECTIVE_REL_TOL = 1e-6
"""Relative tolerance between a claimed and the recomputed objective."""
SCALE_FLOOR = 1.0
"""A quantity near zero is compared at this fraction of its data's scale (the budget, the hours it buys,
the need hours), not at a fixed 1: solvers meet the rows to a tolerance relative to their magnitude,
and differences of large quantities (spare hours = available - used) carry that noise."""

Triplets = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


def _spec(problem: Problem) -> OutreachSpec:
    """The outreach data of ``problem`` (a :class:`VerificationError` when it has none)."""
    if problem.extra is None:
        raise VerificationError("an outreach problem needs its OutreachSpec (Problem.extra)")
    return problem.extra


def _arr(spec: OutreachSpec, name: str) -> NDArray[np.float64]:
    return np.asarray(getattr(spec, name), dtype=np.float64)


def _budget(spec: OutreachSpec, kept: NDArray[np.bool_]) -> dict[str, float]:
    mgmt = float(spec.central_management_gbp) + float(_arr(spec, "management_cost_gbp")[kept].sum())
    bldg = float(spec.central_building_gbp) + float(_arr(spec, "building_cost_gbp")[kept].sum())
    fund, cont = float(spec.family_support_gbp), float(spec.contingency_gbp)
    return {
        "frontline_delivery": float(spec.budget_gbp) - fund - cont - mgmt - bldg,
        "management_and_admin": mgmt,
        "buildings_and_infrastructure": bldg,
        "family_support_fund": fund,
        "contingency_and_reserves": cont,
    }


def _tol(x: float, scale: float) -> float:
    """Tolerance on a quantity ``x`` whose data are of order ``scale`` (relative, never a fixed 1e-6)."""
    return HOURS_REL_TOL * max(abs(x), SCALE_FLOOR * abs(scale))


def _within_share(problem: Problem, selected: Sequence[int]) -> float:
    """Share of the problem's weights in areas whose nearest kept base is within ``access_minutes``."""
    spec = _spec(problem)
    w = np.asarray(problem.weights, dtype=np.float64)
    limit = float(getattr(spec, "access_minutes", math.inf))
    if not selected or w.sum() <= 0:
        return 0.0
    reached = np.zeros(problem.n, dtype=bool)
    cost = np.asarray(problem.cost, dtype=np.float64)
    for j in selected:  # one site at a time: no shared code with the formulation's vectorised minimum
        reached |= cost[:, int(j)] <= limit
    return float(w[reached].sum() / w.sum())


def check_allocation(problem: Problem, selected: Sequence[int], allocation: Triplets) -> Evaluation:
    """Recompute the objective of ``selected`` with ``allocation`` and check every constraint."""
    spec = _spec(problem)
    n, m = problem.n, problem.m
    area = np.asarray(allocation[0], dtype=np.int64)
    site = np.asarray(allocation[1], dtype=np.int64)
    frac = np.asarray(allocation[2], dtype=np.float64)
    sel = sorted(int(j) for j in selected)
    assign = np.full(n, -1, dtype=np.int64)

    def bad(reason: str, objective: float = math.nan) -> Evaluation:
        return Evaluation(objective, assign, False, reason)

    if not (area.shape == site.shape == frac.shape) or area.ndim != 1:
        return bad("allocation triplets have different lengths")
    if np.any((area < 0) | (area >= n)) or np.any((site < 0) | (site >= m)):
        return bad("allocation has an area or site index out of range")
    if not np.all(np.isfinite(frac)) or np.any(frac < -FRACTION_TOL) or np.any(frac > 1 + FRACTION_TOL):
        return bad("allocation fractions must lie in [0, 1]")
    kept = np.zeros(m, dtype=bool)
    kept[sel] = True
    on = frac > FRACTION_TOL
    closed = np.flatnonzero(on & ~kept[site])
    if closed.size:
        k = int(closed[0])
        return bad(f"area {area[k]} is served from site {site[k]}, which is not a kept base")
    t = np.asarray(problem.cost, dtype=np.float64)[area, site]
    far = np.flatnonzero(on & ~(t <= float(spec.max_drive_minutes) * (1 + 1e-12)))
    if far.size:
        k = int(far[0])
        return bad(f"area {area[k]} is served from site {site[k]}, {t[k]:.1f} minutes away, beyond the "
                   f"{float(spec.max_drive_minutes):g}-minute maximum drive")
    served = np.bincount(area, weights=frac, minlength=n)
    over = np.flatnonzero(served > 1 + FRACTION_TOL)
    if over.size:
        return bad(f"area {int(over[0])} is served {served[over[0]]:.6g} times its need")
    h = _arr(spec, "need_hours")
    contact = h[area] * frac
    staff = contact * (1.0 + 2.0 * t / float(spec.session_minutes))
    budget = _budget(spec, kept)
    kappa = float(spec.productive_hours_per_post) / float(spec.cost_per_post_gbp)
    available = kappa * budget["frontline_delivery"]
    used = float(staff.sum())
    if used > available + _tol(available, kappa * float(spec.budget_gbp)):
        return bad(f"staff hours used {used:,.1f} exceed the {available:,.1f} the frontline money buys")
    floor_gbp = float(spec.frontline_floor) * float(spec.budget_gbp)
    if budget["frontline_delivery"] < floor_gbp - _tol(floor_gbp, float(spec.budget_gbp)):
        return bad(f"frontline spending {budget['frontline_delivery']:,.0f} GBP is below the "
                   f"{float(spec.frontline_floor):.0%} floor ({floor_gbp:,.0f} GBP)")
    served_hours = np.bincount(area, weights=contact, minlength=n)
    rural = np.asarray(spec.rural, dtype=bool)
    if float(spec.rural_floor) > 0 and h[rural].sum() > 0:
        need = float(spec.rural_floor) * float(h[rural].sum())
        if served_hours[rural].sum() < need - _tol(need, float(h.sum())):
            return bad(f"rural need served {served_hours[rural].sum() / h[rural].sum():.4%} is below the "
                       f"{float(spec.rural_floor):.0%} floor")
    groups = np.asarray(spec.area_group, dtype=np.int64)
    floors = np.asarray(spec.group_floor, dtype=np.float64)
    if groups.shape == (n,):
        for gid in np.flatnonzero(floors > 0):
            members = groups == gid
            need = float(floors[gid]) * float(h[members].sum())
            if h[members].sum() > 0 and served_hours[members].sum() < need - _tol(need, float(h.sum())):
                return bad(f"group {int(gid)} has {served_hours[members].sum() / h[members].sum():.4%} of its need "
                           f"served, below its {float(floors[gid]):.0%} floor")
    if spec.exact_bases and problem.p is not None and len(sel) != problem.p:
        return bad(f"{len(sel)} bases kept, exactly p = {problem.p} required")
    if len(sel) < 1:
        return bad("no base kept")
    within = _within_share(problem, sel)
    min_access = float(getattr(spec, "min_access_share", 0.0))
    if min_access > 0 and within < min_access - _tol(min_access, 1.0):  # a share: its scale is 1
        return bad(f"need within {float(spec.access_minutes):g} minutes of a base {within:.4%} is below the "
                   f"required {min_access:.4%}")
    weighted = float(np.dot(_arr(spec, "hour_weight")[area], contact))
    if spec.objective == "spare" or float(spec.min_weighted_hours) > 0:
        need = float(spec.min_weighted_hours)
        if weighted < need - _tol(need, float(np.dot(_arr(spec, "hour_weight"), h))):
            return bad(f"need-weighted contact hours {weighted:,.2f} below the required {need:,.2f}")
    if spec.objective == "spare":
        objective = available - used
    elif spec.objective == "access":
        objective = within
    elif spec.objective == "share":
        w = np.asarray(problem.weights, dtype=np.float64)
        objective = float(np.dot(w[area], frac) / w.sum()) if w.sum() > 0 else 0.0
    else:
        objective = weighted
    # the site serving the largest share of each area
    if area.size:
        order = np.lexsort((-frac, area))
        first = np.ones(order.size, dtype=bool)
        first[1:] = area[order][1:] != area[order][:-1]
        pick = order[first & on[order]]
        assign[area[pick]] = site[pick]
    rule = site_rule_violation(problem, sel)
    if rule:
        return Evaluation(objective, assign, False, rule)
    return Evaluation(objective, assign, True)


def _best_allocation(problem: Problem, selected: Sequence[int]) -> tuple[Triplets | None, str]:
    """The best allocation for fixed bases, by this module's own method."""
    spec = _spec(problem)
    n = problem.n
    sel = np.asarray(sorted(int(j) for j in selected), dtype=np.int64)
    h = _arr(spec, "need_hours")
    if sel.size == 0:
        return None, "no base kept"
    sub = np.asarray(problem.cost, dtype=np.float64)[:, sel]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(n), k]
    idx = np.flatnonzero((d <= float(spec.max_drive_minutes)) & (h > 0))
    near = sel[k[idx]]
    factor = 1.0 + 2.0 * d[idx] / float(spec.session_minutes)
    staff = h[idx] * factor
    kept = np.zeros(problem.m, dtype=bool)
    kept[sel] = True
    kappa = float(spec.productive_hours_per_post) / float(spec.cost_per_post_gbp)
    available = kappa * _budget(spec, kept)["frontline_delivery"]
    weighted = _arr(spec, "hour_weight")[idx] * h[idx]
    if spec.objective == "share":
        w = np.asarray(problem.weights, dtype=np.float64)
        value = w[idx] / w.sum() if w.sum() > 0 else np.zeros(idx.size)
    else:  # hours; for access (decided by the bases alone) the allocation serving the most hours
        value = weighted
    rural = np.asarray(spec.rural, dtype=bool)
    groups = np.asarray(spec.area_group, dtype=np.int64)
    floors = np.asarray(spec.group_floor, dtype=np.float64)
    has_floors = (float(spec.rural_floor) > 0 and h[rural].sum() > 0) or (
        groups.shape == (n,) and bool(np.any(floors > 0)))
    if available < 0:
        return None, "the bases cost more than the frontline money"
    if not has_floors:
        # fractional knapsack: best value (or weighted hours) per staff hour first
        z = np.zeros(idx.size)
        ratio = (weighted if spec.objective == "spare" else value) / np.maximum(staff, 1e-300)
        order = np.argsort(-ratio, kind="stable")
        left = available
        target = float(spec.min_weighted_hours) if spec.objective == "spare" else math.inf
        got = 0.0
        for i in order:
            if left <= 0 or got >= target:
                break
            if spec.objective != "spare" and value[i] <= 0:
                continue
            take = min(1.0, left / staff[i]) if staff[i] > 0 else 1.0
            if spec.objective == "spare" and weighted[i] > 0:
                take = min(take, (target - got) / weighted[i])
            z[i] = take
            left -= take * staff[i]
            got += take * weighted[i]
        if spec.objective == "spare" and got < target - _tol(target, float(np.dot(_arr(spec, "hour_weight"),
                                                                                  _arr(spec, "need_hours")))):
            return None, "the bases cannot deliver the required contact hours"
    else:
        rows: list[NDArray[np.float64]] = [staff]
        rhs: list[float] = [available]
        if float(spec.rural_floor) > 0 and h[rural].sum() > 0:
            rows.append(-(h[idx] * rural[idx].astype(np.float64)))
            rhs.append(-float(spec.rural_floor) * float(h[rural].sum()))
        if groups.shape == (n,):
            for gid in np.flatnonzero(floors > 0):
                members = groups == gid
                if h[members].sum() > 0:
                    rows.append(-(h[idx] * members[idx].astype(np.float64)))
                    rhs.append(-float(floors[gid]) * float(h[members].sum()))
        if spec.objective == "spare" or float(spec.min_weighted_hours) > 0:
            rows.append(-weighted)
            rhs.append(-float(spec.min_weighted_hours))
        if idx.size == 0:
            return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)), ""
        cost = staff if spec.objective == "spare" else -value
        from scipy.optimize import linprog  # loaded when floors need it (scipy.optimize takes 0.5 s)

        res = linprog(cost, A_ub=np.vstack(rows), b_ub=np.asarray(rhs), bounds=(0.0, 1.0), method="highs")
        if res.status != 0:
            return None, "no allocation meets the reach floors with these bases"
        z = np.clip(np.asarray(res.x, dtype=np.float64), 0.0, 1.0)
    on = z > 1e-12
    return (idx[on].astype(np.int64), near[on].astype(np.int64), z[on]), ""


def evaluate_outreach(problem: Problem, selected: Sequence[int],
                      assignment: NDArray[np.int64] | None = None) -> Evaluation:
    """The best objective of ``selected`` (its optimal allocation), with every constraint checked.

    ``assignment`` is ignored: for fixed bases the allocation is recomputed (each area from its
    nearest kept base within the maximum drive, which uses the fewest staff hours).
    """
    allocation, reason = _best_allocation(problem, selected)
    if allocation is None:
        rule = site_rule_violation(problem, selected)
        return Evaluation(math.nan, np.full(problem.n, -1, dtype=np.int64), False, rule or reason)
    return check_allocation(problem, selected, allocation)


def objective_noise_scale(problem: Problem) -> float:
    """The order of the outreach objective's data: staff hours the whole budget buys, and need hours.

    Solvers meet the hours rows to a tolerance relative to this, so the spare hours (available less
    used, a difference of two such numbers) are compared at ``OBJECTIVE_REL_TOL`` of it.
    """
    spec = _spec(problem)
    kappa = float(spec.productive_hours_per_post) / float(spec.cost_per_post_gbp)
    return SCALE_FLOOR * (kappa * float(spec.budget_gbp) + float(_arr(spec, "need_hours").sum()))


def verify_allocation(problem: Problem, result: Result, allocation: Triplets) -> Result:
    """Check ``allocation`` for ``result``'s bases; the result with it in ``details["allocation"]``, or an error.

    The allocation's objective must match the result's (an allocation cannot claim more than the
    bases deliver, nor less than what the solver reported).
    """
    if not result.has_solution:
        return result
    ev = check_allocation(problem, result.selected, allocation)
    if not ev.feasible:
        return result.with_(status=Status.ERROR, verified=False,
                            message=f"independent check of the allocation: {ev.reason}")
    if not math.isclose(ev.objective, result.objective, rel_tol=OBJECTIVE_REL_TOL,
                        abs_tol=OBJECTIVE_REL_TOL * objective_noise_scale(problem)):
        return result.with_(status=Status.ERROR, verified=False,
                            message=f"independent check of the allocation: objective {ev.objective:.6g} "
                                    f"!= {result.objective:.6g}")
    details = dict(result.details)
    details["allocation"] = (np.asarray(allocation[0], dtype=np.int64), np.asarray(allocation[1], dtype=np.int64),
                             np.asarray(allocation[2], dtype=np.float64))
    return result.with_(details=details, assignment=ev.assignment)


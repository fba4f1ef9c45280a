"""The outreach allocation for fixed bases, and what a plan delivers (:class:`OutreachMeasures`).

For fixed bases the allocation is an LP in which each area is best served from its nearest kept
base within the maximum drive (:func:`allocate_for_bases`); see :mod:`solvers.formulations.outreach`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from solvers.formulations.outreach_spec import X_TOL, Allocation, access_share, hour_value, spec_of
from solvers.problem import FloatArray, IntArray, Problem


@dataclass(frozen=True)
class FixedAllocation:
    """The best allocation for a fixed set of bases (:func:`allocate_for_bases`).

    Attributes:
        allocation: the allocation (``None`` when the bases admit none).
        objective: its objective value in the model's sense (NaN without one).
        reason: why there is none ('' otherwise).
    """

    allocation: Allocation | None
    objective: float
    reason: str = ""


def nearest_within(problem: Problem, selected: Sequence[int]) -> tuple[IntArray, FloatArray]:
    """Each area's nearest selected site within the maximum drive (``-1``/``inf`` if none)."""
    spec = spec_of(problem)
    sel = np.asarray(sorted(int(j) for j in selected), dtype=np.int64)
    if sel.size == 0:
        return np.full(problem.n, -1, dtype=np.int64), np.full(problem.n, np.inf)
    sub = np.asarray(problem.cost, dtype=np.float64)[:, sel]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(problem.n), k]
    ok = d <= spec.max_drive_minutes
    return np.where(ok, sel[k], -1).astype(np.int64), np.where(ok, d, np.inf)


def allocate_for_bases(problem: Problem, selected: Sequence[int]) -> FixedAllocation:
    """The optimal allocation when the bases are fixed to ``selected`` (an LP over one fraction per area).

    Each area is served from its nearest selected base within the maximum drive. The site rules
    (count, must-keep/close, groups) are not checked here; the frontline floor and the reach
    floors are.
    """
    spec = spec_of(problem)
    n = problem.n
    sel = sorted(int(j) for j in selected)
    o = spec.base_cost_gbp
    overhead = float(o[sel].sum()) if sel else 0.0
    if overhead > spec.overhead_allowance_gbp * (1 + 1e-12) + 1e-9:
        return FixedAllocation(None, math.nan,
                               f"the bases cost {overhead:,.0f} GBP, above the {spec.overhead_allowance_gbp:,.0f} GBP "
                               f"the frontline floor of {spec.frontline_floor:.0%} allows")
    if spec.min_access_share > 0:
        got = access_share(problem, sel)
        if got < spec.min_access_share * (1 - 1e-9) - 1e-12:
            return FixedAllocation(None, math.nan, f"these bases have {got:.4%} of need within "
                                                   f"{spec.access_minutes:g} minutes, below the required "
                                                   f"{spec.min_access_share:.4%}")
    near, d = nearest_within(problem, sel)
    h = np.asarray(spec.need_hours, dtype=np.float64)
    ok = (near >= 0) & (h > 0)
    idx = np.flatnonzero(ok)
    staff = h[idx] * spec.staff_factor(d[idx])
    available = spec.staff_hours_per_gbp * (spec.frontline_without_bases_gbp - overhead)
    if available < 0:
        return FixedAllocation(None, math.nan,
                               f"the bases cost {overhead:,.0f} GBP, more than the "
                               f"{spec.frontline_without_bases_gbp:,.0f} GBP left after the fixed costs")
    a_ub: list[NDArray[np.float64]] = [staff]
    b_ub: list[float] = [available]
    rural = np.asarray(spec.rural, dtype=bool)
    if spec.rural_floor > 0 and h[rural].sum() > 0:
        a_ub.append(-(h[idx] * rural[idx].astype(np.float64)))
        b_ub.append(-spec.rural_floor * float(h[rural].sum()))
    groups = spec.groups(n)
    floors = np.asarray(spec.group_floor, dtype=np.float64)
    for gid in np.flatnonzero(floors > 0):
        members = groups == gid
        if h[members].sum() > 0:
            a_ub.append(-(h[idx] * members[idx].astype(np.float64)))
            b_ub.append(-float(floors[gid]) * float(h[members].sum()))
    weighted = np.asarray(spec.hour_weight, dtype=np.float64)[idx] * h[idx]
    if spec.objective == "spare" or spec.min_weighted_hours > 0:
        a_ub.append(-weighted)
        b_ub.append(-spec.min_weighted_hours)
    # minimise staff hours used (spare), or maximise the value served
    cvec = staff if spec.objective == "spare" else -hour_value(problem, spec)[idx]
    if len(a_ub) == 1:
        z = knapsack(-cvec, staff, available)
    elif idx.size == 0:
        z = np.zeros(0)
        if any(b < -1e-9 for b in b_ub[1:]) or available < -1e-9:
            return FixedAllocation(None, math.nan,
                                   "no area can be served from these bases, but a reach floor needs some")
    else:
        res = linprog(cvec, A_ub=np.vstack(a_ub), b_ub=np.asarray(b_ub), bounds=(0.0, 1.0), method="highs")
        if res.status == 2:
            return FixedAllocation(None, math.nan, "these bases cannot meet the reach floors with the staff hours "
                                                   "their budget leaves")
        if res.status != 0:
            return FixedAllocation(None, math.nan, f"the allocation LP failed: {res.message}")
        z = np.clip(np.asarray(res.x, dtype=np.float64), 0.0, 1.0)
    keep = z > X_TOL
    alloc = Allocation(idx[keep].astype(np.int64), near[idx[keep]].astype(np.int64), z[keep])
    return FixedAllocation(alloc, objective_of(problem, sel, alloc))


def knapsack(value: FloatArray, weight: FloatArray, capacity: float) -> FloatArray:
    """The fractional knapsack: ``max value.z  s.t.  weight.z <= capacity, 0 <= z <= 1`` (vectorised greedy).

    Items of positive value are taken in decreasing order of value per unit weight; items of zero
    weight and positive value are always taken.
    """
    z = np.zeros(value.shape[0])
    pos = np.flatnonzero(value > 0)
    free = pos[weight[pos] <= 0]
    z[free] = 1.0
    pos = pos[weight[pos] > 0]
    if pos.size == 0 or capacity <= 0:
        return z
    order = pos[np.argsort(-(value[pos] / weight[pos]), kind="stable")]
    used = np.cumsum(weight[order])
    full = used <= capacity
    z[order[full]] = 1.0
    k = int(full.sum())
    if k < order.size:
        before = float(used[k - 1]) if k else 0.0
        z[order[k]] = max(0.0, min(1.0, (capacity - before) / float(weight[order[k]])))
    return z



def objective_of(problem: Problem, selected: Sequence[int], allocation: Allocation) -> float:
    """The objective value of ``allocation`` with the bases ``selected``, in the model's sense."""
    spec = spec_of(problem)
    if spec.objective == "spare":
        used = float(np.dot(np.asarray(spec.need_hours)[allocation.area]
                            * spec.staff_factor(np.asarray(problem.cost, dtype=np.float64)[allocation.area,
                                                                                              allocation.site]),
                            allocation.fraction))
        overhead = float(spec.base_cost_gbp[list(selected)].sum()) if len(selected) else 0.0
        return spec.staff_hours_per_gbp * (spec.frontline_without_bases_gbp - overhead) - used
    if spec.objective == "access":
        return access_share(problem, selected)
    return float(np.dot(hour_value(problem, spec)[allocation.area], allocation.fraction))



def allocation_matrix(problem: Problem, allocation: Allocation) -> sp.csr_matrix:
    """The allocation as a sparse ``n x m`` matrix of fractions."""
    return sp.csr_matrix((allocation.fraction, (allocation.area, allocation.site)), shape=(problem.n, problem.m))


@dataclass(frozen=True, kw_only=True)
class OutreachMeasures:
    """What a set of bases and an allocation deliver, from the arrays (for reporting).

    Attributes:
        served: served fraction of each area's need, shape ``(n,)``.
        contact_hours: contact hours a year delivered, :math:`\\sum h_i x_{ij}`.
        weighted_contact_hours: need-weighted contact hours, :math:`\\sum v_i h_i x_{ij}`.
        need_hours: total contact hours needed.
        driving_hours: staff hours a year spent driving.
        staff_hours_used: contact plus driving hours.
        staff_hours_available: :math:`\\kappa f(y)`.
        budget_gbp: the split by category (frontline, management, buildings, fund, contingency).
        base_staff_hours, base_driving_hours, base_contact_hours: per site, shape ``(m,)``.
        base_areas: number of areas each site serves (any fraction), shape ``(m,)``.
    """

    served: FloatArray
    contact_hours: float
    weighted_contact_hours: float
    need_hours: float
    driving_hours: float
    staff_hours_used: float
    staff_hours_available: float
    budget_gbp: dict[str, float]
    base_staff_hours: FloatArray
    base_driving_hours: FloatArray
    base_contact_hours: FloatArray
    base_areas: IntArray

    @property
    def frontline_share(self) -> float:
        return self.budget_gbp["frontline_delivery"] / sum(self.budget_gbp.values())

    @property
    def spare_staff_hours(self) -> float:
        return self.staff_hours_available - self.staff_hours_used


def measure(problem: Problem, selected: Sequence[int], allocation: Allocation) -> OutreachMeasures:
    """Contact, driving and staff hours and the budget split of ``selected`` with ``allocation``."""
    spec = spec_of(problem)
    sel = sorted(int(j) for j in selected)
    h = np.asarray(spec.need_hours, dtype=np.float64)
    a, j, x = allocation
    t = np.asarray(problem.cost, dtype=np.float64)[a, j]
    contact = h[a] * x
    driving = contact * (spec.staff_factor(t) - 1.0)
    served = np.asarray(np.bincount(a, weights=x, minlength=problem.n), dtype=np.float64)
    m = problem.m
    kept = np.zeros(m, dtype=bool)
    kept[sel] = True
    mgmt = spec.central_management_gbp + float(np.asarray(spec.management_cost_gbp)[kept].sum())
    bldg = spec.central_building_gbp + float(np.asarray(spec.building_cost_gbp)[kept].sum())
    frontline = spec.budget_gbp - spec.family_support_gbp - spec.contingency_gbp - mgmt - bldg
    budget = {
        "frontline_delivery": frontline,
        "management_and_admin": mgmt,
        "buildings_and_infrastructure": bldg,
        "family_support_fund": float(spec.family_support_gbp),
        "contingency_and_reserves": float(spec.contingency_gbp),
    }
    return OutreachMeasures(
        served=served,
        contact_hours=float(contact.sum()),
        weighted_contact_hours=float(np.dot(np.asarray(spec.hour_weight, dtype=np.float64)[a], contact)),
        need_hours=float(h.sum()),
        driving_hours=float(driving.sum()),
        staff_hours_used=float((contact + driving).sum()),
        staff_hours_available=spec.staff_hours_per_gbp * frontline,
        budget_gbp=budget,
        base_staff_hours=np.asarray(np.bincount(j, weights=contact + driving, minlength=m), dtype=np.float64),
        base_driving_hours=np.asarray(np.bincount(j, weights=driving, minlength=m), dtype=np.float64),
        base_contact_hours=np.asarray(np.bincount(j, weights=contact, minlength=m), dtype=np.float64),
        base_areas=np.bincount(j[x > X_TOL], minlength=m).astype(np.int64),
    )



__all__ = [
    "FixedAllocation",
    "OutreachMeasures",
    "allocate_for_bases",
    "allocation_matrix",
    "knapsack",
    "measure",
    "nearest_within",
    "objective_of",
]

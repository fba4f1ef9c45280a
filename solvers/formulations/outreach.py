r"""The frontline-versus-overhead outreach model: which bases to keep, and which base serves which need.

Every kept base costs rent, running and management, paid out of the same budget as frontline
staff; every base closed lengthens the drives of the staff who take the service to families.

Sets and data (all arrays, positional; the domain layer keeps the real identifiers):

* :math:`I` areas with need :math:`h_i > 0` contact hours a year and a weight :math:`v_i` per contact
  hour; :math:`R \subseteq I` the rural areas; :math:`I_g` the areas of group (district) :math:`g`.
* :math:`J` candidate sites; :math:`t_{ij}` one-way drive minutes; :math:`T` the maximum drive;
  :math:`s` the session length in minutes. The servable pairs are
  :math:`P = \{(i, j) : t_{ij} \le T,\ j \text{ may open}\}`.
* Serving area :math:`i` from base :math:`j` takes :math:`a_{ij} = h_i \,(1 + 2 t_{ij} / s)` staff
  hours a year: each session of :math:`s` minutes costs one round trip.
* Budget :math:`B` a year; family support fund :math:`F`; contingency :math:`C`; central
  management :math:`M_0` and central buildings :math:`B_0`; per kept base :math:`j` a building cost
  :math:`b_j` and a management cost :math:`g_j`, :math:`o_j = b_j + g_j`.
* Frontline money :math:`f(y) = B - F - C - M_0 - B_0 - \sum_j o_j y_j`, turned into staff hours at
  :math:`\kappa = H_\text{post} / c_\text{post}` hours per pound (productive hours per post over the
  cost of a post).

Decisions: :math:`y_j \in \{0, 1\}` keep site :math:`j` as a base; :math:`x_{ij} \in [0, 1]` the
fraction of area :math:`i`'s need served from base :math:`j`.

.. math::

    \max \sum_{(i,j) \in P} v_i h_i x_{ij}
    \quad\text{s.t.}\quad
    \begin{aligned}[t]
    & \textstyle\sum_{j} x_{ij} \le 1 && \forall i \in I \\
    & x_{ij} \le y_j && \forall (i,j) \in P \\
    & \textstyle\sum_{(i,j) \in P} a_{ij} x_{ij} \le \kappa\, f(y) && \text{(staff hours)} \\
    & f(y) \ge \varphi B && \text{(frontline share)} \\
    & \textstyle\sum_{(i,j) \in P,\, i \in R} h_i x_{ij} \ge \rho \sum_{i \in R} h_i && \text{(rural reach)} \\
    & \textstyle\sum_{(i,j) \in P,\, i \in I_g} h_i x_{ij} \ge \delta_g \sum_{i \in I_g} h_i && \forall g
      \text{ (district reach)} \\
    & \ell_g \le \textstyle\sum_{j \in J_g} y_j \le u_g,\quad y_j = 1\ (j \text{ must keep}),\quad
      y_j = 0\ (j \text{ must close}) \\
    & 1 \le \textstyle\sum_j y_j \le p \quad (\text{or } = p) \\
    & y_j \in \{0, 1\},\ 0 \le x_{ij} \le 1.
    \end{aligned}

The staff-hours row is linear in :math:`y` (each base removes :math:`\kappa o_j` hours) and the
frontline row is a knapsack on :math:`y`. Variants (``OutreachSpec.objective``):

* ``hours`` (default): the objective above, need-weighted contact hours delivered.
* ``share``: :math:`\max \sum_{(i,j)} (w_i / W)\, x_{ij}`, the need-weighted share of areas served
  (:math:`w` the problem's area weights, :math:`W = \sum_i w_i`).
* ``spare``: :math:`\max \kappa f(y) - \sum a_{ij} x_{ij}` (staff hours left over) subject to
  :math:`\sum v_i h_i x_{ij} \ge C_\text{min}`: the second, tie-breaking stage of a lexicographic
  solve (most contact hours first, then least driving and overhead).

For fixed bases the allocation is an LP in which each area is best served from its nearest kept
base within :math:`T` (every pair of an area has the same value and the nearest uses the fewest
staff hours), so :func:`allocate_for_bases` solves it over one variable per area.

Example:
    >>> import numpy as np
    >>> from solvers import make_problem, solve
    >>> spec = OutreachSpec(need_hours=np.array([100.0, 60.0]), hour_weight=np.ones(2),
    ...     rural=np.array([False, True]), building_cost_gbp=np.full(2, 1000.0),
    ...     management_cost_gbp=np.zeros(2), budget_gbp=3500.0, cost_per_post_gbp=1000.0,
    ...     productive_hours_per_post=100.0, session_minutes=60.0, max_drive_minutes=60.0)
    >>> cost = np.array([[0.0, 30.0], [30.0, 0.0]])
    >>> r = solve(make_problem("outreach", [1, 1], cost, extra=spec), solver="highs")
    >>> r.selected, round(r.objective, 6)
    ((0,), 160.0)
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

import solvers.outreach_check  # noqa: F401  (registers the independent evaluator)
from solvers.formulations.common import site_bounds
from solvers.linear import MatrixModel, RowBuilder
from solvers.problem import BoolArray, FloatArray, IntArray, ModelKind, Problem, ProblemError

OutreachObjective = Literal["hours", "share", "spare"]
OBJECTIVES: tuple[str, ...] = ("hours", "share", "spare")
X_TOL = 1e-9
"""Allocation fractions at or below this are treated as zero."""


@dataclass(frozen=True, kw_only=True)
class OutreachSpec:
    """The outreach model's data, passed as ``Problem.extra`` (see the module docstring for symbols).

    Attributes:
        need_hours: :math:`h_i`, contact hours a year each area needs, shape ``(n,)``.
        hour_weight: :math:`v_i`, need weight of one contact hour in each area, shape ``(n,)``.
        rural: rural areas, shape ``(n,)``.
        area_group: group (district) index of each area for the reach floors, ``-1`` for none.
        group_floor: :math:`\\delta_g`, least served share of each group's need (0: no rule).
        rural_floor: :math:`\\rho`, least served share of rural need (0: no rule).
        building_cost_gbp: :math:`b_j`, building cost a year of keeping site ``j`` as a base.
        management_cost_gbp: :math:`g_j`, management cost a year of keeping site ``j``.
        central_building_gbp: :math:`B_0`, buildings and infrastructure not tied to a base.
        central_management_gbp: :math:`M_0`, management and admin not tied to a base.
        budget_gbp: :math:`B`, the annual budget.
        family_support_gbp: :math:`F`, the family support fund (not staff).
        contingency_gbp: :math:`C`, contingency and reserves.
        cost_per_post_gbp: :math:`c_\\text{post}`, cost a year of one full-time frontline post.
        productive_hours_per_post: :math:`H_\\text{post}`, hours a post spends in sessions and travel.
        session_minutes: :math:`s`, the length of a session (one round trip each).
        max_drive_minutes: :math:`T`, the longest one-way drive from a base to an area it serves.
        frontline_floor: :math:`\\varphi`, least share of the budget spent on frontline staff.
        exact_bases: ``Problem.p`` is the exact number of bases (else a cap).
        objective: ``hours``, ``share`` or ``spare`` (see the module docstring).
        min_weighted_hours: :math:`C_\\text{min}`, least need-weighted contact hours (``spare``).
    """

    need_hours: FloatArray
    hour_weight: FloatArray
    rural: BoolArray
    building_cost_gbp: FloatArray
    management_cost_gbp: FloatArray
    budget_gbp: float
    cost_per_post_gbp: float
    productive_hours_per_post: float
    session_minutes: float
    max_drive_minutes: float
    area_group: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    group_floor: FloatArray = field(default_factory=lambda: np.zeros(0))
    rural_floor: float = 0.0
    central_building_gbp: float = 0.0
    central_management_gbp: float = 0.0
    family_support_gbp: float = 0.0
    contingency_gbp: float = 0.0
    frontline_floor: float = 0.0
    exact_bases: bool = False
    objective: OutreachObjective = "hours"
    min_weighted_hours: float = 0.0

    @property
    def base_cost_gbp(self) -> FloatArray:
        """:math:`o_j = b_j + g_j`, the overhead of keeping each site as a base."""
        return np.asarray(self.building_cost_gbp, dtype=np.float64) + np.asarray(self.management_cost_gbp,
                                                                                 dtype=np.float64)

    @property
    def fixed_gbp(self) -> float:
        """:math:`F + C + M_0 + B_0`, spending that does not depend on the bases."""
        return float(self.family_support_gbp + self.contingency_gbp + self.central_management_gbp
                     + self.central_building_gbp)

    @property
    def frontline_without_bases_gbp(self) -> float:
        """:math:`B - F - C - M_0 - B_0`, frontline money before any base is paid for."""
        return float(self.budget_gbp - self.fixed_gbp)

    @property
    def overhead_allowance_gbp(self) -> float:
        """The most the bases may cost together and keep the frontline floor.

        :math:`(1 - \\varphi) B - F - C - M_0 - B_0`.
        """
        return float((1.0 - self.frontline_floor) * self.budget_gbp - self.fixed_gbp)

    @property
    def staff_hours_per_gbp(self) -> float:
        """:math:`\\kappa`, frontline staff hours a pound buys."""
        return float(self.productive_hours_per_post / self.cost_per_post_gbp)

    def groups(self, n: int) -> IntArray:
        """The area groups, ``-1`` everywhere when none were given."""
        g = np.asarray(self.area_group, dtype=np.int64)
        return g if g.shape == (n,) else np.full(n, -1, dtype=np.int64)

    def staff_factor(self, minutes: NDArray[np.floating]) -> FloatArray:
        """:math:`1 + 2 t / s`: staff hours per contact hour at a one-way drive of ``minutes``."""
        return 1.0 + 2.0 * np.asarray(minutes, dtype=np.float64) / float(self.session_minutes)

    def check(self, n: int, m: int) -> None:
        """Raise :class:`ProblemError` naming the first malformed field."""
        for name, shape in (("need_hours", (n,)), ("hour_weight", (n,)), ("rural", (n,)),
                            ("building_cost_gbp", (m,)), ("management_cost_gbp", (m,))):
            arr = np.asarray(getattr(self, name))
            if arr.shape != shape:
                raise ProblemError(f"outreach {name} has shape {arr.shape}, expected {shape}")
        for name in ("need_hours", "hour_weight", "building_cost_gbp", "management_cost_gbp"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ProblemError(f"outreach {name} must be finite and non-negative")
        g = np.asarray(self.area_group, dtype=np.int64)
        if g.size and g.shape != (n,):
            raise ProblemError(f"outreach area_group has shape {g.shape}, expected ({n},)")
        floors = np.asarray(self.group_floor, dtype=np.float64)
        if g.size and g.max(initial=-1) >= floors.shape[0]:
            raise ProblemError("outreach area_group refers to a group without a floor")
        if np.any(~np.isfinite(floors)) or np.any((floors < 0) | (floors > 1)):
            raise ProblemError("outreach group_floor must lie in [0, 1]")
        for name in ("budget_gbp", "cost_per_post_gbp", "productive_hours_per_post", "session_minutes",
                     "max_drive_minutes"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise ProblemError(f"outreach {name} must be positive, got {value}")
        for name in ("central_building_gbp", "central_management_gbp", "family_support_gbp", "contingency_gbp",
                     "min_weighted_hours"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ProblemError(f"outreach {name} must be non-negative, got {value}")
        for name in ("frontline_floor", "rural_floor"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ProblemError(f"outreach {name} must lie in [0, 1], got {value}")
        if self.objective not in OBJECTIVES:
            raise ProblemError(f"outreach objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}")


class Allocation(NamedTuple):
    """A fractional allocation as sparse triplets.

    Area ``area[k]`` gets ``fraction[k]`` of its need from site ``site[k]``.
    """

    area: IntArray
    site: IntArray
    fraction: FloatArray


def spec_of(problem: Problem) -> OutreachSpec:
    """The :class:`OutreachSpec` of an outreach problem, checked against its shapes."""
    spec = problem.extra
    if problem.kind is not ModelKind.OUTREACH or not isinstance(spec, OutreachSpec):
        raise ProblemError("an outreach problem needs an OutreachSpec in Problem.extra")
    _check_once(spec, problem.n, problem.m)
    return spec


#: ``id(spec) -> (n, m)`` of the specs already checked (an entry leaves when its spec is collected).
_CHECKED: dict[int, tuple[int, int]] = {}


def _check_once(spec: OutreachSpec, n: int, m: int) -> None:
    """``spec.check(n, m)``, once per spec and shape: the heuristics call :func:`spec_of` thousands of times."""
    key = id(spec)
    if _CHECKED.get(key) == (n, m):
        return
    spec.check(n, m)
    if key not in _CHECKED:
        weakref.finalize(spec, _CHECKED.pop, key, None)
    _CHECKED[key] = (n, m)


def servable_pairs(problem: Problem) -> tuple[IntArray, IntArray]:
    """Row-major ``(area, site)`` pairs of :math:`P`: need > 0, site may open, drive within the maximum."""
    spec = spec_of(problem)
    cost = np.asarray(problem.cost, dtype=np.float64)
    ok = (cost <= spec.max_drive_minutes) & (np.asarray(spec.need_hours) > 0)[:, None]
    ok &= problem.open_allowed()[None, :]
    rows, cols = np.nonzero(ok)
    return rows.astype(np.int64), cols.astype(np.int64)


def _hour_value(problem: Problem, spec: OutreachSpec) -> FloatArray:
    """Objective value of serving all of each area (``hours`` and ``share`` objectives)."""
    h = np.asarray(spec.need_hours, dtype=np.float64)
    if spec.objective == "share":
        total = float(np.asarray(problem.weights, dtype=np.float64).sum())
        return np.asarray(problem.weights, dtype=np.float64) / total if total > 0 else np.zeros(problem.n)
    return np.asarray(spec.hour_weight, dtype=np.float64) * h


def build(problem: Problem) -> MatrixModel:
    """The outreach MIP (module docstring) over the servable pairs.

    Variables: ``y_j`` first (``site_vars``), then one ``x_ij`` per servable pair (``names["x"]``,
    ``assign_vars``). Named rows: ``staff_row`` and ``frontline_row`` (used by
    :func:`budget_shortfall_gbp`).
    """
    spec = spec_of(problem)
    area, site = servable_pairs(problem)
    m, k, n = problem.m, area.shape[0], problem.n
    cost = np.asarray(problem.cost, dtype=np.float64)
    h = np.asarray(spec.need_hours, dtype=np.float64)
    site_vars = np.arange(m, dtype=np.int64)
    x_vars = m + np.arange(k, dtype=np.int64)
    nvar = m + k
    kappa = spec.staff_hours_per_gbp
    o = spec.base_cost_gbp
    staff = h[area] * spec.staff_factor(cost[area, site])  # a_ij
    c = np.zeros(nvar)
    offset = 0.0
    sense: Literal["max", "min"] = "max"
    value = _hour_value(problem, spec)
    if spec.objective == "spare":
        c[site_vars] = -kappa * o
        c[x_vars] = -staff
        offset = kappa * spec.frontline_without_bases_gbp
    else:
        c[x_vars] = value[area]
    rb = RowBuilder(nvar)
    served = np.unique(area)
    rb.add(np.searchsorted(served, area), x_vars, 1.0, -np.inf, 1.0, served.shape[0])
    rows = np.concatenate([np.arange(k), np.arange(k)])
    rb.add(rows, np.concatenate([x_vars, site_vars[site]]), np.concatenate([np.ones(k), -np.ones(k)]),
           -np.inf, 0.0, k)
    staff_row = rb.add(np.zeros(m + k), np.concatenate([site_vars, x_vars]), np.concatenate([kappa * o, staff]),
                       -np.inf, kappa * spec.frontline_without_bases_gbp, 1)
    frontline_row = rb.add(np.zeros(m), site_vars, o, -np.inf, spec.overhead_allowance_gbp, 1)
    lo = float(problem.p) if (spec.exact_bases and problem.p is not None) else 1.0
    hi = float(problem.p) if problem.p is not None else float(m)
    rb.add(np.zeros(m), site_vars, 1.0, lo, hi, 1)
    for g in problem.groups:
        members = np.asarray(g.members, dtype=np.int64)
        rb.add(np.zeros(len(members)), site_vars[members], 1.0, float(g.min_open),
               np.inf if g.max_open is None else float(g.max_open), 1)
    rural = np.asarray(spec.rural, dtype=bool)
    if spec.rural_floor > 0 and h[rural].sum() > 0:
        sel = rural[area]
        rb.add(np.zeros(int(sel.sum())), x_vars[sel], h[area[sel]], spec.rural_floor * float(h[rural].sum()),
               np.inf, 1)
    groups = spec.groups(n)
    floors = np.asarray(spec.group_floor, dtype=np.float64)
    for gid in np.flatnonzero(floors > 0):
        members = groups == gid
        if h[members].sum() <= 0:
            continue
        sel = members[area]
        rb.add(np.zeros(int(sel.sum())), x_vars[sel], h[area[sel]], float(floors[gid]) * float(h[members].sum()),
               np.inf, 1)
    if spec.objective == "spare" or spec.min_weighted_hours > 0:
        weighted = np.asarray(spec.hour_weight, dtype=np.float64)[area] * h[area]
        rb.add(np.zeros(k), x_vars, weighted, spec.min_weighted_hours, np.inf, 1)
    a, row_lo, row_hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    assign = np.column_stack([area, site, x_vars]).astype(np.int64)
    return MatrixModel(
        sense=sense, c=c, A=a, row_lo=row_lo, row_hi=row_hi,
        lb=np.concatenate([lb_y, np.zeros(k)]), ub=np.concatenate([ub_y, np.ones(k)]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)]),
        site_vars=site_vars, offset=offset, assign_vars=assign,
        names={"x": x_vars, "x_demand": area, "x_site": site, "staff_row": staff_row,
               "frontline_row": frontline_row},
    )


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
    cvec = staff if spec.objective == "spare" else -_hour_value(problem, spec)[idx]
    if len(a_ub) == 1:
        z = knapsack(-cvec, staff, available)
    elif idx.size == 0:
        z = np.zeros(0)
        if any(b < -1e-9 for b in b_ub[1:]) or available < -1e-9:
            return FixedAllocation(None, math.nan,
                                   "no area can be served from these bases, but a reach floor needs some")
    else:
        from scipy.optimize import linprog  # loaded when floors need it (scipy.optimize takes 0.5 s)

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


def greedy_start(problem: Problem, count: int, *, start: Sequence[int] = ()) -> tuple[int, ...]:
    """A good set of ``count`` bases to start a solver from (a warm start, not an answer).

    From ``start`` (plus the must-keep sites, less the must-close ones) it adds, one at a time,
    the site whose addition delivers the most contact hours (then leaves the most staff hours
    spare), or drops the site whose removal costs least, until ``count`` sites are kept. The reach
    and frontline floors are ignored (the solver enforces them); group maximums are respected.
    """
    spec = spec_of(problem)
    loose = Problem(kind=problem.kind, weights=problem.weights, cost=problem.cost, extra=replace(
        spec, rural_floor=0.0, group_floor=np.zeros_like(np.asarray(spec.group_floor, dtype=np.float64)),
        frontline_floor=0.0, objective="hours", min_weighted_hours=0.0))
    allowed = problem.open_allowed()
    chosen = {int(j) for j in start if 0 <= int(j) < problem.m and allowed[int(j)]} | set(problem.must_open)
    group_of: list[list[int]] = [[] for _ in range(problem.m)]
    for gi, g in enumerate(problem.groups):
        for j in g.members:
            group_of[j].append(gi)

    def score(sel: set[int]) -> tuple[float, float]:
        fa = allocate_for_bases(loose, sorted(sel))
        if fa.allocation is None:
            return (-math.inf, -math.inf)
        return (fa.objective, measure(loose, sorted(sel), fa.allocation).spare_staff_hours)

    def room(j: int, sel: set[int]) -> bool:
        for gi in group_of[j]:
            g = problem.groups[gi]
            if g.max_open is not None and len(sel.intersection(g.members)) >= g.max_open:
                return False
        return True

    while len(chosen) < count:
        cands = [j for j in np.flatnonzero(allowed) if int(j) not in chosen and room(int(j), chosen)]
        if not cands:
            break
        best = max(cands, key=lambda j: score(chosen | {int(j)}))
        chosen.add(int(best))
    while len(chosen) > count:
        removable = [j for j in chosen if j not in problem.must_open]
        if not removable:
            break
        worst = max(removable, key=lambda j: score(chosen - {j}))
        chosen.discard(worst)
    return tuple(sorted(chosen))


def required_bases(problem: Problem) -> int:
    """The fewest bases any plan keeps: ``p`` when it is exact, else one (or the must-keep ones)."""
    spec = spec_of(problem)
    if spec.exact_bases and problem.p is not None:
        return int(problem.p)
    return max(1, len(problem.must_open))


def cheapest_overhead_gbp(problem: Problem, count: int) -> float:
    """The overhead of the cheapest ``count`` allowed bases that include the must-keep ones.

    ``inf`` when fewer than ``count`` sites may be bases. Every plan with ``count`` bases costs at
    least this, so it bounds the frontline money and staff hours such plans can have.
    """
    spec = spec_of(problem)
    o = spec.base_cost_gbp
    must = sorted(problem.must_open)
    rest = np.sort(o[[j for j in np.flatnonzero(problem.open_allowed()) if j not in problem.must_open]])
    extra = max(0, count - len(must))
    if extra > rest.shape[0]:
        return math.inf
    return float(o[must].sum() + rest[:extra].sum())


def value_upper_bound(problem: Problem) -> float:
    r"""A valid upper bound on the ``hours`` (or ``share``) objective, from a fractional knapsack.

    Any plan serves area :math:`i` a fraction :math:`X_i = \sum_j x_{ij} \le 1` at no fewer staff
    hours than :math:`h_i (1 + 2 t^{\min}_i / s)`, with :math:`t^{\min}_i` the drive to its nearest
    allowed site, and has at most :math:`\kappa (B - F - C - M_0 - B_0 - O_{\min})` staff hours,
    :math:`O_{\min}` the overhead of the cheapest allowed set of bases the count requires (the
    must-keep ones included). Dropping the reach floors, group limits and which sites are open
    leaves the knapsack :math:`\max \sum_i c_i X_i` over those staff hours: a relaxation. It is
    the whole coverable value when staff hours are not short. ``-inf`` when no plan can pay for
    its bases; NaN for the ``spare`` objective.

    Example:
        >>> import numpy as np
        >>> from solvers import make_problem
        >>> spec = OutreachSpec(need_hours=np.array([100.0, 60.0]), hour_weight=np.ones(2),
        ...     rural=np.array([False, False]), building_cost_gbp=np.zeros(2), management_cost_gbp=np.zeros(2),
        ...     budget_gbp=150.0, cost_per_post_gbp=1000.0, productive_hours_per_post=1000.0,
        ...     session_minutes=60.0, max_drive_minutes=30.0)
        >>> problem = make_problem("outreach", [1, 1], [[0.0, 45.0], [20.0, 10.0]], p=1, extra=spec)
        >>> # 150 staff hours: area 0 costs 100 (no drive); area 1 costs 60 x (1 + 20/60) = 80 for 60
        >>> value_upper_bound(problem)  # 100 + 60 x 50/80
        137.5
    """
    spec = spec_of(problem)
    if spec.objective == "spare":
        return math.nan
    allowed = problem.open_allowed()
    overhead = cheapest_overhead_gbp(problem, required_bases(problem))
    if overhead > spec.overhead_allowance_gbp * (1 + 1e-12) + 1e-9:  # also when too few sites (inf)
        return -math.inf
    available = spec.staff_hours_per_gbp * (spec.frontline_without_bases_gbp - overhead)
    if available < 0:
        return -math.inf
    cost = np.where(allowed[None, :], np.asarray(problem.cost, dtype=np.float64), np.inf)
    t_min = cost.min(axis=1) if problem.m else np.full(problem.n, np.inf)
    h = np.asarray(spec.need_hours, dtype=np.float64)
    ok = (t_min <= spec.max_drive_minutes) & (h > 0)
    value = _hour_value(problem, spec)[ok]
    z = knapsack(value, h[ok] * spec.staff_factor(t_min[ok]), available)
    return float(value @ z)


def spare_upper_bound(problem: Problem, min_weighted_hours: float) -> float:
    """A valid upper bound on the spare staff hours of any plan delivering ``min_weighted_hours``.

    The frontline hours of the cheapest allowed set of ``p`` bases (with the must-keep ones) less
    the fewest staff hours that could deliver the need-weighted contact hours if every area were
    served from its nearest allowed site (a fractional knapsack). Ignores reach floors and group
    limits, which can only lower the true value.
    """
    spec = spec_of(problem)
    count = problem.p if problem.p is not None else max(1, len(problem.must_open))
    overhead = cheapest_overhead_gbp(problem, count)
    if not math.isfinite(overhead):
        return -math.inf
    available = spec.staff_hours_per_gbp * (spec.frontline_without_bases_gbp - overhead)
    cost = np.where(problem.open_allowed()[None, :], np.asarray(problem.cost, dtype=np.float64), np.inf)
    t_min = cost.min(axis=1)
    h = np.asarray(spec.need_hours, dtype=np.float64)
    ok = (t_min <= spec.max_drive_minutes) & (h > 0)
    weighted = np.asarray(spec.hour_weight, dtype=np.float64)[ok] * h[ok]
    staff = h[ok] * spec.staff_factor(t_min[ok])
    if min_weighted_hours > float(weighted.sum()) * (1 + 1e-9) + 1e-9:
        return -math.inf
    # least staff for the weighted hours: best weighted hours per staff hour first
    order = np.argsort(-(weighted / np.maximum(staff, 1e-300)), kind="stable")
    cum_w = np.cumsum(weighted[order])
    cum_s = np.cumsum(staff[order])
    k = int(np.searchsorted(cum_w, min_weighted_hours))
    if k >= order.size:
        used = float(cum_s[-1]) if order.size else 0.0
    else:
        before_w = float(cum_w[k - 1]) if k else 0.0
        before_s = float(cum_s[k - 1]) if k else 0.0
        i = order[k]
        used = before_s + (min_weighted_hours - before_w) / float(weighted[i]) * float(staff[i])
    return available - used


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
    return float(np.dot(_hour_value(problem, spec)[allocation.area], allocation.fraction))


def budget_shortfall_gbp(problem: Problem, *, time_limit_s: float = 60.0) -> float | None:
    """How much more money a year (spent on frontline staff) would make an infeasible model feasible.

    Solves the elastic model: the MIP of :func:`build` with a variable :math:`e \\ge 0` added to the
    budget and to the frontline money (the frontline share is then taken of :math:`B + e`),
    minimising :math:`e`. Returns 0 if the model is feasible as it is, and ``None`` if no amount of
    money makes it feasible (site rules that contradict each other, or need beyond the maximum
    drive that a reach floor requires).
    """
    import highspy

    from solvers.highs_model import highs_from_model

    spec = spec_of(problem)
    model = build(problem)
    staff_row = int(model.names["staff_row"][0])
    frontline_row = int(model.names["frontline_row"][0])
    col = sp.csr_matrix(
        (np.array([-spec.staff_hours_per_gbp, -(1.0 - spec.frontline_floor)]),
         (np.array([staff_row, frontline_row]), np.array([0, 0]))),
        shape=(model.num_rows, 1),
    )
    elastic = MatrixModel(
        sense="min", c=np.concatenate([np.zeros(model.num_vars), [1.0]]),
        A=sp.hstack([model.A, col]).tocsr(), row_lo=model.row_lo, row_hi=model.row_hi,
        lb=np.concatenate([model.lb, [0.0]]), ub=np.concatenate([model.ub, [np.inf]]),
        integer=np.concatenate([model.integer, [False]]), site_vars=model.site_vars,
    )
    h = highs_from_model(elastic)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.run()
    status = h.getModelStatus()
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return None
    if int(h.getInfo().primal_solution_status) != 2:
        return None
    return max(0.0, float(h.getInfo().objective_function_value))


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
    "OBJECTIVES",
    "Allocation",
    "FixedAllocation",
    "OutreachMeasures",
    "OutreachObjective",
    "OutreachSpec",
    "allocate_for_bases",
    "allocation_matrix",
    "budget_shortfall_gbp",
    "build",
    "greedy_start",
    "knapsack",
    "measure",
    "nearest_within",
    "objective_of",
    "servable_pairs",
    "spare_upper_bound",
    "spec_of",
]

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
* ``access`` (the families' side): :math:`\max \sum_i (w_i / W)\, z_i` subject to
  :math:`z_i \le \sum_{j : t_{ij} \le X} y_j`, :math:`0 \le z_i \le 1` and
  :math:`\sum v_i h_i x_{ij} \ge C_\text{min}`: the need-weighted share of areas within :math:`X`
  minutes of a kept base (``access_minutes``), families travelling to a base. ``z`` exists only for
  areas of positive weight with an allowed site within :math:`X`.
* ``min_access_share`` :math:`A_\text{min} > 0` adds :math:`\sum_i (w_i / W)\, z_i \ge A_\text{min}`
  to any objective (the third stage of :mod:`siting.outreach_frontier`: most spare staff hours
  keeping the best access).

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

from typing import Literal

import numpy as np
import scipy.sparse as sp

from solvers.formulations.common import site_bounds
from solvers.formulations.outreach_alloc import (
    FixedAllocation,
    OutreachMeasures,
    allocate_for_bases,
    allocation_matrix,
    knapsack,
    measure,
    nearest_within,
    objective_of,
)
from solvers.formulations.outreach_bounds import (
    CoverageBound,
    cheapest_overhead_gbp,
    coverage_bound,
    greedy_start,
    required_bases,
    spare_upper_bound,
    value_upper_bound,
)
from solvers.formulations.outreach_spec import (
    OBJECTIVES,
    X_TOL,
    Allocation,
    OutreachObjective,
    OutreachSpec,
    access_cover,
    access_share,
    access_weights,
    hour_value,
    servable_pairs,
    spec_of,
)
from solvers.linear import MatrixModel, RowBuilder
from solvers.problem import Problem


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
    reach = access_cover(problem) if spec.uses_access else np.zeros((n, m), dtype=bool)
    z_areas = np.flatnonzero(reach.any(axis=1))
    z_vars = m + k + np.arange(z_areas.shape[0], dtype=np.int64)
    nvar = m + k + z_areas.shape[0]
    kappa = spec.staff_hours_per_gbp
    o = spec.base_cost_gbp
    staff = h[area] * spec.staff_factor(cost[area, site])  # a_ij
    c = np.zeros(nvar)
    offset = 0.0
    sense: Literal["max", "min"] = "max"
    value = hour_value(problem, spec)
    share = access_weights(problem)
    if spec.objective == "spare":
        c[site_vars] = -kappa * o
        c[x_vars] = -staff
        offset = kappa * spec.frontline_without_bases_gbp
    elif spec.objective == "access":
        c[z_vars] = share[z_areas]
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
    if z_areas.size:
        # z_i <= sum of y_j over the allowed sites within X minutes of area i
        zi, zj = np.nonzero(reach[z_areas])
        q = z_areas.shape[0]
        rb.add(np.concatenate([np.arange(q), zi]), np.concatenate([z_vars, site_vars[zj]]),
               np.concatenate([np.ones(q), -np.ones(zi.shape[0])]), -np.inf, 0.0, q)
    if spec.min_access_share > 0:
        rb.add(np.zeros(z_areas.shape[0]), z_vars, share[z_areas], spec.min_access_share, np.inf, 1)
    a, row_lo, row_hi = rb.build()
    lb_y, ub_y = site_bounds(problem)
    assign = np.column_stack([area, site, x_vars]).astype(np.int64)
    return MatrixModel(
        sense=sense, c=c, A=a, row_lo=row_lo, row_hi=row_hi,
        lb=np.concatenate([lb_y, np.zeros(k + z_areas.shape[0])]),
        ub=np.concatenate([ub_y, np.ones(k + z_areas.shape[0])]),
        integer=np.concatenate([np.ones(m, dtype=bool), np.zeros(k + z_areas.shape[0], dtype=bool)]),
        site_vars=site_vars, offset=offset, assign_vars=assign,
        names={"x": x_vars, "x_demand": area, "x_site": site, "staff_row": staff_row,
               "frontline_row": frontline_row, "z": z_vars, "z_demand": z_areas},
    )


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



__all__ = [
    "OBJECTIVES",
    "X_TOL",
    "Allocation",
    "CoverageBound",
    "FixedAllocation",
    "OutreachMeasures",
    "OutreachObjective",
    "OutreachSpec",
    "access_cover",
    "access_share",
    "access_weights",
    "allocate_for_bases",
    "allocation_matrix",
    "budget_shortfall_gbp",
    "build",
    "cheapest_overhead_gbp",
    "coverage_bound",
    "greedy_start",
    "hour_value",
    "knapsack",
    "measure",
    "nearest_within",
    "objective_of",
    "required_bases",
    "servable_pairs",
    "spare_upper_bound",
    "spec_of",
    "value_upper_bound",
]

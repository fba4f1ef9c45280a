"""Warm starts and bounds for the outreach model: greedy bases, cheapest overheads, relaxation bounds.

See :mod:`solvers.formulations.outreach` for the model. These never claim optimality themselves:
the greedy plan is a warm start; the bounds are relaxations (valid upper bounds).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from solvers.formulations.outreach_alloc import allocate_for_bases, knapsack, measure
from solvers.formulations.outreach_spec import hour_value, spec_of
from solvers.problem import Problem


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
        frontline_floor=0.0, objective="hours", min_weighted_hours=0.0, min_access_share=0.0))
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

    # each addition depends only on the sites chosen so far, so the additions for ``count`` extend those for
    # any smaller count of the same problem: a sweep over the number of bases reuses them (bit for bit the same)
    key = _fingerprint(loose, allowed, problem, chosen)
    added, exhausted = _GREEDY_ADDED.pop(key, ([], False))
    _GREEDY_ADDED[key] = (added, exhausted)
    while len(_GREEDY_ADDED) > _GREEDY_CACHE_SIZE:
        _GREEDY_ADDED.pop(next(iter(_GREEDY_ADDED)))
    for j in added:
        if len(chosen) >= count:
            break
        chosen.add(j)
    while len(chosen) < count and not exhausted:
        cands = [j for j in np.flatnonzero(allowed) if int(j) not in chosen and room(int(j), chosen)]
        if not cands:
            exhausted = True
            _GREEDY_ADDED[key] = (added, True)
            break
        best = max(cands, key=lambda j: score(chosen | {int(j)}))
        chosen.add(int(best))
        added.append(int(best))
    while len(chosen) > count:
        removable = [j for j in chosen if j not in problem.must_open]
        if not removable:
            break
        worst = max(removable, key=lambda j: score(chosen - {j}))
        chosen.discard(worst)
    return tuple(sorted(chosen))


#: Greedy additions of recent problems (fingerprint -> sites added in order, whether no site could be added).
_GREEDY_ADDED: dict[str, tuple[list[int], bool]] = {}
_GREEDY_CACHE_SIZE = 8


def _fingerprint(loose: Problem, allowed: np.ndarray, problem: Problem, chosen: set[int]) -> str:
    """A digest of everything the greedy additions depend on (the data, the spec, the rules, the start)."""
    h = hashlib.sha256()

    def add(x: object) -> None:
        if isinstance(x, np.ndarray):
            a = np.ascontiguousarray(x)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        else:
            h.update(repr(x).encode())
        h.update(b"|")

    add(np.asarray(loose.weights))
    add(np.asarray(loose.cost))
    spec = loose.extra
    for f in fields(spec):  # type: ignore[arg-type]
        add(getattr(spec, f.name))
    add(np.asarray(allowed, dtype=bool))
    add(sorted(chosen))
    add([(g.members, g.min_open, g.max_open) for g in problem.groups])
    return h.hexdigest()


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
    its bases; NaN for the ``spare`` and ``access`` objectives.

    Example:
        >>> import numpy as np
        >>> from solvers import make_problem
        >>> from solvers.formulations.outreach_spec import OutreachSpec
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
    if spec.objective in ("spare", "access"):
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
    value = hour_value(problem, spec)[ok]
    z = knapsack(value, h[ok] * spec.staff_factor(t_min[ok]), available)
    return float(value @ z)


@dataclass(frozen=True)
class CoverageBound:
    """The maximal-covering relaxation of an outreach problem (:func:`coverage_bound`).

    Attributes:
        bound: a valid upper bound on the ``hours`` (or ``share``) objective of every plan.
        selected: the bases of the covering plan that attains the relaxation's best value found.
        proven: whether the covering solver proved ``bound`` (else it stopped on its time limit).
    """

    bound: float
    selected: tuple[int, ...]
    proven: bool


def coverage_bound(problem: Problem, *, time_limit_s: float | None = None) -> CoverageBound | None:
    r"""An upper bound on the ``hours`` (or ``share``) objective from the maximal covering problem.

    A plan with bases :math:`S` serves area :math:`i` only from a base within the maximum drive
    :math:`T`, and at most all of its need, so its value is at most
    :math:`\sum_{i : h_i > 0,\ \min_{j \in S} t_{ij} \le T} c_i` with :math:`c_i` the value of serving
    all of area :math:`i` (:func:`~solvers.formulations.outreach_spec.hour_value`). Dropping the staff
    hours, the frontline floor and the reach floors leaves the maximal covering problem (MCLP) with
    weights :math:`c_i`, radius :math:`T` and the same site rules: its optimum (or any proven
    upper bound on it) bounds every plan. When the staff hours do not bind, the covering plan's best
    allocation reaches that bound, which proves the plan optimal without the outreach MIP.

    The MCLP opens exactly ``p`` sites; a count of *at most* ``p`` is covered too when no group has
    a maximum (coverage only grows as sites are added, so some ``p``-site plan covers as much as any
    smaller one). Returns ``None`` when the relaxation does not apply (the ``spare`` and ``access``
    objectives, no count, an infinite maximum drive, at-most counts with group maximums) or when the
    covering solve gives no bound.
    """
    # the exact MCLP path and the checker directly, not solvers.api (which would make an import cycle)
    from solvers.check import verify
    from solvers.covering.exact import solve_mclp_merged
    from solvers.problem import ModelKind, SolveOptions, make_problem
    from solvers.result import Status

    spec = spec_of(problem)
    if spec.objective not in ("hours", "share") or problem.p is None or not math.isfinite(spec.max_drive_minutes):
        return None
    allowed = int(problem.open_allowed().sum())
    exact = spec.exact_bases
    if not exact and any(g.max_open is not None for g in problem.groups):
        return None
    count = int(problem.p) if exact else min(int(problem.p), allowed)
    if count < 1 or count > allowed:
        return None
    h = np.asarray(spec.need_hours, dtype=np.float64)
    value = np.where(h > 0, hour_value(problem, spec), 0.0)
    if not np.all(np.isfinite(value)) or np.any(value < 0):
        return None
    cover = make_problem(ModelKind.MCLP, value, problem.cost, p=count, radius=spec.max_drive_minutes,
                         must_open=problem.must_open, must_close=problem.must_close, groups=problem.groups)
    result = verify(cover, solve_mclp_merged(cover, SolveOptions(time_limit_s=time_limit_s)))
    if not result.has_solution or not result.verified or not math.isfinite(result.bound):
        return None
    proven = result.status is Status.OPTIMAL
    return CoverageBound(bound=float(result.bound), selected=tuple(result.selected), proven=proven)


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



__all__ = ["CoverageBound", "cheapest_overhead_gbp", "coverage_bound", "greedy_start", "required_bases",
           "spare_upper_bound", "value_upper_bound"]

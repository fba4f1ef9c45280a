r"""The outreach decision as two conflicting sides, and its efficient frontier over the number of bases.

**The service's side** of a plan :math:`y` (bases) with allocation :math:`x`: contact hours delivered
:math:`C = \sum h_i x_{ij}`; frontline posts after overheads :math:`f(y) / c_\text{post}`; and the
spare capacity left after the contact hours and the staff's driving, stated in posts,

.. math::

    S(y, x) = \frac{\kappa f(y) - \sum_{(i,j)} a_{ij} x_{ij}}{H_\text{post}} .

**The families' side**: the need-weighted share of areas within :math:`X` minutes of a base,

.. math::

    A(y) = \frac{1}{W} \sum_i w_i \, z_i, \qquad z_i \le \sum_{j : t_{ij} \le X} y_j,\ z_i \le 1,

(:math:`w_i` the case's need weights, :math:`W = \sum_i w_i`), with the need-weighted mean and the
worst travel time from an area to its nearest base reported beside it. Families travel to a base;
staff drive to families (at most :math:`T` minutes); both use the same estimated minutes.

**The frontier.** For each number of bases :math:`p`, three MIPs of
:mod:`solvers.formulations.outreach`, each solved to proven optimality (statuses reported):

.. math::

    \begin{aligned}
    C^\ast(p) &= \max\ \textstyle\sum v_i h_i x_{ij} && \text{s.t. the outreach model with } \textstyle\sum_j y_j = p \\
    A^\ast(p) &= \max\ A(y) && \text{s.t. the same, and } \textstyle\sum v_i h_i x_{ij} \ge C^\ast(p) \\
    S^\ast(p) &= \max\ S(y, x) && \text{s.t. the same, } \textstyle\sum v_i h_i x_{ij} \ge C^\ast(p),\
        A(y) \ge A^\ast(p)
    \end{aligned}

so each point is the plan of :math:`p` bases that serves all the need the staff can reach, gives
families the best access, and among those leaves the most spare posts (lexicographic, so efficient
for its :math:`p`). A point is *eligible* when it keeps the frontline floor, delivers the most
contact hours any number of bases delivers, and leaves at least ``min_spare_posts``; it is
*dominated* when another eligible point has at least its access and its spare posts, and more of
one.

**The recommendation** (:func:`recommend`). Count :math:`q` is *significantly better for families*
than count :math:`p` when its plan reaches more need within :math:`X` minutes even if every
estimated travel time :math:`t_{ij}` were wrong by up to :math:`e` minutes in the direction least
favourable to :math:`q` (:func:`worst_case_gain`; one error per area-site pair, so a base both plans
keep moves the same way for both; :math:`e` = 2.8 minutes, the estimator's held-out mean absolute
error on Norfolk). Among the eligible, undominated counts, those that no eligible count is
significantly better than are *equally good for families* (the one with the best estimated
access is always among them); of those, the one leaving the most spare posts is recommended, and
all of them are reported. When they also leave the same spare posts (within 0.01 posts), there is
no single recommendation, only the range. This is an :math:`\varepsilon`-constraint method: the
service's side is the constraint (all need served, the frontline floor, at least
``min_spare_posts`` spare posts), the families' side the objective (up to the travel-time error),
and spare posts decide between counts the error cannot separate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from siting.domain import Case, TravelMatrix
from siting.outreach import (
    POLISH_REL,
    OutreachParams,
    OutreachSolve,
    attach_allocation,
    outreach_problem,
    solve_outreach,
    with_spec,
)
from siting.problems import SiteRules
from solvers import Problem, Result, SolveOptions, Status, solve
from solvers.formulations.outreach import (
    Allocation,
    cheapest_overhead_gbp,
    greedy_start,
    measure,
    spec_of,
    value_upper_bound,
)
from solvers.result import relative_gap

TRAVEL_ERROR_MINUTES = 2.8
"""Mean absolute error of the calibrated travel-time estimator on held-out routed pairs (Norfolk)."""
DEFAULT_ACCESS_MINUTES = 20.0
"""The families' travel threshold :math:`X` when none is given."""
ACCESS_TOL = 1e-9
"""The spare-posts stage keeps the families' access of the access stage to within this (absolute share)."""
CONTACT_REL = 1e-6
"""Points within this relative distance of the most contact hours deliver 'all the need the staff can reach'."""
_BAD = (Status.INFEASIBLE.value, Status.ERROR.value)


@dataclass(frozen=True)
class FamiliesAccess:
    """The families' side of a set of bases (from the travel matrix alone).

    Attributes:
        share: need-weighted share of areas within ``minutes`` of a base.
        share_low, share_high: the same within ``minutes - error`` and ``minutes + error``.
        mean_minutes: need-weighted mean travel time to the nearest base.
        worst_minutes: the longest travel time to the nearest base of an area with need.
    """

    share: float
    share_low: float
    share_high: float
    mean_minutes: float
    worst_minutes: float


def families_access(weights: np.ndarray, minutes: np.ndarray, selected: Sequence[int], *, access_minutes: float,
                    error_minutes: float = TRAVEL_ERROR_MINUTES) -> FamiliesAccess:
    """Access, mean and worst travel of the bases ``selected`` (site positions) for areas weighted ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    if not len(selected) or w.sum() <= 0:
        return FamiliesAccess(0.0, 0.0, 0.0, math.inf, math.inf)
    near = np.asarray(minutes, dtype=np.float64)[:, sorted(int(j) for j in selected)].min(axis=1)
    total = float(w.sum())

    def within(limit: float) -> float:
        return float(w[near <= limit].sum() / total)

    need = w > 0
    return FamiliesAccess(within(access_minutes), within(access_minutes - error_minutes),
                          within(access_minutes + error_minutes), float(np.average(near[need], weights=w[need])),
                          float(near[need].max()))


@dataclass(frozen=True)
class FrontierPoint:
    """The frontier's plan with a given number of bases (see the module docstring).

    Attributes:
        bases: number of bases.
        status: ``optimal`` when every stage was proven optimal, else the first other stage status.
        contact_status, access_status, spare_status: each stage's status ('' if it did not run).
        meets_frontline_floor: some plan of this many bases keeps the frontline floor.
        contact_hours, need_hours: the service delivers, and needs.
        access_share, access_low, access_high, mean_minutes, worst_minutes: the families' side
            (:class:`FamiliesAccess`) of the plan.
        access_bound: the access stage's proven bound.
        frontline_posts: posts the frontline money buys; spare_posts: left after contact and driving.
        staff_hours_available, driving_hours, spare_staff_hours: in hours.
        site_ids: the bases; seconds: time spent; note: why there is no plan, when there is none.
        solved: the plan as an :class:`~siting.outreach.OutreachSolve` (not written out).
    """

    bases: int
    status: str
    contact_status: str = ""
    access_status: str = ""
    spare_status: str = ""
    meets_frontline_floor: bool = False
    contact_hours: float = math.nan
    need_hours: float = math.nan
    access_share: float = math.nan
    access_bound: float = math.nan
    access_low: float = math.nan
    access_high: float = math.nan
    mean_minutes: float = math.nan
    worst_minutes: float = math.nan
    frontline_posts: float = math.nan
    staff_hours_available: float = math.nan
    driving_hours: float = math.nan
    spare_staff_hours: float = math.nan
    spare_posts: float = math.nan
    site_ids: tuple[str, ...] = ()
    seconds: float = 0.0
    note: str = ""
    solved: OutreachSolve | None = field(default=None, repr=False, compare=False)

    @property
    def has_plan(self) -> bool:
        return bool(self.site_ids) and self.status not in _BAD


def frontier_point(case: Case, matrix: TravelMatrix, params: OutreachParams, bases: int, *,
                   access_minutes: float = DEFAULT_ACCESS_MINUTES, error_minutes: float = TRAVEL_ERROR_MINUTES,
                   rules: SiteRules | None = None, solver: str = "auto", options: SolveOptions | None = None,
                   start: Sequence[int] = ()) -> FrontierPoint:
    """The three stages for ``bases`` bases (module docstring)."""
    t0 = time.perf_counter()
    options = options or SolveOptions()
    problem = outreach_problem(case, matrix, params, bases=bases, rules=rules)
    spec = spec_of(problem)
    cheapest = cheapest_overhead_gbp(problem, bases)
    if cheapest > spec.overhead_allowance_gbp:
        note = ("fewer sites may be bases" if not math.isfinite(cheapest) else
                f"{bases} bases cost at least {cheapest:,.0f} GBP: more than the "
                f"{spec.overhead_allowance_gbp:,.0f} GBP "
                f"the {spec.frontline_floor:.0%} frontline floor allows")
        return FrontierPoint(bases, Status.INFEASIBLE.value, seconds=time.perf_counter() - t0, note=note)
    first, second, alloc2 = _contact_and_access(problem, bases, access_minutes=access_minutes, solver=solver,
                                                options=options, start=start)
    stages = {"contact_status": first.result.status.value}
    if not first.has_solution:
        return FrontierPoint(bases, first.result.status.value, contact_status=first.result.status.value,
                             seconds=time.perf_counter() - t0, note=first.result.message)
    floor = max(0.0, first.result.objective * (1 - POLISH_REL))
    stages["access_status"] = second.status.value
    plan_sel, plan_alloc = first.selected, first.allocation
    access_bound = math.nan
    if second.has_solution and alloc2 is not None:
        plan_sel, plan_alloc = second.selected, alloc2
        access_bound = second.bound
        spare_problem = with_spec(problem, objective="spare", access_minutes=float(access_minutes),
                                  min_weighted_hours=floor, min_access_share=max(0.0, second.objective - ACCESS_TOL))
        # the access stage's plan is feasible here and a strong start (CBC mishandles MIP starts on this stage)
        warm = None if "cbc" in solver else second.selected
        third, alloc3 = _stage(spare_problem, solver, replace(options, warm_start=warm))
        stages["spare_status"] = third.status.value
        if third.has_solution and alloc3 is not None:
            plan_sel, plan_alloc = third.selected, alloc3
    assert plan_alloc is not None
    ms = measure(problem, plan_sel, plan_alloc)
    fam = families_access(problem.weights, problem.cost, plan_sel, access_minutes=access_minutes,
                          error_minutes=error_minutes)
    status = next((s for s in stages.values() if s != Status.OPTIMAL.value), Status.OPTIMAL.value)
    hp = spec.productive_hours_per_post
    solved = replace(first, selected=tuple(plan_sel), allocation=plan_alloc, measures=ms)
    return FrontierPoint(
        bases, status, contact_status=stages["contact_status"], access_status=stages.get("access_status", ""),
        spare_status=stages.get("spare_status", ""), meets_frontline_floor=True, contact_hours=ms.contact_hours,
        need_hours=ms.need_hours, access_share=fam.share, access_bound=access_bound, access_low=fam.share_low,
        access_high=fam.share_high, mean_minutes=fam.mean_minutes, worst_minutes=fam.worst_minutes,
        frontline_posts=ms.budget_gbp["frontline_delivery"] / spec.cost_per_post_gbp,
        staff_hours_available=ms.staff_hours_available, driving_hours=ms.driving_hours,
        spare_staff_hours=ms.spare_staff_hours, spare_posts=ms.spare_staff_hours / hp,
        site_ids=tuple(case.sites.ids[j] for j in plan_sel), seconds=time.perf_counter() - t0, solved=solved,
    )


def _contact_and_access(problem: Problem, bases: int, *, access_minutes: float, solver: str,
                        options: SolveOptions, start: Sequence[int]) -> tuple[OutreachSolve, Result, Allocation | None]:
    """The first two stages: the most contact hours, then the best families' access keeping them.

    When the fractional-knapsack bound on the contact hours
    (:func:`~solvers.formulations.outreach.value_upper_bound`) can be kept together with the best
    access, the bound proves the first stage and its MIP is skipped (typically every count at
    which all need can be served); otherwise the first stage is solved and the second keeps its value.
    """
    t0 = time.perf_counter()
    spec = spec_of(problem)
    bound = value_upper_bound(problem) if spec.objective == "hours" else math.nan
    if math.isfinite(bound) and bound > 0:
        access_problem = with_spec(problem, objective="access", access_minutes=float(access_minutes),
                                   min_weighted_hours=bound * (1 - POLISH_REL))
        warm = greedy_start(access_problem, bases, start=start) if start else None
        second, alloc2 = _stage(access_problem, solver, replace(options, warm_start=warm))
        if second.status is Status.OPTIMAL and alloc2 is not None:
            ms = measure(problem, second.selected, alloc2)
            proven = second.with_(objective=ms.weighted_contact_hours, bound=bound,
                                  gap=relative_gap(ms.weighted_contact_hours, bound), wall_s=time.perf_counter() - t0,
                                  message="contact hours proven optimal by the fractional-knapsack bound")
            return OutreachSolve(problem, proven, second.selected, alloc2, ms), second, alloc2
    first = solve_outreach(problem, solver=solver, options=options, polish=False, start=start)
    if not first.has_solution:
        return first, first.result, None
    access_problem = with_spec(problem, objective="access", access_minutes=float(access_minutes),
                               min_weighted_hours=max(0.0, first.result.objective * (1 - POLISH_REL)))
    second, alloc2 = _stage(access_problem, solver, replace(options, warm_start=first.selected))
    return first, second, alloc2


def _stage(problem: Problem, solver: str, options: SolveOptions) -> tuple[Result, Allocation | None]:
    result = solve(problem, solver=solver, options=options)
    return attach_allocation(problem, result)


def frontier(case: Case, matrix: TravelMatrix, params: OutreachParams, *, counts: Iterable[int],
             access_minutes: float = DEFAULT_ACCESS_MINUTES, error_minutes: float = TRAVEL_ERROR_MINUTES,
             rules: SiteRules | None = None, solver: str = "auto", options: SolveOptions | None = None,
             progress: Callable[[Iterable[int]], Iterable[int]] | None = None) -> list[FrontierPoint]:
    """:func:`frontier_point` for each number of bases in ``counts`` (ascending: each warm-starts the next)."""
    points: list[FrontierPoint] = []
    previous: tuple[int, ...] = ()
    counts = sorted(set(counts))
    for p in (progress(counts) if progress else counts):
        pt = frontier_point(case, matrix, params, p, access_minutes=access_minutes, error_minutes=error_minutes,
                            rules=rules, solver=solver, options=options, start=previous)
        if pt.solved is not None:
            previous = pt.solved.selected
        points.append(pt)
    return points


FRONTIER_COLUMNS: tuple[str, ...] = (
    "bases", "status", "contact_status", "access_status", "spare_status", "has_plan", "meets_frontline_floor",
    "eligible",
    "dominated", "efficient", "contact_hours", "need_hours", "access_share", "access_bound", "access_low",
    "access_high", "mean_minutes", "worst_minutes", "frontline_posts", "staff_hours_available", "driving_hours",
    "spare_staff_hours", "spare_posts", "site_ids", "seconds", "note",
)


def frontier_frame(points: Sequence[FrontierPoint], *, min_spare_posts: float = 0.0) -> pd.DataFrame:
    """The frontier as a table (``frontier.csv``) with the ``eligible``, ``dominated`` and ``efficient`` columns."""
    rows = []
    for pt in points:
        row = {k: getattr(pt, k) for k in FRONTIER_COLUMNS if hasattr(pt, k)}
        row["site_ids"] = " ".join(pt.site_ids)
        row["has_plan"] = pt.has_plan
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=list(FRONTIER_COLUMNS))
    frame = mark_efficient(frame, min_spare_posts=min_spare_posts)
    return frame[list(FRONTIER_COLUMNS)]


def mark_efficient(frame: pd.DataFrame, *, min_spare_posts: float = 0.0) -> pd.DataFrame:
    """``frame`` with ``eligible``, ``dominated`` and ``efficient`` set (module docstring).

    Needs the columns ``bases``, ``has_plan`` (or ``status``), ``meets_frontline_floor``,
    ``contact_hours``, ``access_share`` and ``spare_posts``.
    """
    f = frame.copy()
    has = f["has_plan"].astype(bool) if "has_plan" in f else ~f["status"].isin(_BAD)
    ok = has & f["meets_frontline_floor"].astype(bool) & np.isfinite(f["contact_hours"].astype(float))
    top = float(f.loc[ok, "contact_hours"].max()) if ok.any() else math.nan
    eligible = ok & (f["contact_hours"] >= top * (1 - CONTACT_REL)) & (f["spare_posts"] >= min_spare_posts - 1e-9)
    acc = f["access_share"].to_numpy(dtype=float)
    spare = f["spare_posts"].to_numpy(dtype=float)
    el = eligible.to_numpy()
    dominated = np.zeros(len(f), dtype=bool)
    for k in np.flatnonzero(el):
        others = el.copy()
        others[k] = False
        better = others & (acc >= acc[k] - 1e-12) & (spare >= spare[k] - 1e-9) & (
            (acc > acc[k] + 1e-12) | (spare > spare[k] + 1e-9))
        dominated[k] = bool(better.any())
    f["eligible"] = el
    f["dominated"] = dominated
    f["efficient"] = el & ~dominated
    return f


def worst_case_gain(weights: np.ndarray, minutes: np.ndarray, better: Sequence[int], worse: Sequence[int], *,
                    access_minutes: float, error_minutes: float = TRAVEL_ERROR_MINUTES) -> float:
    r"""The families' access of ``better`` less that of ``worse`` if every travel time erred against ``better``.

    Each area-to-site time :math:`t_{ij}` may be wrong by up to :math:`e` either way, one error per
    pair (so a base both plans keep moves the same way for both). Per area, the least favourable
    outcome for ``better`` that some choice of errors allows:

    * lost to ``better`` and kept by ``worse`` if every site of ``better`` is beyond :math:`X - e`
      and a site of ``worse`` only is within :math:`X + e`;
    * otherwise equal, if both can be out (every site of either beyond :math:`X - e`) or both in
      (each has a site within :math:`X + e`);
    * otherwise gained.

    Returns the need-weighted share (of all need) of the gains less the losses: positive means
    ``better`` is better for families whatever errors of that size there are.
    """
    w = np.asarray(weights, dtype=np.float64)
    t = np.asarray(minutes, dtype=np.float64)
    total = float(w.sum())
    if total <= 0:
        return 0.0
    b, c = {int(j) for j in better}, {int(j) for j in worse}

    def nearest(sites: set[int]) -> np.ndarray:
        return t[:, sorted(sites)].min(axis=1) if sites else np.full(t.shape[0], np.inf)

    lo, hi = access_minutes - error_minutes, access_minutes + error_minutes
    t_b, t_c, t_c_only, t_any = nearest(b), nearest(c), nearest(c - b), nearest(b | c)
    lost = (t_b > lo) & (t_c_only <= hi)
    equal = (t_any > lo) | ((t_b <= hi) & (t_c <= hi))
    worst = np.where(lost, -1.0, np.where(equal, 0.0, 1.0))
    return float(w @ worst / total)


def frame_gains(weights: np.ndarray, minutes: np.ndarray, site_index: Sequence[str], frame: pd.DataFrame, *,
                access_minutes: float, error_minutes: float = TRAVEL_ERROR_MINUTES) -> dict[tuple[int, int], float]:
    """:func:`worst_case_gain` of every eligible count over every other, keyed ``(better, worse)``.

    ``frame`` is a frontier table (its ``site_ids`` column, space-separated ids of ``site_index``).
    """
    f = mark_efficient(frame)
    pos = {s: k for k, s in enumerate(site_index)}
    plans = {int(r["bases"]): [pos[s] for s in str(r["site_ids"]).split()] for _, r in f[f["eligible"]].iterrows()}
    return {(a, b): worst_case_gain(weights, minutes, plans[a], plans[b], access_minutes=access_minutes,
                                    error_minutes=error_minutes)
            for a in plans for b in plans if a != b}


@dataclass(frozen=True)
class Recommendation:
    """What :func:`recommend` concludes.

    Attributes:
        bases: the recommended number of bases (``None`` when none is eligible, or when the counts
            equally good for families also leave the same spare posts: then only the range stands).
        low, high: the smallest and largest of the counts equally good for families.
        equally_good: those counts.
        best_access_bases: the count with the best estimated families' access.
        sentence: the recommendation and its reason, in one sentence.
        rule: the rule, stated.
    """

    bases: int | None
    low: int | None
    high: int | None
    equally_good: tuple[int, ...]
    best_access_bases: int | None
    sentence: str
    rule: str

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None and self.low != self.high


SPARE_TOL_POSTS = 0.01
"""Spare posts closer than this are equal (the recommendation then stands as a range only)."""
RULE = ("among the counts that keep the frontline floor, serve all the need the staff can reach and leave at least "
        "{min_spare:g} spare posts, drop the dominated ones; a count is equally good for families when no other "
        "count has better access within {x:g} minutes even if every travel time erred by {error:g} minutes against "
        "it; of the counts equally good for families, recommend the one leaving the most spare posts")


def _counts(counts: Sequence[int]) -> str:
    c = sorted(counts)
    if c == list(range(c[0], c[-1] + 1)):
        return f"{c[0]} to {c[-1]}"
    return ", ".join(str(x) for x in c[:-1]) + f" or {c[-1]}"


def recommend(frame: pd.DataFrame, *, gains: Mapping[tuple[int, int], float] | None = None,
              access_minutes: float = DEFAULT_ACCESS_MINUTES, error_minutes: float = TRAVEL_ERROR_MINUTES,
              min_spare_posts: float = 0.0) -> Recommendation:
    """The recommended number of bases on a frontier table (module docstring; works on hand-made tables).

    ``frame`` needs ``bases``, ``meets_frontline_floor``, ``contact_hours``, ``access_share``,
    ``spare_posts`` and ``has_plan`` or ``status``. ``gains[(q, p)]`` is the worst-case access gain of
    count ``q`` over ``p`` (:func:`frame_gains`); without it the estimated difference is used (no
    error allowance).
    """
    rule = RULE.format(min_spare=min_spare_posts, x=access_minutes, error=error_minutes)
    f = mark_efficient(frame, min_spare_posts=min_spare_posts)
    eff = f[f["efficient"]].sort_values("bases")
    if eff.empty:
        why = "no number of bases keeps the frontline floor, serves all the need and leaves the spare posts required"
        return Recommendation(None, None, None, (), None, f"No recommendation: {why}.", rule)
    acc = {int(r["bases"]): float(r["access_share"]) for _, r in f[f["eligible"]].iterrows()}
    spare = {int(r["bases"]): float(r["spare_posts"]) for _, r in eff.iterrows()}

    def gain(q: int, p: int) -> float:
        if gains is not None and (q, p) in gains:
            return float(gains[(q, p)])
        return acc[q] - acc[p]

    best = max(spare, key=lambda q: (acc[q], -q))
    tied = tuple(q for q in sorted(spare) if not any(gain(r, q) > 1e-12 for r in acc if r != q))
    top = max(spare[q] for q in tied)
    picks = [q for q in tied if spare[q] >= top - SPARE_TOL_POSTS]
    pick = picks[0] if len(picks) == 1 else None
    lo, hi = min(tied), max(tied)
    limit = _limit(f)
    x = f"within {access_minutes:g} minutes of a base"
    if len(tied) == 1:
        sentence = (f"Recommend {tied[0]} bases: {100 * acc[tied[0]]:.1f}% of need {x} with "
                    f"{spare[tied[0]]:.1f} spare posts, and no other number of bases the service can afford gives "
                    f"families better access beyond the {error_minutes:g}-minute travel-time error{limit}.")
    elif pick is not None:
        sentence = (f"Recommend {pick} bases, one of {_counts(tied)} that are equally good for families within the "
                    f"{error_minutes:g}-minute travel-time error: it leaves the most spare posts ({spare[pick]:.1f}, "
                    f"against {', '.join(f'{spare[q]:.1f} at {q}' for q in tied if q != pick)}) with "
                    f"{100 * acc[pick]:.1f}% of need {x} (best estimate {100 * acc[best]:.1f}% at {best}){limit}.")
    else:
        sentence = (f"No single number: {_counts(tied)} bases are equally good for families within the "
                    f"{error_minutes:g}-minute travel-time error and leave the same spare posts "
                    f"({top:.1f}){limit}.")
    return Recommendation(pick, lo, hi, tied, best, sentence, rule)


def _limit(f: pd.DataFrame) -> str:
    """Why counts above the eligible ones are not (for the sentence)."""
    if not f["eligible"].any():
        return ""
    top_n = int(f.loc[f["eligible"], "bases"].max())
    beyond = f[f["bases"] > top_n].sort_values("bases")
    if beyond.empty:
        return ""
    first = beyond.iloc[0]
    top_c = float(f.loc[f["eligible"], "contact_hours"].max())
    if not bool(first["meets_frontline_floor"]):
        why = "break the frontline floor"
    elif float(first["contact_hours"]) < top_c * (1 - CONTACT_REL):
        why = "leave need unserved"
    else:
        why = "leave too few spare posts"
    return f"; {int(first['bases'])} or more bases {why}"


__all__ = [
    "DEFAULT_ACCESS_MINUTES",
    "FRONTIER_COLUMNS",
    "TRAVEL_ERROR_MINUTES",
    "FamiliesAccess",
    "FrontierPoint",
    "Recommendation",
    "families_access",
    "frame_gains",
    "frontier",
    "frontier_frame",
    "frontier_point",
    "mark_efficient",
    "recommend",
    "worst_case_gain",
]

r"""The outreach model, domain side: need in contact hours, costs per site, solving, and what a plan delivers.

The mathematics is in :mod:`solvers.formulations.outreach` (LaTeX there and in ``docs/outreach.md``);
this module turns a :class:`~siting.domain.Case` into that model and its answers into tables.

Parameters, need and costs: :mod:`siting.outreach_params` (re-exported here); tables:
:mod:`siting.outreach_tables` (re-exported here); the frontier over base counts and its
recommendation: :mod:`siting.outreach_frontier`.

**Choosing the number of bases.** :func:`curve` solves the model for every number of bases in a
range; the best number delivers the most need-weighted contact hours with the frontline floor met.
Numbers tied at the top (within :data:`TIE_REL`; typically a plateau where all need is served) get
a second stage (:func:`tie_break`): among the plans with the most contact hours, the one that
leaves the most staff hours spare (least driving and overhead); the tie goes to the most spare
hours, then to the fewest bases. A single solve (:func:`solve_outreach`) runs both stages.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from siting.domain import Budget, Case, TravelMatrix
from siting.errors import InputError
from siting.outreach_params import (
    DEFAULT_FRONTLINE_FLOOR,
    DEFAULT_MAX_DRIVE_MINUTES,
    DEFAULT_SESSION_MINUTES,
    DEFAULT_TARGETED_HOURS_PER_CHILD,
    DEFAULT_UNIVERSAL_HOURS_PER_CHILD,
    POLISH_REL,
    SOURCE,
    TIE_REL,
    Costs,
    OutreachParams,
    case_calibration,
    hour_weights,
    make_spec,
    need_hours,
    outreach_problem,
    plan_problem,
    planned_budget,
    resolve_costs,
    with_spec,
)
from siting.outreach_tables import OutreachTables, budget_dict, site_differences, tables
from siting.problems import SiteRules
from solvers import Problem, Result, SolveOptions, Status, solve
from solvers.check import evaluate
from solvers.formulations.outreach import (
    OBJECTIVES,
    Allocation,
    OutreachMeasures,
    allocate_for_bases,
    budget_shortfall_gbp,
    cheapest_overhead_gbp,
    greedy_start,
    measure,
    spare_upper_bound,
    spec_of,
)
from solvers.outreach_check import verify_allocation
from solvers.result import relative_gap

# --- solving ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachSolve:
    """One solve of the outreach model.

    Attributes:
        problem: the problem solved (first stage: contact hours).
        result: the first stage's result (its status, objective, bound and gap are the answer's);
            ``details["allocation"]`` holds its verified allocation.
        selected: the bases of the plan reported (the second stage's when it ran).
        allocation: that plan's verified allocation (``None`` without a solution).
        measures: what that plan delivers.
        tie_break: the second stage's result (most spare staff hours among the best plans), if run.
        shortfall_gbp: for an infeasible budget, how much more money a year would make it feasible
            (``None`` when money cannot help or the model is feasible).
    """

    problem: Problem
    result: Result
    selected: tuple[int, ...] = ()
    allocation: Allocation | None = None
    measures: OutreachMeasures | None = None
    tie_break: Result | None = None
    shortfall_gbp: float | None = None

    @property
    def has_solution(self) -> bool:
        return self.result.has_solution and self.allocation is not None


def attach_allocation(problem: Problem, result: Result) -> tuple[Result, Allocation | None]:
    """``result`` with the optimal allocation of its bases verified and in ``details["allocation"]``.

    Backends report the bases; for fixed bases the best allocation is an LP
    (:func:`~solvers.formulations.outreach.allocate_for_bases`), checked independently by
    :func:`solvers.outreach_check.verify_allocation`. A time-limited incumbent whose own allocation was
    worse than the best for its bases is reported with the better allocation (its objective rises,
    the bound is unchanged).
    """
    if not result.selected:
        return result, None
    fa = allocate_for_bases(problem, result.selected)
    if fa.allocation is None:
        if result.has_solution:
            return result.with_(status=Status.ERROR, verified=False,
                                message=f"no allocation for the solver's bases: {fa.reason}"), None
        return result, None
    if result.status is Status.ERROR and result.message.startswith("independent check: objective"):
        # an incumbent whose allocation was not the best for its bases: re-checked with the best one
        ev = evaluate(problem, result.selected)
        bound_ok = math.isnan(result.bound) or ev.objective <= result.bound * (1 + 1e-6) + 1e-6
        if ev.feasible and bound_ok and math.isclose(ev.objective, fa.objective, rel_tol=1e-6):
            result = result.with_(status=Status.FEASIBLE, objective=fa.objective, verified=True,
                                  gap=relative_gap(fa.objective, result.bound),
                                  message="incumbent's allocation re-optimised for its bases")
    if not result.has_solution:
        return result, None
    result = result.with_(objective=fa.objective) if math.isclose(fa.objective, result.objective, rel_tol=1e-6,
                                                                   abs_tol=1e-6) else result
    checked = verify_allocation(problem, result, fa.allocation)
    return checked, fa.allocation if checked.has_solution else None


def solve_outreach(problem: Problem, *, solver: str = "auto", options: SolveOptions | None = None,
                   polish: bool = True, start: Sequence[int] | None = None) -> OutreachSolve:
    """Solve ``problem`` (from :func:`outreach_problem`), then break ties by spare staff hours.

    ``start`` (site indices) seeds the warm start, fitted to the problem's number of bases by
    :func:`~solvers.formulations.outreach.greedy_start`. An infeasible model gets the budget
    shortfall (:func:`~solvers.formulations.outreach.budget_shortfall_gbp`) in its message.
    """
    options = options or SolveOptions()
    spec_of(problem)  # the outreach data are there and fit the problem (ProblemError if not)
    count = problem.p if problem.p is not None else max(1, len(problem.must_open))
    if options.warm_start is None:
        options = replace(options, warm_start=greedy_start(problem, count, start=start or ()))
    try:
        first = solve(problem, solver=solver, options=options)
    except ValueError as exc:
        raise InputError(str(exc), source="--solver") from None
    first, allocation = attach_allocation(problem, first)
    if first.status is Status.INFEASIBLE:
        shortfall = budget_shortfall_gbp(problem)
        return OutreachSolve(problem, first.with_(message=_infeasible_message(problem, first.message, shortfall)),
                             shortfall_gbp=shortfall if shortfall and shortfall > 0 else None)
    if not first.has_solution or allocation is None:
        return OutreachSolve(problem, first)
    out = OutreachSolve(problem, first, first.selected, allocation, measure(problem, first.selected, allocation))
    return tie_break(out, solver=solver, options=options) if polish else out


def tie_break(out: OutreachSolve, *, solver: str = "auto", options: SolveOptions | None = None) -> OutreachSolve:
    r"""The second stage: among the plans with ``out``'s contact hours, the one leaving the most staff hours spare.

    Maximises :math:`\kappa f(y) - \sum a_{ij} x_{ij}` subject to the need-weighted contact hours
    of the first stage (to within :data:`POLISH_REL`), with the same number of bases and rules.
    Only for the ``hours`` objective; ``out`` unchanged otherwise or if the stage finds nothing.
    """
    spec = spec_of(out.problem)
    if spec.objective != "hours" or not out.has_solution or out.tie_break is not None:
        return out
    options = options or SolveOptions()
    second_problem = with_spec(out.problem, objective="spare",
                               min_weighted_hours=max(0.0, out.result.objective * (1 - POLISH_REL)))
    # cold: a warm start does not speed this stage up, and CBC mishandles a MIP start on a
    # maximisation whose objective is negative (it declares the start optimal)
    second = solve(second_problem, solver=solver, options=replace(options, warm_start=None))
    second, alloc2 = attach_allocation(second_problem, second)
    if not second.has_solution or alloc2 is None:
        return replace(out, tie_break=second)
    return replace(out, selected=second.selected, allocation=alloc2,
                   measures=measure(out.problem, second.selected, alloc2), tie_break=second)


def _infeasible_message(problem: Problem, reason: str, shortfall: float | None) -> str:
    spec = spec_of(problem)
    if shortfall is not None and shortfall > 0:
        return (f"the budget of {spec.budget_gbp:,.0f} GBP cannot pay for the required bases and reach: it falls short "
                f"by {shortfall:,.0f} GBP a year (with {spec.frontline_floor:.0%} of the budget on frontline staff, "
                f"after the family support fund, contingency and central costs); {reason}")
    if shortfall is None:
        return f"{reason} (more money would not help: the site rules or the reach floors cannot be met)"
    return reason


# --- measuring plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanEvaluation:
    """A given set of bases measured under the model.

    Attributes:
        name: the plan's name.
        site_ids: its bases.
        problem: the measuring problem (:func:`plan_problem`).
        allocation, measures: its best allocation and what it delivers (``None`` if it cannot run:
            its bases cost more than the budget leaves).
        meets_model: it satisfies the model's floors (frontline, rural, district) as well.
        reason: why not ('' if it does).
        shortfall_gbp: extra money a year its budget needs to keep the frontline floor (0 if none).
    """

    name: str
    site_ids: tuple[str, ...]
    selected: tuple[int, ...]
    problem: Problem
    allocation: Allocation | None
    measures: OutreachMeasures | None
    meets_model: bool
    reason: str = ""
    shortfall_gbp: float = 0.0


def evaluate_plan(case: Case, matrix: TravelMatrix, params: OutreachParams, site_ids: Sequence[str], *,
                  name: str = "plan", budget: Budget | None = None) -> PlanEvaluation:
    """Measure the bases ``site_ids`` under the model (their best allocation), checked independently.

    With the model's floors if the plan meets them, else without (``meets_model`` False and the
    reason). ``budget`` replaces the planned budget (for the old 53-centre model on its own budget).
    """
    try:
        selected = case.sites.index_of(list(site_ids))
    except KeyError as exc:
        raise InputError(f"unknown site id {exc.args[0]!r}", source=f"plan {name}") from None
    problem = plan_problem(case, matrix, params, budget=budget)
    spec = spec_of(problem)
    overhead = float(spec.base_cost_gbp[selected].sum())
    frontline = spec.frontline_without_bases_gbp - overhead
    shortfall = max(0.0, (spec.frontline_floor * spec.budget_gbp - frontline) / (1 - spec.frontline_floor)) \
        if spec.frontline_floor < 1 else 0.0
    fa = allocate_for_bases(problem, selected)
    meets, reason = fa.allocation is not None, fa.reason
    if fa.allocation is None:
        problem = plan_problem(case, matrix, params, budget=budget, model_floors=False)
        fa = allocate_for_bases(problem, selected)
    if fa.allocation is None:
        return PlanEvaluation(name, tuple(site_ids), tuple(sorted(selected)), problem, None, None, False,
                              fa.reason or reason, shortfall)
    check = evaluate(problem, selected)
    if not check.feasible or not math.isclose(check.objective, fa.objective, rel_tol=1e-6, abs_tol=1e-6):
        raise RuntimeError(f"independent check disagrees on plan {name}: {check.reason or check.objective}")
    return PlanEvaluation(name, tuple(site_ids), tuple(sorted(selected)), problem, fa.allocation,
                          measure(problem, selected, fa.allocation), meets, reason, shortfall)


# --- the curve over the number of bases ------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    """The best plan with a given number of bases.

    Attributes:
        bases: number of bases.
        status: the solve's status (for the frontline-floor model, or the relaxed one if that failed).
        meets_frontline_floor: the plan keeps the frontline floor (else it is the best plan without it).
        objective: need-weighted contact hours (the model's objective), NaN without a plan.
        contact_hours, need_served_share, frontline_share, staff_hours_available, driving_hours, spare_staff_hours:
            what the plan found delivers.
        site_ids: its bases.
        seconds: time spent on this number of bases.
        note: why the frontline floor fails, when it does.
        tie_broken: the plan is the second stage's (most spare staff hours among the best).
        solved: the solve behind the point (not written out).
    """

    bases: int
    status: str
    meets_frontline_floor: bool
    objective: float = math.nan
    bound: float = math.nan
    contact_hours: float = math.nan
    need_served_share: float = math.nan
    frontline_share: float = math.nan
    staff_hours_available: float = math.nan
    driving_hours: float = math.nan
    spare_staff_hours: float = math.nan
    site_ids: tuple[str, ...] = ()
    seconds: float = 0.0
    note: str = ""
    tie_broken: bool = False
    solved: OutreachSolve | None = field(default=None, repr=False, compare=False)


def curve(case: Case, matrix: TravelMatrix, params: OutreachParams, *, counts: Iterable[int],
          rules: SiteRules | None = None, solver: str = "auto", options: SolveOptions | None = None,
          progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
          start: Sequence[int] | None = None) -> list[CurvePoint]:
    """The best plan for each number of bases in ``counts`` (ascending is fastest: warm starts chain).

    Where the frontline floor cannot be kept with that many bases, the point is the best plan
    without the floor, marked ``meets_frontline_floor=False`` (so the curve shows the whole
    trade-off). No tie-break stage here: the spare hours are those of the plan found.
    """
    options = options or SolveOptions()
    relaxed = replace(params, frontline_floor=0.0)
    points = []
    previous: tuple[int, ...] = tuple(start or ())
    counts = list(counts)
    for p in (progress(counts) if progress else counts):
        t0 = time.perf_counter()
        problem = outreach_problem(case, matrix, params, bases=p, rules=rules)
        spec = spec_of(problem)
        note = ""
        if cheapest_overhead_gbp(problem, p) > spec.overhead_allowance_gbp:
            out: OutreachSolve | None = None
            note = (f"{p} bases cost at least {cheapest_overhead_gbp(problem, p):,.0f} GBP: more than the "
                    f"{spec.overhead_allowance_gbp:,.0f} GBP the {spec.frontline_floor:.0%} frontline floor allows")
        else:
            out = solve_outreach(problem, solver=solver, options=options, polish=False, start=previous)
            if out.result.status is Status.INFEASIBLE:
                note, out = out.result.message, None
        meets = out is not None
        if out is None:
            problem = outreach_problem(case, matrix, relaxed, bases=p, rules=rules)
            out = solve_outreach(problem, solver=solver, options=options, polish=False, start=previous)
        point = CurvePoint(p, out.result.status.value, meets and out.has_solution, seconds=time.perf_counter() - t0,
                           note=note if not meets else "")
        if out.has_solution and out.measures is not None:
            previous = out.selected
            point = _with_solve(case, point, out)
        elif not note:
            point = replace(point, note=out.result.message)
        points.append(point)
    return points


def _with_solve(case: Case, point: CurvePoint, out: OutreachSolve) -> CurvePoint:
    ms = out.measures
    assert ms is not None
    return replace(point, objective=out.result.objective, bound=out.result.bound,
                   contact_hours=ms.contact_hours, need_served_share=ms.contact_hours / ms.need_hours,
                   frontline_share=ms.frontline_share, staff_hours_available=ms.staff_hours_available,
                   driving_hours=ms.driving_hours, spare_staff_hours=ms.spare_staff_hours,
                   site_ids=tuple(case.sites.ids[j] for j in out.selected),
                   tie_broken=out.tie_break is not None and out.tie_break.has_solution, solved=out)


def tied_points(points: Sequence[CurvePoint]) -> list[CurvePoint]:
    """The points that keep the frontline floor with the most contact hours (within :data:`TIE_REL`)."""
    ok = [pt for pt in points if pt.meets_frontline_floor and math.isfinite(pt.objective)]
    if not ok:
        return []
    top = max(pt.objective for pt in ok)
    return [pt for pt in ok if pt.objective >= top - TIE_REL * max(1.0, abs(top))]


def break_ties(case: Case, points: Sequence[CurvePoint], *, solver: str = "auto",
               options: SolveOptions | None = None,
               progress: Callable[[Iterable[int]], Iterable[int]] | None = None) -> list[CurvePoint]:
    """``points`` with the tied best ones (:func:`tied_points`) replaced by their second-stage plans.

    A tied point whose spare hours cannot beat the best found so far (by
    :func:`~solvers.formulations.outreach.spare_upper_bound`) is skipped: it keeps its first-stage
    plan (``tie_broken`` False) and cannot be the best. Points are taken in decreasing order of
    their first-stage spare hours, so a strong best is found early.
    """
    tied = {pt.bases for pt in tied_points(points) if pt.solved is not None and not pt.tie_broken}
    out = list(points)
    todo = sorted((k for k, pt in enumerate(out) if pt.bases in tied),
                  key=lambda k: (-out[k].spare_staff_hours, out[k].bases))
    best = max((pt.spare_staff_hours for pt in out if pt.tie_broken), default=-math.inf)
    for k in (progress(todo) if progress else todo):
        pt = out[k]
        assert pt.solved is not None
        target = max(0.0, pt.solved.result.objective * (1 - POLISH_REL))
        if spare_upper_bound(pt.solved.problem, target) < best - 1.0:
            continue
        t0 = time.perf_counter()
        polished = tie_break(pt.solved, solver=solver, options=options)
        out[k] = replace(_with_solve(case, pt, polished), seconds=pt.seconds + time.perf_counter() - t0)
        best = max(best, out[k].spare_staff_hours)
    return out


def best_point(points: Sequence[CurvePoint]) -> CurvePoint | None:
    """The number of bases with the most contact hours keeping the frontline floor.

    Ties (:func:`tied_points`) go to the most spare staff hours (to the hour; exact after
    :func:`break_ties`), then to the fewest bases.
    """
    tied = tied_points(points)
    if not tied:
        return None
    return max(tied, key=lambda pt: (round(pt.spare_staff_hours) if math.isfinite(pt.spare_staff_hours) else -math.inf,
                                     -pt.bases))


def curve_frame(points: Sequence[CurvePoint]) -> pd.DataFrame:
    """The curve as a table (``curve.csv``)."""
    rows = []
    for pt in points:
        rows.append({
            "bases": pt.bases, "status": pt.status, "meets_frontline_floor": pt.meets_frontline_floor,
            "objective": pt.objective, "bound": pt.bound, "contact_hours": pt.contact_hours,
            "need_served_share": pt.need_served_share, "frontline_share": pt.frontline_share,
            "staff_hours_available": pt.staff_hours_available, "driving_hours": pt.driving_hours,
            "spare_staff_hours": pt.spare_staff_hours, "tie_broken": pt.tie_broken, "site_ids": " ".join(pt.site_ids),
            "seconds": pt.seconds, "note": pt.note,
        })
    return pd.DataFrame(rows)


__all__ = [
    "DEFAULT_FRONTLINE_FLOOR",
    "DEFAULT_MAX_DRIVE_MINUTES",
    "DEFAULT_SESSION_MINUTES",
    "DEFAULT_TARGETED_HOURS_PER_CHILD",
    "DEFAULT_UNIVERSAL_HOURS_PER_CHILD",
    "OBJECTIVES",
    "POLISH_REL",
    "SOURCE",
    "TIE_REL",
    "Costs",
    "CurvePoint",
    "OutreachParams",
    "OutreachSolve",
    "OutreachTables",
    "PlanEvaluation",
    "attach_allocation",
    "best_point",
    "break_ties",
    "budget_dict",
    "case_calibration",
    "curve",
    "curve_frame",
    "evaluate_plan",
    "hour_weights",
    "make_spec",
    "need_hours",
    "outreach_problem",
    "plan_problem",
    "planned_budget",
    "resolve_costs",
    "site_differences",
    "solve_outreach",
    "tables",
    "tie_break",
    "tied_points",
    "with_spec",
]

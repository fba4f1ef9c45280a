"""``siting solve CASE --model outreach``: the frontline-versus-overhead model, from request to outcome.

Registered as :data:`scenarios.solve.MODEL_RUNNERS` ``["outreach"]``. Model parameters come from
``SolveRequest.params`` (names of :class:`siting.outreach.OutreachParams`: ``frontline_floor``,
``rural_floor``, ``district_floor``, ``session_minutes``, ``max_drive_minutes``, ``budget_gbp``, ...).

* ``bases`` a number: the best plan with exactly that many bases, and the marginal value of one
  base more and one fewer.
* ``bases`` ``auto`` (or ``None``): the efficient frontier between the service's side (spare
  frontline posts) and the families' side (need within ``minutes`` of a base) over the number of
  bases (5 to 30, widened while the recommendation lies at an end), the recommendation and its
  reason in one sentence (:mod:`siting.outreach_frontier`), its plan, ``frontier.csv`` and
  ``frontier.png``. With ``params["robustness"]`` (``--robustness N``): the tornado, the site
  frequencies over ``N`` sampled parameter sets and both overhead calibrations
  (:mod:`scenarios.outreach_robust`).

Both compare the plan with the plan in hand and, when the case has an old budget for all its
sites, with the old model (Norfolk: the 53 centres on £10.23m), and list what each site kept by
one plan but not the other costs or gains.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

import siting
from scenarios.output import jsonable
from scenarios.outreach_robust import RobustnessResult, RobustnessSettings, robustness
from scenarios.outreach_text import format_outreach_text
from scenarios.solve import MODEL_RUNNERS, Outcome, SolveRequest, add_equity, equity_and_rules_text, rules_brief
from siting.budget import FRONTLINE, check_positive
from siting.coverage import CoverageSummary, evaluate
from siting.domain import Case, Plan, TravelMatrix
from siting.errors import InputError
from siting.outreach import (
    CurvePoint,
    OutreachParams,
    OutreachSolve,
    OutreachTables,
    PlanEvaluation,
    budget_dict,
    case_calibration,
    curve,
    evaluate_plan,
    outreach_problem,
    site_differences,
    solve_outreach,
    tables,
)
from siting.outreach_frontier import (
    TRAVEL_ERROR_MINUTES,
    FrontierPoint,
    Recommendation,
    families_access,
    frame_gains,
    frontier,
    frontier_frame,
    frontier_point,
    recommend,
)
from siting.problems import count_range
from siting.validation import bases_count
from solvers import Status
from solvers.formulations.outreach import OutreachMeasures, OutreachSpec, spec_of
from solvers.registry import names as solver_names

AUTO_FIRST = 5
AUTO_LAST = 30
"""The range of numbers of bases the ``auto`` curve covers at least (clipped to the sites that can be bases)."""
SOURCE = "--model outreach"


RUN_KEYS = ("robustness", "travel_error_minutes", "min_spare_posts")
"""Keys of ``SolveRequest.params`` that set up the run rather than the model."""


def outreach_params(request: SolveRequest) -> OutreachParams:
    """The model parameters of ``request`` (checked; an :class:`InputError` names a bad one)."""
    return OutreachParams.from_mapping({k: v for k, v in request.params.items() if k not in RUN_KEYS}, source=SOURCE)


@dataclass(frozen=True)
class RunSettings:
    """How ``--bases auto`` chooses and checks its recommendation (from ``SolveRequest.params``)."""

    travel_error_minutes: float = TRAVEL_ERROR_MINUTES
    min_spare_posts: float = 0.0
    robustness: RobustnessSettings | None = None


def run_settings(request: SolveRequest) -> RunSettings:
    """The run settings of ``request`` (checked)."""
    p = request.params
    try:
        error = check_positive(p.get("travel_error_minutes", TRAVEL_ERROR_MINUTES), "travel_error_minutes",  # type: ignore[arg-type]
                               allow_zero=True)
        spare = check_positive(p.get("min_spare_posts", 0.0), "min_spare_posts", allow_zero=True)  # type: ignore[arg-type]
    except (InputError, TypeError, ValueError) as exc:
        raise InputError(str(exc.detail if isinstance(exc, InputError) else exc), source=SOURCE,
                         field=exc.field if isinstance(exc, InputError) else "min_spare_posts") from None
    robust = p.get("robustness")
    settings = None if robust is None else RobustnessSettings.from_mapping(robust, source=SOURCE)
    if settings is not None and request.bases not in ("auto", None):
        raise InputError("the robustness analysis is of the recommended number of bases: use --bases auto",
                         source="--robustness")
    return RunSettings(error, spare, settings)


def _progress(counts: Iterable[int]) -> Iterable[int]:
    return tqdm(list(counts), desc="outreach: frontier over numbers of bases", unit="count", file=sys.stderr,
                leave=False)


def run_outreach(case: Case, matrix: TravelMatrix, request: SolveRequest) -> Outcome:
    """Solve the outreach model for ``request`` (see the module docstring)."""
    t0 = time.perf_counter()
    params = outreach_params(request)
    if request.solver != "auto" and request.solver not in solver_names():
        raise InputError(f"unknown solver {request.solver!r}; choose from: auto, {', '.join(solver_names())}",
                         source="--solver")
    if request.minutes is None or not request.minutes > 0:
        raise InputError(f"the travel-time limit must be positive, got {request.minutes}", source="--minutes")
    settings = run_settings(request)
    plan = _plan(case, request)
    bases_arg: object = request.bases
    points: list[CurvePoint] = []
    auto: AutoChoice | None = None
    if bases_arg in ("auto", None):
        auto = _auto_frontier(case, matrix, params, request, settings)
        chosen = auto.chosen
        if chosen is not None and chosen.solved is not None:
            sol = chosen.solved
        else:  # nothing keeps the frontline floor: the least that does not (with the shortfall)
            problem = outreach_problem(case, matrix, params, bases=None, exact=False, rules=request.rules)
            sol = solve_outreach(problem, solver=request.solver, options=request.options)
    else:
        p = bases_count(int(bases_arg), case.sites)  # type: ignore[call-overload]
        problem = outreach_problem(case, matrix, params, bases=p, rules=request.rules)
        sol = solve_outreach(problem, solver=request.solver, options=request.options)
    marginal = _frontier_marginal(auto) if auto is not None else _marginal(case, matrix, params, request, sol, points)
    plan_eval = evaluate_plan(case, matrix, params, plan.site_ids, name=plan.name) if plan else None
    old = _old_model(case, matrix, params)
    if auto is not None and settings.robustness is not None and auto.chosen is not None:
        auto = replace(auto, robust=_robustness(case, matrix, params, request, settings, auto))
    elapsed = time.perf_counter() - t0
    return _outcome(case, matrix, request, params, settings, sol, auto, marginal, plan, plan_eval, old, elapsed)


@dataclass(frozen=True)
class AutoChoice:
    """``--bases auto``: the frontier, its table, the recommendation and the chosen point."""

    points: list[FrontierPoint]
    frame: pd.DataFrame
    recommendation: Recommendation
    chosen: FrontierPoint | None
    counts: tuple[int, ...]
    gains: dict[tuple[int, int], float]
    robust: RobustnessResult | None = None


def _auto_frontier(case: Case, matrix: TravelMatrix, params: OutreachParams, request: SolveRequest,
                   settings: RunSettings) -> AutoChoice:
    """The frontier over :data:`AUTO_FIRST`..:data:`AUTO_LAST`, widened while the recommendation lies at an end."""
    fewest, able = count_range(case, request.rules)
    first = max(1, min(AUTO_FIRST, able), fewest)
    last = max(first, min(AUTO_LAST, able))
    kw = {"access_minutes": request.minutes, "error_minutes": settings.travel_error_minutes, "rules": request.rules,
          "solver": request.solver, "options": request.options}
    points = frontier(case, matrix, params, counts=range(first, last + 1), progress=_progress, **kw)  # type: ignore[arg-type]
    while True:
        frame = frontier_frame(points, min_spare_posts=settings.min_spare_posts)
        gains = frame_gains(case.demand.weight, matrix.minutes, case.sites.ids, frame, access_minutes=request.minutes,
                            error_minutes=settings.travel_error_minutes)
        rec = recommend(frame, gains=gains, access_minutes=request.minutes,
                        error_minutes=settings.travel_error_minutes, min_spare_posts=settings.min_spare_posts)
        low, high = points[0].bases, points[-1].bases
        # nothing eligible yet, or the range at the lower end: one base fewer
        if (rec.low is None or rec.low == low) and low > max(1, fewest):
            points = frontier(case, matrix, params, counts=[low - 1], **kw) + points  # type: ignore[arg-type]
            continue
        if rec.high is not None and rec.high == high and high < able:
            start = points[-1].solved.selected if points[-1].solved is not None else ()
            points = [*points, frontier_point(case, matrix, params, high + 1, start=start, **kw)]  # type: ignore[arg-type]
            continue
        # no single recommendation (a range equal on both sides): the plan shown is the range's fewest bases, and
        # the summary says so
        shown = rec.bases if rec.bases is not None else rec.low
        chosen = next((pt for pt in points if pt.bases == shown), None)
        counts = tuple(pt.bases for pt in points)
        return AutoChoice(points, frame, rec, chosen, counts, gains)


def robust_counts(frame: pd.DataFrame) -> tuple[int, ...]:
    """The counts each robustness frontier covers: from one below the smallest eligible count of ``frame`` up.

    Counts below serve less need than the eligible ones here (or are dominated); a tornado row whose
    range reaches the smallest count computed says so (``tornado.csv`` column ``note``).
    """
    eligible = frame.loc[frame["eligible"].astype(bool), "bases"]
    low = int(eligible.min()) - 1 if len(eligible) else int(frame["bases"].min())
    return tuple(int(b) for b in frame["bases"] if int(b) >= max(1, low))


def _frontier_marginal(auto: AutoChoice) -> dict[str, object]:
    """One base more and one fewer than the recommendation, from the frontier: what each side gains or loses."""
    by = {pt.bases: pt for pt in auto.points}
    here = auto.chosen
    out: dict[str, object] = {}
    if here is None:
        return out
    for key, q in (("one_fewer", here.bases - 1), ("one_more", here.bases + 1)):
        pt = by.get(q)
        if pt is None or not pt.has_plan:
            out[key] = None if pt is None else {"bases": q, "status": pt.status, "note": pt.note}
            continue
        out[key] = {
            "bases": q, "status": pt.status, "meets_frontline_floor": pt.meets_frontline_floor,
            "contact_hours": pt.contact_hours, "delta_contact_hours": pt.contact_hours - here.contact_hours,
            "access_share": pt.access_share, "delta_access_share": pt.access_share - here.access_share,
            "delta_mean_minutes": pt.mean_minutes - here.mean_minutes,
            "spare_posts": pt.spare_posts, "delta_spare_posts": pt.spare_posts - here.spare_posts,
            "delta_frontline_posts": pt.frontline_posts - here.frontline_posts, "bases_kept": list(pt.site_ids),
        }
    return out


def _robustness(case: Case, matrix: TravelMatrix, params: OutreachParams, request: SolveRequest,
                settings: RunSettings, auto: AutoChoice) -> RobustnessResult:
    assert settings.robustness is not None and auto.chosen is not None
    return robustness(case, matrix, params, auto.frame, baseline_gains=auto.gains, recommendation=auto.recommendation,
                      recommended_sites=auto.chosen.site_ids, counts=robust_counts(auto.frame),
                      access_minutes=request.minutes,
                      error_minutes=settings.travel_error_minutes, min_spare_posts=settings.min_spare_posts,
                      rules=request.rules, solver=request.solver, options=request.options,
                      settings=settings.robustness)


def _plan(case: Case, request: SolveRequest) -> Plan | None:
    if request.plan is None:
        return case.plan_in_hand
    if request.plan not in case.plans:
        raise InputError(f"unknown plan {request.plan!r}; plans: {', '.join(case.plans)}", source="--plan")
    return case.plans[request.plan]


def _marginal(case: Case, matrix: TravelMatrix, params: OutreachParams, request: SolveRequest, sol: OutreachSolve,
              points: Sequence[CurvePoint]) -> dict[str, object]:
    """One base more and one fewer than the plan's: their best contact hours and frontline share."""
    if not sol.has_solution or sol.measures is None:
        return {}
    p = len(sol.selected)
    fewest, able = count_range(case, request.rules)
    by_count = {pt.bases: pt for pt in points}
    wanted = [q for q in (p - 1, p + 1) if max(1, fewest) <= q <= able and q not in by_count]
    if wanted:
        more = curve(case, matrix, params, counts=wanted, rules=request.rules, solver=request.solver,
                     options=request.options, start=sol.selected)
        by_count.update({pt.bases: pt for pt in more})
    ms = sol.measures
    out: dict[str, object] = {}
    for key, q in (("one_fewer", p - 1), ("one_more", p + 1)):
        pt = by_count.get(q)
        if pt is None:
            out[key] = None
            continue
        out[key] = {
            "bases": q, "status": pt.status, "meets_frontline_floor": pt.meets_frontline_floor,
            "contact_hours": pt.contact_hours, "delta_contact_hours": pt.contact_hours - ms.contact_hours,
            "objective": pt.objective, "delta_objective": pt.objective - sol.result.objective,
            "frontline_share": pt.frontline_share, "delta_frontline_share": pt.frontline_share - ms.frontline_share,
            "staff_hours_available": pt.staff_hours_available,
            "delta_staff_hours_available": pt.staff_hours_available - ms.staff_hours_available,
            "bases_kept": list(pt.site_ids), "note": pt.note,
        }
    return out


def _old_model(case: Case, matrix: TravelMatrix, params: OutreachParams) -> dict[str, object] | None:
    """The case's first budget with all its sites (Norfolk: the 53 centres on £10.23m), under the model."""
    budgets = list(case.budgets.values())
    if len(budgets) < 2 or budgets[0].number_of_bases != len(case.sites):
        return None
    old = budgets[0]
    ev = evaluate_plan(case, matrix, params, case.sites.ids, name=old.name, budget=old)
    at_planned = evaluate_plan(case, matrix, params, case.sites.ids, name=f"{old.name} at the planned budget")
    spec = spec_of(at_planned.problem)
    overhead = float(spec.base_cost_gbp.sum())
    frontline = spec.frontline_without_bases_gbp - overhead
    return {
        "name": old.name, "bases": len(case.sites), "budget_gbp": old.total_gbp,
        "published_frontline_share": old.share(FRONTLINE),
        **_plan_figures(ev),
        "at_planned_budget": {
            "budget_gbp": spec.budget_gbp, "frontline_gbp": frontline, "frontline_share": frontline / spec.budget_gbp,
            "shortfall_gbp": ev_shortfall(spec.budget_gbp, frontline, params.frontline_floor),
        },
    }


def ev_shortfall(budget_gbp: float, frontline_gbp: float, floor: float) -> float:
    """Extra money a year (spent on frontline) for ``frontline_gbp`` of ``budget_gbp`` to reach the floor share."""
    if floor >= 1:
        return math.inf if frontline_gbp < budget_gbp else 0.0
    return max(0.0, (floor * budget_gbp - frontline_gbp) / (1 - floor))


def _plan_figures(ev: PlanEvaluation) -> dict[str, object]:
    out: dict[str, object] = {"meets_model": ev.meets_model, "reason": ev.reason,
                              "frontline_shortfall_gbp": ev.shortfall_gbp}
    if ev.measures is None:
        return out
    ms = ev.measures
    out.update({
        "contact_hours": ms.contact_hours, "weighted_contact_hours": ms.weighted_contact_hours,
        "need_hours": ms.need_hours,
        "need_served_share": ms.contact_hours / ms.need_hours if ms.need_hours else math.nan,
        "driving_hours": ms.driving_hours, "staff_hours_available": ms.staff_hours_available,
        "staff_hours_used": ms.staff_hours_used, "spare_staff_hours": ms.spare_staff_hours,
        "frontline_share": ms.frontline_share, "budget": budget_dict(ms),
    })
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _coverage_figures(cov: CoverageSummary) -> dict[str, object]:
    d = cov.as_dict()
    return {k: d[k] for k in ("need_total", "need_covered", "need_covered_share", "worst_minutes",
                              "worst_rural_minutes", "mean_minutes")}


def _families(case: Case, matrix: TravelMatrix, site_ids: Sequence[str], request: SolveRequest,
              settings: RunSettings) -> dict[str, object]:
    fam = families_access(case.demand.weight, matrix.minutes, case.sites.index_of(list(site_ids)),
                          access_minutes=request.minutes, error_minutes=settings.travel_error_minutes)
    return {"access_minutes": request.minutes, "travel_error_minutes": settings.travel_error_minutes,
            "access_share": fam.share, "access_share_low": fam.share_low, "access_share_high": fam.share_high,
            "mean_minutes": fam.mean_minutes, "worst_minutes": fam.worst_minutes}


def _service(spec: OutreachSpec, ms: OutreachMeasures) -> dict[str, object]:
    return {"contact_hours": ms.contact_hours, "need_hours": ms.need_hours,
            "frontline_posts": ms.budget_gbp[FRONTLINE] / spec.cost_per_post_gbp,
            "driving_hours": ms.driving_hours, "driving_posts": ms.driving_hours / spec.productive_hours_per_post,
            "spare_staff_hours": ms.spare_staff_hours,
            "spare_posts": ms.spare_staff_hours / spec.productive_hours_per_post}


def _outcome(case: Case, matrix: TravelMatrix, request: SolveRequest, params: OutreachParams, settings: RunSettings,
             sol: OutreachSolve, auto: AutoChoice | None, marginal: dict[str, object], plan: Plan | None,
             plan_eval: PlanEvaluation | None, old: dict[str, object] | None, elapsed: float) -> Outcome:
    r = sol.result
    if auto is not None and auto.chosen is not None:
        r = r.with_(status=Status(auto.chosen.status))
    spec = spec_of(sol.problem)
    bases = [case.sites.ids[j] for j in sol.selected]
    summary: dict[str, object] = {
        "case": case.name, "model": "outreach", "solver": r.solver, "solver_version": r.solver_version,
        "status": r.status.value, "message": r.message, "verified": r.verified,
        "objective": r.objective,
        "objective_name": ("need-weighted share of areas served" if params.objective == "share"
                           else "need-weighted contact hours a year"),
        "bound": r.bound, "gap": r.gap, "bases_requested": request.bases, "minutes": request.minutes,
        "need_weighting": request.need, "bases": bases, "number_of_bases": len(bases),
        "build_seconds": r.build_s, "solve_seconds": r.solve_s, "wall_seconds": elapsed,
        "siting_version": siting.__version__, "provenance": case.provenance,
        "parameters": _parameters(params, spec),
        "calibration": _calibration(case),
    }
    if sol.shortfall_gbp is not None:
        summary["shortfall_gbp"] = sol.shortfall_gbp
    tabs: dict[str, pd.DataFrame] = {}
    out_tables: OutreachTables | None = None
    cov: CoverageSummary | None = None
    if sol.has_solution and sol.allocation is not None and sol.measures is not None:
        ms = sol.measures
        out_tables = tables(case, sol.problem, sol.selected, sol.allocation, ms)
        cov = evaluate(case, matrix, bases, minutes=request.minutes)
        summary.update({
            "contact_hours": ms.contact_hours, "weighted_contact_hours": ms.weighted_contact_hours,
            "need_hours": ms.need_hours, "need_served_share": ms.contact_hours / ms.need_hours,
            "driving_hours": ms.driving_hours, "staff_hours_available": ms.staff_hours_available,
            "staff_hours_used": ms.staff_hours_used, "spare_staff_hours": ms.spare_staff_hours,
            "frontline_share": ms.frontline_share, "budget": budget_dict(ms),
            "per_base": _records(out_tables.bases.drop(columns=["lon", "lat"])),
            "by_district": _records(out_tables.by_district), "by_class": _records(out_tables.by_class),
            "worst_served": _records(out_tables.worst_served),
            **_coverage_figures(cov),
        })
        tie = sol.tie_break
        summary["tie_break"] = None if tie is None else {
            "rule": "most spare staff hours among the plans with the most contact hours",
            "status": tie.status.value, "spare_staff_hours": tie.objective, "bound": tie.bound,
            "message": tie.message}
        summary["service"] = _service(spec, ms)
        summary["families"] = _families(case, matrix, bases, request, settings)
        if auto is not None and auto.chosen is not None:
            chosen = auto.chosen
            summary["tie_break"] = {
                "rule": (f"lexicographic: the most contact hours, then the most need within {request.minutes:g} "
                         "minutes of a base, then the most spare posts"),
                "status": chosen.status, "contact_status": chosen.contact_status,
                "access_status": chosen.access_status, "spare_status": chosen.spare_status}
        summary["marginal"] = marginal
        areas = out_tables.areas.merge(cov.areas[["id", "base_id", "base_minutes", "covered"]], on="id", how="left")
        tabs.update({"bases.csv": out_tables.bases, "areas.csv": areas, "budget.csv": out_tables.budget})
    if plan is not None and plan_eval is not None:
        plan_cov = evaluate(case, matrix, plan.site_ids, minutes=request.minutes)
        summary["plan_in_hand"] = {"name": plan.name, "description": plan.description, "bases": list(plan.site_ids),
                                   "number_of_bases": len(plan.site_ids), **_plan_figures(plan_eval),
                                   **_coverage_figures(plan_cov),
                                   "families": _families(case, matrix, plan.site_ids, request, settings)}
        if plan_eval.measures is not None:
            pspec = spec_of(plan_eval.problem)
            summary["plan_in_hand"]["service"] = _service(pspec, plan_eval.measures)  # type: ignore[index]
        if plan_eval.measures is not None and plan_eval.allocation is not None:
            pt = tables(case, plan_eval.problem, plan_eval.selected, plan_eval.allocation, plan_eval.measures)
            summary["plan_in_hand"]["by_district"] = _records(pt.by_district)  # type: ignore[index]
            summary["plan_in_hand"]["by_class"] = _records(pt.by_class)  # type: ignore[index]
        if bases:
            diff = site_differences(case, matrix, params, optimal_ids=bases, plan_ids=plan.site_ids, plan_name="plan")
            summary["site_differences"] = _records(diff)
            tabs["site_differences.csv"] = diff
    if old is not None:
        summary["old_model"] = old
    files: dict[str, bytes] = {}
    if auto is not None:
        _auto_outputs(case, matrix, request, settings, auto, plan, plan_eval, summary, tabs, files)
    add_equity(case, matrix, request, summary, bases if sol.has_solution else None, plan)  # issue 15: equity
    summary["rules"] = rules_brief(request, case, bases)
    text = format_outreach_text(summary) + "\n" + equity_and_rules_text(summary)
    outcome = Outcome(summary=jsonable(summary), tables=tabs, text=text, result=r, coverage=cov, files=files)
    if out_tables is not None:
        outcome.geo = _geo(case, out_tables, bases)
    return outcome


def _auto_outputs(case: Case, matrix: TravelMatrix, request: SolveRequest, settings: RunSettings, auto: AutoChoice,
                  plan: Plan | None, plan_eval: PlanEvaluation | None, summary: dict[str, object],
                  tabs: dict[str, pd.DataFrame], files: dict[str, bytes]) -> None:
    """The frontier, the recommendation and (if asked) the robustness tables and plots."""
    from maps.outreach_plot import PlanMark, frequency_png, frontier_png, tornado_png  # matplotlib only when drawing

    rec = auto.recommendation
    tabs["frontier.csv"] = auto.frame
    summary["frontier"] = _records(auto.frame.drop(columns=["site_ids"]))
    summary["best_bases"] = rec.bases
    summary["recommendation"] = {
        "bases": rec.bases, "shown_bases": auto.chosen.bases if auto.chosen else None, "low": rec.low,
        "high": rec.high, "equally_good": list(rec.equally_good), "best_access_bases": rec.best_access_bases,
        "sentence": rec.sentence, "rule": rec.rule, "access_minutes": request.minutes,
        "travel_error_minutes": settings.travel_error_minutes, "min_spare_posts": settings.min_spare_posts,
        "worst_case_gains": [{"better": a, "worse": b, "gain": g} for (a, b), g in sorted(auto.gains.items())],
    }
    marks, access = [], []
    if plan is not None and plan_eval is not None and plan_eval.measures is not None:
        spec = spec_of(plan_eval.problem)
        fam = _families(case, matrix, plan.site_ids, request, settings)
        marks.append(PlanMark(f"{plan.name} ({len(plan.site_ids)} bases)", len(plan.site_ids),
                              plan_eval.measures.contact_hours, plan_eval.measures.frontline_share,
                              plan_eval.measures.spare_staff_hours / spec.productive_hours_per_post))
        access.append(float(fam["access_share"]))  # type: ignore[arg-type]
    frames = {"per-base overheads": auto.frame}
    robust = auto.robust
    if robust is not None and not robust.calibrations.empty:
        central = robust.calibrations[robust.calibrations["calibration"] == "central_management"]
        frames["central management"] = central.drop(columns=["calibration"])
    files["frontier.png"] = frontier_png(frames, recommended=auto.chosen.bases if auto.chosen else None,
                                         equally_good=rec.equally_good, access_minutes=request.minutes, plans=marks,
                                         plan_access=access,
                                         title=f"{case.name}: families' access against spare frontline posts")
    if robust is None:
        return
    tabs["tornado.csv"] = robust.tornado
    tabs["site_frequency.csv"] = robust.frequency
    tabs["calibrations.csv"] = robust.calibrations
    summary["robustness"] = {
        "tornado": _records(robust.tornado.drop(columns=["site_ids"])),
        "calibrations": {k: {"bases": v.bases, "equally_good": list(v.equally_good), "sentence": v.sentence}
                         for k, v in robust.recommendations.items()},
        "samples": robust.samples, "workers": robust.workers, "failed": robust.failed,
        "site_frequency": _records(robust.frequency),
    }
    if not robust.tornado.empty:
        files["tornado.png"] = tornado_png(robust.tornado, title=f"{case.name}: the recommendation under ±25% of "
                                                                 "each parameter")
    if robust.samples and not robust.frequency.empty and (robust.frequency["chosen"] > 0).any():
        files["site_frequency.png"] = frequency_png(
            robust.frequency, title=f"{case.name}: sites kept with {auto.chosen.bases if auto.chosen else '?'} bases "
                                    f"over {robust.samples} sampled parameter sets")


def _parameters(params: OutreachParams, spec: OutreachSpec) -> dict[str, object]:
    return {
        "budget_gbp": spec.budget_gbp, "frontline_floor": params.frontline_floor, "rural_floor": params.rural_floor,
        "district_floor": params.district_floor, "session_minutes": params.session_minutes,
        "max_drive_minutes": params.max_drive_minutes, "cost_per_post_gbp": params.cost_per_post_gbp,
        "productive_hours_per_post": params.productive_hours_per_post,
        "universal_hours_per_child": params.universal_hours_per_child,
        "targeted_hours_per_child": params.targeted_hours_per_child,
        "family_support_gbp": spec.family_support_gbp, "contingency_gbp": spec.contingency_gbp,
        "central_building_gbp": spec.central_building_gbp, "central_management_gbp": spec.central_management_gbp,
        "building_per_base_gbp": float(np.median(spec.building_cost_gbp)),
        "management_per_base_gbp": float(np.median(spec.management_cost_gbp)),
        "site_costs_gbp": {k: list(v) for k, v in params.site_costs_gbp.items()},
        "objective": params.objective,
    }


def _calibration(case: Case) -> dict[str, object] | None:
    try:
        cal = case_calibration(case)
    except InputError:
        return None
    c = cal.costs
    return {
        "building_per_base_gbp": c.building_per_base_gbp, "management_per_base_gbp": c.management_per_base_gbp,
        "building_central_gbp": c.building_central_gbp, "management_central_gbp": c.management_central_gbp,
        "family_support_share": cal.family_support_share, "contingency_share": cal.contingency_share,
        "max_share_error": cal.max_error,
        "checks": [{"name": ch.name, "bases": ch.bases, "budget_gbp": ch.budget_gbp,
                    "published": ch.published, "modelled": ch.modelled} for ch in cal.checks],
    }


def _geo(case: Case, t: OutreachTables, bases: Sequence[str]) -> dict[str, Any]:
    import geopandas as gpd

    d = case.demand.frame.set_index("id")
    areas = t.areas.copy()
    areas_g = gpd.GeoDataFrame(areas, geometry=gpd.points_from_xy(d.loc[areas["id"], "lon"], d.loc[areas["id"], "lat"]),
                               crs="EPSG:4326")
    s = case.sites.frame
    per = t.bases.set_index("id")
    kept = s["id"].isin(list(bases)).to_numpy()
    sites = s[["id", "name", "district", "kind"]].assign(
        kept=kept,
        staff_hours=s["id"].map(per["staff_hours"]).fillna(0.0).to_numpy(),
        contact_hours=s["id"].map(per["contact_hours"]).fillna(0.0).to_numpy(),
        driving_hours=s["id"].map(per["driving_hours"]).fillna(0.0).to_numpy(),
    )
    sites_g = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326")
    return {"areas": areas_g, "sites": sites_g}


MODEL_RUNNERS["outreach"] = run_outreach

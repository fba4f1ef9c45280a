"""``siting solve CASE --model outreach``: the frontline-versus-overhead model, from request to outcome.

Registered as :data:`scenarios.solve.MODEL_RUNNERS` ``["outreach"]``. Model parameters come from
``SolveRequest.params`` (names of :class:`siting.outreach.OutreachParams`: ``frontline_floor``,
``rural_floor``, ``district_floor``, ``session_minutes``, ``max_drive_minutes``, ``budget_gbp``, ...).

* ``bases`` a number: the best plan with exactly that many bases, and the marginal value of one
  base more and one fewer.
* ``bases`` ``auto`` (or ``None``): the curve of contact hours and frontline share against the number
  of bases (5 to 30, widened while the best lies at an end), the best number (most contact hours
  with the frontline floor kept, ties to the fewest bases), its plan, ``curve.csv`` and ``curve.png``.

Both compare the plan with the plan in hand and, when the case has an old budget for all its
sites, with the old model (Norfolk: the 53 centres on £10.23m), and list what each site kept by
one plan but not the other costs or gains.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

import siting
from maps.outreach_plot import PlanMark, curve_png
from scenarios.gpkg import PointLayer
from scenarios.output import jsonable
from scenarios.solve import MODEL_RUNNERS, Outcome, SolveRequest
from siting.budget import CATEGORIES, FRONTLINE
from siting.coverage import CoverageSummary, evaluate
from siting.domain import Case, Plan, TravelMatrix
from siting.errors import InputError
from siting.outreach import (
    CurvePoint,
    OutreachParams,
    OutreachSolve,
    OutreachTables,
    PlanEvaluation,
    best_point,
    break_ties,
    budget_dict,
    case_calibration,
    curve,
    curve_frame,
    evaluate_plan,
    outreach_problem,
    site_differences,
    solve_outreach,
    tables,
)
from siting.validation import bases_count
from solvers import Status
from solvers.formulations.outreach import OutreachSpec
from solvers.registry import names as solver_names

AUTO_FIRST = 5
AUTO_LAST = 30
"""The range of numbers of bases the ``auto`` curve covers at least (clipped to the sites that can be bases)."""
SOURCE = "--model outreach"


def outreach_params(request: SolveRequest) -> OutreachParams:
    """The model parameters of ``request`` (checked; an :class:`InputError` names a bad one)."""
    return OutreachParams.from_mapping(request.params, source=SOURCE)


def _progress(counts: Iterable[int]) -> Iterable[int]:
    return tqdm(list(counts), desc="outreach: numbers of bases", unit="count", file=sys.stderr, leave=False)


def _tie_progress(items: Iterable[int]) -> Iterable[int]:
    return tqdm(list(items), desc="outreach: tie-break of the best numbers", unit="count", file=sys.stderr,
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
    plan = _plan(case, request)
    bases_arg: object = request.bases
    points: list[CurvePoint] = []
    best: CurvePoint | None = None
    if bases_arg in ("auto", None):
        points = _auto_curve(case, matrix, params, request)
        points = break_ties(case, points, solver=request.solver, options=request.options, progress=_tie_progress)
        best = best_point(points)
        if best is not None and best.solved is not None:
            sol = best.solved
        else:  # nothing keeps the frontline floor: the least that does not (with the shortfall)
            problem = outreach_problem(case, matrix, params, bases=None, exact=False, rules=request.rules)
            sol = solve_outreach(problem, solver=request.solver, options=request.options)
    else:
        p = bases_count(int(bases_arg), case.sites)  # type: ignore[call-overload]
        problem = outreach_problem(case, matrix, params, bases=p, rules=request.rules)
        sol = solve_outreach(problem, solver=request.solver, options=request.options)
    marginal = _marginal(case, matrix, params, request, sol, points)
    plan_eval = evaluate_plan(case, matrix, params, plan.site_ids, name=plan.name) if plan else None
    old = _old_model(case, matrix, params)
    elapsed = time.perf_counter() - t0
    return _outcome(case, matrix, request, params, sol, points, best, marginal, plan, plan_eval, old, elapsed)


def _plan(case: Case, request: SolveRequest) -> Plan | None:
    if request.plan is None:
        return case.plan_in_hand
    if request.plan not in case.plans:
        raise InputError(f"unknown plan {request.plan!r}; plans: {', '.join(case.plans)}", source="--plan")
    return case.plans[request.plan]


def _auto_curve(case: Case, matrix: TravelMatrix, params: OutreachParams, request: SolveRequest) -> list[CurvePoint]:
    """The curve over :data:`AUTO_FIRST`..:data:`AUTO_LAST`, widened while the best lies at an end."""
    able = int(case.sites.can_be_base.sum())
    first = max(1, min(AUTO_FIRST, able), len(request.rules.must_keep))
    last = max(first, min(AUTO_LAST, able))
    kw = {"rules": request.rules, "solver": request.solver, "options": request.options}
    points = curve(case, matrix, params, counts=range(first, last + 1), progress=_progress, **kw)  # type: ignore[arg-type]
    while True:
        best = best_point(points)
        if best is None:
            return points
        if best.bases == points[0].bases and points[0].bases > 1:
            start = case.sites.index_of(list(points[0].site_ids))
            points = curve(case, matrix, params, counts=[points[0].bases - 1], start=start, **kw) + points  # type: ignore[arg-type]
        elif best.bases == points[-1].bases and points[-1].bases < able:
            start = case.sites.index_of(list(points[-1].site_ids))
            points = points + curve(case, matrix, params, counts=[points[-1].bases + 1], start=start, **kw)  # type: ignore[arg-type]
        else:
            return points


def _marginal(case: Case, matrix: TravelMatrix, params: OutreachParams, request: SolveRequest, sol: OutreachSolve,
              points: Sequence[CurvePoint]) -> dict[str, object]:
    """One base more and one fewer than the plan's: their best contact hours and frontline share."""
    if not sol.has_solution or sol.measures is None:
        return {}
    p = len(sol.selected)
    able = int(case.sites.can_be_base.sum())
    by_count = {pt.bases: pt for pt in points}
    wanted = [q for q in (p - 1, p + 1) if 1 <= q <= able and q not in by_count]
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
    spec = at_planned.problem.extra
    assert isinstance(spec, OutreachSpec)
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


def _outcome(case: Case, matrix: TravelMatrix, request: SolveRequest, params: OutreachParams, sol: OutreachSolve,
             points: list[CurvePoint], best: CurvePoint | None, marginal: dict[str, object], plan: Plan | None,
             plan_eval: PlanEvaluation | None, old: dict[str, object] | None, elapsed: float) -> Outcome:
    r = sol.result
    spec = sol.problem.extra
    assert isinstance(spec, OutreachSpec)
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
        summary["marginal"] = marginal
        areas = out_tables.areas.merge(cov.areas[["id", "base_id", "base_minutes", "covered"]], on="id", how="left")
        tabs.update({"bases.csv": out_tables.bases, "areas.csv": areas, "budget.csv": out_tables.budget})
    if plan is not None and plan_eval is not None:
        plan_cov = evaluate(case, matrix, plan.site_ids, minutes=request.minutes)
        summary["plan_in_hand"] = {"name": plan.name, "description": plan.description, "bases": list(plan.site_ids),
                                   "number_of_bases": len(plan.site_ids), **_plan_figures(plan_eval),
                                   **_coverage_figures(plan_cov)}
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
    if points:
        frame = curve_frame(points)
        tabs["curve.csv"] = frame
        summary["curve"] = _records(frame.drop(columns=["site_ids"]))
        summary["best_bases"] = best.bases if best is not None else None
        marks = []
        if plan_eval is not None and plan_eval.measures is not None and plan is not None:
            marks.append(PlanMark(f"{plan.name} ({len(plan.site_ids)} bases)", len(plan.site_ids),
                                  plan_eval.measures.contact_hours, plan_eval.measures.frontline_share,
                                  plan_eval.measures.spare_staff_hours))
        files["curve.png"] = curve_png(frame, best_bases=best.bases if best else None,
                                       frontline_floor=params.frontline_floor, need_hours=float(spec.need_hours.sum()),
                                       plans=marks, title=f"{case.name}: contact hours, spare staff hours and "
                                                          "frontline share by number of bases")
    text = format_outreach_text(summary)
    outcome = Outcome(summary=jsonable(summary), tables=tabs, text=text, result=r, coverage=cov, files=files)
    if out_tables is not None:
        outcome.geo = _geo(case, out_tables, bases)
    return outcome


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


def _geo(case: Case, t: OutreachTables, bases: Sequence[str]) -> dict[str, PointLayer]:
    d = case.demand.frame.set_index("id")
    areas = t.areas.copy()
    areas_g = PointLayer(areas, d.loc[areas["id"], "lon"].to_numpy(), d.loc[areas["id"], "lat"].to_numpy())
    s = case.sites.frame
    per = t.bases.set_index("id")
    kept = s["id"].isin(list(bases)).to_numpy()
    sites = s[["id", "name", "district", "kind"]].assign(
        kept=kept,
        staff_hours=s["id"].map(per["staff_hours"]).fillna(0.0).to_numpy(),
        contact_hours=s["id"].map(per["contact_hours"]).fillna(0.0).to_numpy(),
        driving_hours=s["id"].map(per["driving_hours"]).fillna(0.0).to_numpy(),
    )
    sites_g = PointLayer(sites, s["lon"].to_numpy(), s["lat"].to_numpy())
    return {"areas": areas_g, "sites": sites_g}


# --- text ------------------------------------------------------------------------------------------


def _num(x: object) -> float:
    return float(x) if isinstance(x, int | float) else math.nan


def _pct(x: object) -> str:
    return f"{100 * float(x):5.1f}%" if isinstance(x, int | float) and math.isfinite(float(x)) else "   n/a"


def _h(x: object) -> str:
    return f"{float(x):,.0f}" if isinstance(x, int | float) and math.isfinite(float(x)) else "n/a"


def _gbp(x: object) -> str:
    return f"£{float(x):,.0f}" if isinstance(x, int | float) and math.isfinite(float(x)) else "n/a"


def format_outreach_text(s: dict[str, object]) -> str:
    """A readable account of an outreach outcome for the terminal."""
    par = s["parameters"]
    assert isinstance(par, dict)
    lines = [
        f"{s['case']}: outreach model, bases {s['bases_requested']}, budget {_gbp(par['budget_gbp'])}, frontline floor "
        f"{_pct(par['frontline_floor']).strip()}, sessions {par['session_minutes']:g} min, drives up to "
        f"{par['max_drive_minutes']:g} min, need = {s['need_weighting']}",
    ]
    gap = s.get("gap")
    head = f"solver {s['solver']}: {s['status']}"
    if isinstance(gap, float) and math.isfinite(gap):
        fmt = _pct if "share" in str(s["objective_name"]) else _h
        head += (f" (objective {fmt(s['objective']).strip()} {s['objective_name']}, bound {fmt(s['bound']).strip()}, "
                 f"gap {100 * gap:.3g}%)")
    lines.append(head + ("" if s.get("verified") else "  [NOT VERIFIED]"))
    if s["status"] in (Status.INFEASIBLE.value, Status.ERROR.value) or "contact_hours" not in s:
        lines.append(f"  {s['message']}")
        _plan_lines(lines, s)
        _curve_lines(lines, s)
        return "\n".join(lines)
    bases = s["bases"]
    assert isinstance(bases, list)
    lines.append(f"bases kept ({len(bases)}): {', '.join(bases)}")
    lines.append(f"contact hours {_h(s['contact_hours'])} a year of {_h(s['need_hours'])} needed "
                 f"({_pct(s['need_served_share']).strip()}); staff hours {_h(s['staff_hours_available'])} available, "
                 f"{_h(s['driving_hours'])} driving, {_h(s['spare_staff_hours'])} spare")
    budget = s["budget"]
    assert isinstance(budget, dict)
    lines.append("budget: " + " | ".join(f"{k.replace('_', ' ')} {_gbp(budget['amounts_gbp'][k])} "
                                         f"({_pct(budget['shares'][k]).strip()})" for k in CATEGORIES))
    lines.append("")
    lines.append(f"{'base':6s} {'name':34s} {'staff h':>9s} {'driving h':>9s} {'contact h':>9s} {'areas':>5s}")
    for b in s["per_base"]:  # type: ignore[attr-defined]
        lines.append(f"{b['id']:6s} {str(b['name'])[:34]:34s} {_h(b['staff_hours']):>9s} {_h(b['driving_hours']):>9s} "
                     f"{_h(b['contact_hours']):>9s} {b['areas_served']:5d}")
    plan = s.get("plan_in_hand")
    plan_rows = {}
    if isinstance(plan, dict):
        plan_rows = {r["district"]: r for r in plan.get("by_district", [])}
    lines.append("")
    header = f"{'district':32s} {'bases':>5s} {'need h':>8s} {'served':>7s}"
    lines.append(header + (f" {'plan':>7s}" if plan_rows else ""))
    for r in s["by_district"]:  # type: ignore[attr-defined]
        row = f"{r['district']:32s} {r['bases']:5d} {_h(r['need_hours']):>8s} {_pct(r['served_share']):>7s}"
        if plan_rows:
            row += f" {_pct(plan_rows.get(r['district'], {}).get('served_share')):>7s}"
        lines.append(row)
    plan_class = {r["area_class"]: r for r in plan.get("by_class", [])} if isinstance(plan, dict) else {}
    for r in s["by_class"]:  # type: ignore[attr-defined]
        row = f"{r['area_class'] + ' areas':32s} {'':5s} {_h(r['need_hours']):>8s} {_pct(r['served_share']):>7s}"
        if plan_class:
            row += f" {_pct(plan_class.get(r['area_class'], {}).get('served_share')):>7s}"
        lines.append(row)
    worst_rows = s.get("worst_served")
    worst = [w for w in worst_rows if w["served_share"] < 1 - 1e-6] if isinstance(worst_rows, list) else []
    lines.append("")
    if worst:
        lines.append("worst-served areas:")
        for w in worst[:5]:
            lines.append(f"  {w['id']} {str(w['name'])[:28]:28s} {w['district'][:20]:20s} served "
                         f"{_pct(w['served_share'])}, {_h(w['unmet_hours'])} h unmet")
    else:
        lines.append("every area's need is served in full")
    lines.append(f"nearest base: worst {s['worst_minutes']:.1f} min (rural {s['worst_rural_minutes']:.1f} min); "
                 f"need within {s['minutes']:g} min: {_pct(s['need_covered_share']).strip()}")
    marginal = s.get("marginal")
    if isinstance(marginal, dict):
        for key, label in (("one_fewer", "one base fewer"), ("one_more", "one base more")):
            m = marginal.get(key)
            if isinstance(m, dict):
                floor_note = "" if m["meets_frontline_floor"] else " (breaks the frontline floor)"
                lines.append(f"{label} ({m['bases']}): contact hours {float(m['delta_contact_hours']):+,.0f}, "
                             f"frontline share {100 * float(m['delta_frontline_share']):+.1f} points, staff hours "
                             f"{float(m['delta_staff_hours_available']):+,.0f}{floor_note}")
    tie = s.get("tie_break")
    if isinstance(tie, dict):
        lines.append(f"tie-break (most spare staff hours among the best plans): {tie['status']}")
    _plan_lines(lines, s)
    _curve_lines(lines, s)
    return "\n".join(lines)


def _plan_lines(lines: list[str], s: dict[str, object]) -> None:
    plan = s.get("plan_in_hand")
    if isinstance(plan, dict):
        lines.append("")
        if "contact_hours" in plan:
            note = "" if plan["meets_model"] else f" [breaks the model's rules: {plan['reason']}]"
            lines.append(f"plan in hand '{plan['name']}' ({plan['number_of_bases']} bases): contact hours "
                         f"{_h(plan['contact_hours'])} ({_pct(plan['need_served_share']).strip()}), frontline "
                         f"{_pct(plan['frontline_share']).strip()}, spare staff hours {_h(plan['spare_staff_hours'])}"
                         f"{note}")
        else:
            lines.append(f"plan in hand '{plan['name']}': cannot run on this budget ({plan['reason']})")
        if "contact_hours" in s and "contact_hours" in plan:
            d_contact = _num(s["contact_hours"]) - _num(plan["contact_hours"])
            d_spare = _num(s["spare_staff_hours"]) - _num(plan["spare_staff_hours"])
            lines.append(f"  the plan found delivers {d_contact:+,.0f} contact hours and {d_spare:+,.0f} spare staff "
                         "hours against it")
    diff = s.get("site_differences")
    if isinstance(diff, list) and diff:
        lines.append(f"  sites that differ ({len(diff)}): reversing that one choice (adding or dropping the site) "
                     "changes contact / spare staff hours by")
        lines.append(f"    {'site':6s} {'name':26s} {'kept by':8s} {'in the plan in hand':>21s} "
                     f"{'in the plan found':>21s}")
        for d in diff:
            side = "found" if d["in_optimal"] else "in hand"
            lines.append(f"    {d['id']:6s} {str(d['name'])[:26]:26s} {side:8s} "
                         f"{_num(d['plan_delta_contact_hours']):+9,.0f} "
                         f"{_num(d['plan_delta_spare_staff_hours']):+9,.0f}    "
                         f"{_num(d['optimal_delta_contact_hours']):+9,.0f} "
                         f"{_num(d['optimal_delta_spare_staff_hours']):+9,.0f}")
        first = diff[0]
        lines.append(f"    (each base costs {_gbp(first['overhead_gbp'])} a year, {_h(first['overhead_staff_hours'])} "
                     "staff hours, unless its costs are overridden)")
    old = s.get("old_model")
    if isinstance(old, dict):
        at = old["at_planned_budget"]
        assert isinstance(at, dict)
        lines.append(f"old model '{old['name']}' ({old['bases']} centres, {_gbp(old['budget_gbp'])}): contact hours "
                     f"{_h(old.get('contact_hours'))}, frontline {_pct(old.get('frontline_share')).strip()} "
                     f"(published {_pct(old['published_frontline_share']).strip()})")
        lines.append(f"  on the planned budget ({_gbp(at['budget_gbp'])}) its overheads would leave "
                     f"{_gbp(at['frontline_gbp'])} for frontline staff; keeping the frontline floor would take "
                     f"{_gbp(at['shortfall_gbp'])} a year more")


def _curve_lines(lines: list[str], s: dict[str, object]) -> None:
    rows = s.get("curve")
    if not isinstance(rows, list) or not rows:
        return
    lines.append("")
    lines.append(f"curve (best: {s.get('best_bases')} bases; hollow = frontline floor broken):")
    lines.append(f"  {'bases':>5s} {'contact h':>10s} {'served':>7s} {'frontline':>9s} {'spare h':>8s}")
    for r in rows:
        mark = "*" if r["bases"] == s.get("best_bases") else ("o" if not r["meets_frontline_floor"] else " ")
        lines.append(f" {mark}{r['bases']:5d} {_h(r['contact_hours']):>10s} {_pct(r['need_served_share']):>7s} "
                     f"{_pct(r['frontline_share']):>9s} {_h(r['spare_staff_hours']):>8s}")


MODEL_RUNNERS["outreach"] = run_outreach

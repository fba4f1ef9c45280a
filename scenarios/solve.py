"""One solve of a case: build the problem, solve, verify, measure the plan in hand the same way.

:func:`run` is what ``siting solve``, scenario files and sweeps call. It returns an
:class:`Outcome` (summary, tables, readable text); :func:`write_outcome` writes it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import siting
from scenarios.output import atomic_dir, write_json
from siting.coverage import CoverageSummary, evaluate
from siting.domain import Case, TravelMatrix
from siting.equity import Equity, GroupEquity, equity_text
from siting.equity import equity as equity
from siting.errors import InputError, NoSolutionError, SolveFailedError
from siting.facility import FacilityOptions, cost_split, facility_problem, needs
from siting.formatting import gap_percent
from siting.problems import SiteRules
from siting.tables import write_tables
from siting.validation import bases_count
from solvers import ModelKind, Result, SolveOptions, Status, solve
from solvers.models import DEFINITIONS, CountRule
from solvers.registry import names as solver_names


@dataclass(frozen=True, kw_only=True)
class SolveRequest:
    """Everything one solve needs besides the case.

    Attributes:
        model: the model name (``mclp``, ``pmedian``, ``lscp``, ``pcenter``, ``cpmedian``, ``cmclp``, ``cflp``,
            ``bclp``, ``outreach``).
        bases: number of bases (``None`` for LSCP, and for CFLP: no limit; ``auto`` for the outreach model).
        minutes: the travel-time limit for coverage (and for reporting coverage under every model).
        solver: backend name or ``auto``.
        rules: site rules (must keep/close, per-district limits).
        need: the need weighting the case was loaded with (recorded in the summary).
        options: solver options (time limit, gap, threads, seed, warm start).
        plan: name of the plan in hand to compare with (default: the case's first plan).
        params: model-specific parameters (for the outreach model).
        closures: also compute re-optimised closure values (MCLP and p-median; :mod:`scenarios.closure_run`).
        facility: capacities, opening costs and the price of travel (cpmedian, cmclp, cflp;
            :mod:`siting.facility`).
        require_cover: BCLP: every area a base can reach must be covered once.
    """

    model: str = "mclp"
    bases: int | None = 15
    minutes: float = 20.0
    solver: str = "auto"
    rules: SiteRules = field(default_factory=SiteRules)
    need: str = "children"
    options: SolveOptions = field(default_factory=SolveOptions)
    plan: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    closures: bool = False
    facility: FacilityOptions = field(default_factory=FacilityOptions)
    require_cover: bool = True


@dataclass
class Outcome:
    """What a solve produced: ``summary`` (JSON-able), tables by file name, and a readable text."""

    summary: dict[str, object]
    tables: dict[str, pd.DataFrame]
    text: str
    result: Result | None = None
    coverage: CoverageSummary | None = None
    geo: dict[str, Any] = field(default_factory=dict)  # map layers (GeoDataFrames) by name
    """Layers of ``solution.gpkg`` by name (WGS84 points with attributes)."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Other files by name (for example a PNG plot), written as they are."""


def capacity_missing(model: str, case: Case, facility: FacilityOptions) -> str:
    """Why ``model`` cannot run on ``case`` with ``facility`` ('' if it can): capacities, opening costs, price."""
    try:
        kind = ModelKind(model)
    except ValueError:
        return ""
    return needs(kind, case, facility)


#: Runners for models that are not plain coverage/distance models (the outreach model registers here).
MODEL_RUNNERS: dict[str, Callable[[Case, TravelMatrix, SolveRequest], Outcome]] = {}


def run(case: Case, matrix: TravelMatrix, request: SolveRequest) -> Outcome:
    """Solve ``request`` on ``case`` and measure the result and the plan in hand."""
    if request.model == "outreach" and "outreach" not in MODEL_RUNNERS:
        import scenarios.outreach_run  # noqa: F401  (registers the outreach runner)
    if request.model in MODEL_RUNNERS:
        outcome = MODEL_RUNNERS[request.model](case, matrix, request)
        outcome.summary.setdefault("travel_times", matrix.source)
        return outcome
    try:
        kind = ModelKind(request.model)
    except ValueError:
        raise InputError(f"unknown model {request.model!r}", source="--model") from None
    if why := capacity_missing(request.model, case, request.facility):
        raise InputError(why, source="--model")
    if request.solver != "auto" and request.solver not in solver_names():
        raise InputError(f"unknown solver {request.solver!r}; choose from: auto, {', '.join(solver_names())}",
                         source="--solver")
    count = DEFINITIONS[kind].count
    if count is CountRule.EXACT and request.bases is None:
        raise InputError(f"model {kind} needs a number of bases", source="--bases")
    if count is not CountRule.MINIMISED and isinstance(request.bases, int):
        bases_count(request.bases, case.sites)
    if request.minutes is None or not request.minutes > 0:
        raise InputError(f"the travel-time limit must be positive, got {request.minutes}", source="--minutes")
    t0 = time.perf_counter()
    counted = request.bases if isinstance(request.bases, int) and count is not CountRule.MINIMISED else None
    problem = facility_problem(case, matrix, model=kind, bases=counted,
                               minutes=request.minutes, rules=request.rules, options=request.facility,
                               require_cover=request.require_cover)
    try:
        result = solve(problem, solver=request.solver, options=request.options)
    except ValueError as exc:
        raise InputError(str(exc), source="--solver") from None
    elapsed = time.perf_counter() - t0
    site_ids = case.sites.ids
    bases = tuple(site_ids[j] for j in result.selected)
    coverage = evaluate(case, matrix, bases, minutes=request.minutes) if result.has_solution else None
    plan = _plan(case, request)
    plan_cov = evaluate(case, matrix, plan.site_ids, minutes=request.minutes) if plan else None
    summary = _summary(case, request, result, coverage, plan, plan_cov, elapsed)
    summary["travel_times"] = matrix.source  # which estimator or file, and its measured error where known
    add_equity(case, matrix, request, summary, bases if coverage is not None else None, plan)
    summary["rules"] = rules_summary(case, matrix, request, kind, result, plan)
    if result.has_solution and kind in (ModelKind.CFLP, ModelKind.BCLP):
        summary["facility"] = facility_summary(case, matrix, request, kind, result)
    if coverage is not None and plan is not None and kind in (ModelKind.MCLP, ModelKind.PMEDIAN):
        from scenarios.versus_plan import versus_plan

        vs = versus_plan(case, matrix, bases, plan.site_ids, minutes=request.minutes)
        if vs is not None:
            summary["versus_plan_in_hand"] = vs
    tables: dict[str, pd.DataFrame] = {}
    if coverage is not None:
        tables["bases.csv"] = _bases_table(case, coverage)
        tables["areas.csv"] = coverage.areas
    text = format_text(summary)
    out = Outcome(summary, tables, text, result, coverage)
    if coverage is not None:
        out.geo = _geo(case, coverage)
    if request.closures:
        from scenarios.closure_run import add_to_outcome

        add_to_outcome(out, case, matrix, request=request, plan=plan)
    return out


def facility_summary(case: Case, matrix: TravelMatrix, request: SolveRequest, kind: ModelKind,
                     result: Result) -> dict[str, object]:
    """CFLP: the annual cost in pounds, split into bases and travel; BCLP: need covered once and twice."""
    if kind is ModelKind.CFLP:
        split = cost_split(case, request.facility, result.selected, result.objective)
        return {"bases": len(result.selected), "opening_gbp": round(split.opening_gbp, 2),
                "travel_gbp": round(split.travel_gbp, 2), "total_gbp": round(split.total_gbp, 2),
                "travel_gbp_per_minute": request.facility.travel_gbp_per_minute,
                "single_source": request.facility.single_source,
                "capacity": "none" if request.facility.capacity is None and case.sites.capacity is None
                else "per site"}
    minutes = np.asarray(matrix.minutes, dtype=np.float64)[:, list(result.selected)]
    times = (minutes <= request.minutes).sum(axis=1)
    w = case.demand.weight
    total = float(w.sum()) or 1.0
    return {"need_covered_once_share": round(float(w[times >= 1].sum()) / total, 6),
            "need_covered_twice_share": round(float(w[times >= 2].sum()) / total, 6),
            "require_cover": request.require_cover}


def _plan(case: Case, request: SolveRequest) -> siting.Plan | None:
    if request.plan is None:
        return case.plan_in_hand
    if request.plan not in case.plans:
        raise InputError(f"unknown plan {request.plan!r}; plans: {', '.join(case.plans)}", source="--plan")
    return case.plans[request.plan]


def _bases_table(case: Case, cov: CoverageSummary) -> pd.DataFrame:
    sites = case.sites.frame.set_index("id")
    # "need only this base reaches" is what closing it alone loses with every other base fixed: say so
    t = cov.per_base.rename(columns={"need_only_here": "need_lost_if_closed_alone_others_fixed"})
    t["kind"] = [sites.loc[b, "kind"] for b in t["id"]]
    t["lon"] = [sites.loc[b, "lon"] for b in t["id"]]
    t["lat"] = [sites.loc[b, "lat"] for b in t["id"]]
    return t


def _geo(case: Case, cov: CoverageSummary) -> dict[str, Any]:
    """The map layers (GeoDataFrames in WGS84): areas with their base and minutes, sites kept or closed."""
    import geopandas as gpd

    d = case.demand.frame.set_index("id")
    areas = cov.areas.copy()
    areas_g = gpd.GeoDataFrame(areas, geometry=gpd.points_from_xy(d.loc[areas["id"], "lon"], d.loc[areas["id"], "lat"]),
                               crs="EPSG:4326")
    s = case.sites.frame
    kept = s["id"].isin(cov.bases)
    sites_g = gpd.GeoDataFrame(
        s[["id", "name", "district", "kind"]].assign(kept=kept.to_numpy()),
        geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326",
    )
    return {"areas": areas_g, "sites": sites_g}


_SITE_LIST = re.compile(r"(\bsites?\b[^\[\]]{0,30}?)\[([\d,\s]*)\]")
_AREA_LIST = re.compile(r"(\bdemand points?\b[^\[\]]{0,30}?)\[([\d,\s]*)\]")


def name_indices(message: str, case: Case) -> str:
    """``message`` with the solver's index lists (``sites [40]``, ``demand points [3, 7]``) given as ids."""

    def ids(names: Sequence[str]) -> Callable[[re.Match[str]], str]:
        def sub(m: re.Match[str]) -> str:
            idx = [int(t) for t in m.group(2).replace(",", " ").split()]
            if any(not 0 <= i < len(names) for i in idx):
                return m.group(0)
            return m.group(1) + ", ".join(str(names[i]) for i in idx)
        return sub

    message = _SITE_LIST.sub(ids(case.sites.ids), message)
    return _AREA_LIST.sub(ids(case.demand.ids), message).replace("demand points", "demand areas")


def _summary(case: Case, request: SolveRequest, result: Result, cov: CoverageSummary | None,
             plan: siting.Plan | None, plan_cov: CoverageSummary | None, elapsed: float) -> dict[str, object]:
    site_ids = case.sites.ids
    s: dict[str, object] = {
        "case": case.name,
        "model": result.model.value,
        "solver": result.solver,
        "solver_version": result.solver_version,
        "status": result.status.value,
        "message": name_indices(result.message, case),
        "verified": result.verified,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "gap_requested": request.options.gap_rel,
        "tolerance_rel": result.tolerance_rel,
        "bases_requested": request.bases,
        "minutes": request.minutes,
        "need_weighting": request.need,
        "bases": [site_ids[j] for j in result.selected],
        "build_seconds": result.build_s,
        "solve_seconds": result.solve_s,
        "wall_seconds": elapsed,
        "siting_version": siting.__version__,
        "provenance": case.provenance,
    }
    lost = result.details.get("uncoverable")
    if lost is not None:
        s["uncoverable_areas"] = [case.demand.ids[int(i)] for i in np.asarray(lost)]
    if cov is not None:
        s.update({k: v for k, v in cov.as_dict().items() if k not in ("bases", "minutes")})
    if plan is not None and plan_cov is not None:
        s["plan_in_hand"] = {"name": plan.name, "description": plan.description, "bases": list(plan.site_ids),
                             **{k: v for k, v in plan_cov.as_dict().items() if k not in ("bases", "minutes")}}
    return s


def _pct(x: object) -> str:
    return f"{100 * float(x):5.1f}%" if isinstance(x, int | float) and x == x else "   n/a"


def _status_words(s: dict[str, object]) -> str:
    """The status with what it proves: the tolerance of ``optimal``, the requested gap of ``within_gap``."""
    status = s["status"]
    if status == Status.OPTIMAL.value and isinstance(s.get("tolerance_rel"), float):
        return f"optimal within {s['tolerance_rel']:g}"
    if status == Status.WITHIN_GAP.value and isinstance(s.get("gap_requested"), float):
        return f"within_gap: stopped at the requested gap {s['gap_requested']:g}, not proven optimal"
    return str(status)


def _bases_words(s: dict[str, object]) -> str:
    if s.get("bases_requested") is None:
        return "any number of" if s.get("model") == "cflp" else "fewest"
    return f"at most {s['bases_requested']}" if s.get("model") == "cflp" else str(s["bases_requested"])


def format_text(s: dict[str, object]) -> str:
    """A readable summary for the terminal."""
    lines = [
        f"{s['case']}: model {s['model']}, "
        f"{_bases_words(s)} bases, "
        f"{s['minutes']:g}-minute reach, "
        f"need = {s['need_weighting']}",
        f"solver {s['solver']}: {_status_words(s)}" + (f" (objective {s['objective']:.6g}, bound {s['bound']:.6g}, "
                                                  f"gap {gap_percent(s['gap'])})"
                                                  if isinstance(s["gap"], float) and s["gap"] == s["gap"] else "")
        + ("" if s["verified"] else "  [NOT VERIFIED]"),
    ]
    if s["status"] in (Status.INFEASIBLE.value, Status.ERROR.value):
        lines.append(f"  {s['message']}")
        return "\n".join(lines)
    lines.append(f"bases kept ({len(s['bases'])}): {', '.join(s['bases'])}")  # type: ignore[arg-type]
    lost = s.get("uncoverable_areas")
    if isinstance(lost, list) and lost:
        lines.append(f"areas no site can cover within {s['minutes']:g} minutes, left out ({len(lost)}): "
                     + ", ".join(map(str, lost[:20])) + (", ... (all in summary.json)" if len(lost) > 20 else ""))
    if "need_covered_share" in s:
        lines.append(f"need covered: {_pct(s['need_covered_share'])} of {s['need_total']:,.0f}; "
                     f"worst travel {s['worst_minutes']:.1f} min, need-weighted mean {s['mean_minutes']:.1f} min")
    plan = s.get("plan_in_hand")
    if isinstance(plan, dict):
        lines.append(f"plan in hand '{plan['name']}' ({len(plan['bases'])} bases): need covered "
                     f"{_pct(plan['need_covered_share'])}; worst travel {plan['worst_minutes']:.1f} min")
    vs = s.get("versus_plan_in_hand")
    if isinstance(vs, dict):
        from scenarios.versus_plan import text as versus_text

        lines.append(versus_text(vs, minutes=float(s["minutes"])))  # type: ignore[arg-type]
    if "by_district" in s:
        lines.append("")
        header = f"{'district':32s} {'bases':>5s} {'need':>8s} {'covered':>8s}"
        if isinstance(plan, dict):
            header += f" {'plan':>8s}"
        lines.append(header)
        plan_rows = {r["district"]: r for r in plan["by_district"]} if isinstance(plan, dict) else {}
        for r in s["by_district"]:  # type: ignore[attr-defined]
            row = f"{r['district']:32s} {r['bases']:5d} {r['weight']:8,.0f} {_pct(r['share']):>8s}"
            if plan_rows:
                row += f" {_pct(plan_rows[r['district']]['share']):>8s}"
            lines.append(row)
        plan_classes = {r["area_class"]: r for r in plan["by_class"]} if isinstance(plan, dict) else {}
        for r in s.get("by_class", []):  # type: ignore[attr-defined]
            row = f"{r['area_class'] + ' areas':32s} {'':5s} {r['weight']:8,.0f} {_pct(r['share']):>8s}"
            if r["area_class"] in plan_classes:
                row += f" {_pct(plan_classes[r['area_class']]['share']):>8s}"
            lines.append(row)
    fac = s.get("facility")
    if isinstance(fac, dict) and "total_gbp" in fac:
        lines.append(f"annual cost £{fac['total_gbp']:,.0f}: {fac['bases']} bases £{fac['opening_gbp']:,.0f}, "
                     f"travel £{fac['travel_gbp']:,.0f} at £{fac['travel_gbp_per_minute']:g} per unit of need "
                     "per minute a year")
    elif isinstance(fac, dict):
        lines.append(f"need covered at least once: {_pct(fac['need_covered_once_share'])}; at least twice: "
                     f"{_pct(fac['need_covered_twice_share'])}")
    extra = equity_and_rules_text(s)
    return "\n".join(lines) + ("\n" + extra if extra else "")


def rules_summary(case: Case, matrix: TravelMatrix, request: SolveRequest, kind: ModelKind, result: Result,
                  plan: siting.Plan | None) -> dict[str, object]:
    """Which rules applied; for a rule set, what it costs: the optimum without it next to the one with it."""
    r = request.rules
    out: dict[str, object] = {
        "name": r.name, "description": r.description or "no rule set (any building may be a base)",
        "min_per_district": r.min_per_district, "max_per_district": r.max_per_district,
        "must_keep": list(r.must_keep), "must_close": list(r.must_close),
        "excluded_sites": len(r.excluded),
        "flagged_bases": [{"id": s, "why": r.flagged[s]} for s in (case.sites.ids[j] for j in result.selected)
                          if s in r.flagged],
    }
    if plan is not None and r.excluded:
        out["plan_in_hand_excluded"] = [{"id": s, "why": r.excluded[s]} for s in plan.site_ids if s in r.excluded]
    if r.name == "none" or not result.has_solution:
        return out
    free = SiteRules(must_keep=tuple(s for s in r.must_keep), must_close=r.must_close)
    minimised = DEFINITIONS[kind].count is CountRule.MINIMISED
    counted = request.bases if isinstance(request.bases, int) and not minimised else None
    problem = facility_problem(case, matrix, model=kind, bases=counted,
                               minutes=request.minutes, rules=free, options=request.facility,
                               require_cover=request.require_cover)
    other = solve(problem, solver=request.solver, options=request.options)
    if other.has_solution:
        sign = 1.0 if problem.maximise else -1.0
        out["cost"] = {
            "objective_with_rules": result.objective, "objective_without_rules": other.objective,
            "status_without_rules": other.status.value,
            "cost": sign * (other.objective - result.objective),
            "cost_note": ("how much better the model's objective is without the rule set "
                          "(0: the rules cost nothing at this number of bases)"),
            "bases_without_rules": [case.sites.ids[j] for j in other.selected],
            "ruled_out_bases_without_rules": [case.sites.ids[j] for j in other.selected
                                              if case.sites.ids[j] in r.excluded],
        }
    return out


def add_equity(case: Case, matrix: TravelMatrix, request: SolveRequest, summary: dict[str, object],
               bases: Sequence[str] | None, plan: siting.Plan | None) -> None:
    """Equity (:mod:`siting.equity`) of the optimum and of the plan in hand, into ``summary``."""
    if bases:
        summary["equity"] = equity(case, matrix, list(bases), minutes=request.minutes).as_dict()
    if plan is not None and isinstance(summary.get("plan_in_hand"), dict):
        summary["plan_in_hand"]["equity"] = equity(case, matrix, plan.site_ids,  # type: ignore[index]
                                                   minutes=request.minutes).as_dict()


def rules_brief(request: SolveRequest, case: Case, bases: Sequence[str]) -> dict[str, object]:
    """Which rules applied (no cost: for models that measure the rules' cost elsewhere)."""
    r = request.rules
    return {"name": r.name, "description": r.description or "no rule set (any building may be a base)",
            "min_per_district": r.min_per_district, "max_per_district": r.max_per_district,
            "excluded_sites": len(r.excluded),
            "flagged_bases": [{"id": s, "why": r.flagged[s]} for s in bases if s in r.flagged]}


def equity_and_rules_text(s: dict[str, object]) -> str:
    """The rules and equity lines of a summary (empty when it has neither)."""
    lines = rules_text(s)
    eq = equity_from_dict(s.get("equity"))
    if eq is not None:
        plan = s.get("plan_in_hand")
        plan_eq = equity_from_dict(plan.get("equity")) if isinstance(plan, dict) else None
        lines += ["", equity_text(eq, plan_eq, plan_name=str(plan["name"]) if isinstance(plan, dict) else "plan")]
    return "\n".join(lines)


def rules_text(s: dict[str, object]) -> list[str]:
    """Terminal lines for the ``rules`` part of a summary."""
    r = s.get("rules")
    if not isinstance(r, dict):
        return []
    lines = [f"rules: {r['name']} ({r['description']})"]
    cost = r.get("cost")
    if isinstance(cost, dict):
        lines.append(f"  what the rules cost: objective {cost['objective_with_rules']:.6g} with them, "
                     f"{cost['objective_without_rules']:.6g} without ({cost['status_without_rules']}); "
                     f"without them the optimum keeps {len(cost['ruled_out_bases_without_rules'])} "
                     f"site(s) the rules rule out"
                     + (f": {', '.join(cost['ruled_out_bases_without_rules'])}"
                        if cost["ruled_out_bases_without_rules"] else ""))
    for f in r.get("flagged_bases") or []:
        lines.append(f"  flagged base {f['id']}: {f['why']}")
    for f in r.get("plan_in_hand_excluded") or []:
        lines.append(f"  plan in hand keeps {f['id']}, which the rules rule out: {f['why']}")
    return lines


def equity_from_dict(d: object) -> Equity | None:
    """An :class:`Equity` back from its ``as_dict`` form (``None`` if absent)."""
    if not isinstance(d, dict):
        return None

    def groups(key: str) -> tuple[GroupEquity, ...]:
        return tuple(GroupEquity(str(g["group"]), int(g["areas"]), float(g["need"]), float(g["covered_share"]),
                                 float(g["mean_minutes"]), float(g["worst_minutes"])) for g in d.get(key) or [])

    return Equity(float(d["minutes"]), groups("by_idaci_quintile"), groups("by_rural_urban_class"),
                  str(d.get("quintile_note", "")))


def refuse_infeasible(outcome: Outcome, *, source: str) -> None:
    """A model the user's options make infeasible is a user mistake: one line naming why, exit 2, no output.

    (Sweeps record infeasible jobs as rows instead; only single solves refuse.)
    """
    if outcome.summary.get("status") == Status.INFEASIBLE.value:
        raise InputError(f"infeasible: {outcome.summary.get('message', '')}", source=source)


def refuse_without_solution(outcome: Outcome, *, source: str) -> None:
    """Infeasible options are a user mistake (:func:`refuse_infeasible`, exit 2); no solution within the limits
    is :class:`~siting.errors.NoSolutionError` (exit 3); a failed or unverified solve is
    :class:`~siting.errors.SolveFailedError` (exit 1). Any status with a solution passes."""
    refuse_infeasible(outcome, source=source)
    result = outcome.result
    if result is None or result.has_solution:
        return
    status, message = outcome.summary.get("status"), outcome.summary.get("message") or ""
    if status == Status.ERROR.value:
        raise SolveFailedError(f"{source}: the solver failed: {message}")
    raise NoSolutionError(f"no solution within the limits ({status}: {message or 'no solution found'})",
                          source=source)


def write_outcome(outcome: Outcome, out_dir: Path, *, extra_files: dict[str, str] | None = None) -> None:
    """Write ``summary.json``, the tables and ``solution.gpkg`` to ``out_dir``, atomically.

    Tables go through :func:`siting.tables.write_tables`: ``NAME.csv`` rounded for people with units in the column
    names, ``NAME.parquet`` at full precision (GeoParquet where the table is a map layer), the layers in
    ``solution.gpkg``.
    """
    with atomic_dir(out_dir) as tmp:
        write_json(tmp / "summary.json", outcome.summary)
        write_tables(tmp, outcome.tables, layers=outcome.geo)
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        for name, data in outcome.files.items():
            (tmp / name).write_bytes(data)

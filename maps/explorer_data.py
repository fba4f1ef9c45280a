r"""The plan explorer's data and its Python reference figures (definitions: ``docs/explorer.md``).

The page evaluates plans in JavaScript from compact data: the travel times as sparse pairs within a
cut-off (CSR by area, little-endian typed arrays in base64), the areas' need weights as JSON numbers
(a float64 round-trips exactly through JSON), the equity groups, the budget model and the exact
optima per number of bases. :func:`reference_figures` computes the same figures in Python with
:func:`siting.coverage.evaluate`; the browser tests compare the two on random plans.

Equity groups: IDACI quintile within the case (1 = the most deprived fifth of the areas),

.. math:: q_i = \left\lfloor 5 r_i / n \right\rfloor + 1,

with :math:`r_i` the rank of area :math:`i` by IDACI score, highest first (ties in the case's
order), and the rural-urban class (``ruc``).

Keys of the optima: the page looks optima up by limit and number of bases, ``optima[minutes_key(T)][count_key(p)]``.
Both keys are written here only (:func:`minutes_key`, :func:`count_key`) and read in the page only by
``minutesKey``/``countKey`` in ``maps/assets/explorer.js``; the two follow one rule, stated in
``docs/explorer.md``: minutes as the shortest decimal that reads back as the same float64 (Python
``repr``, JavaScript ``String``; whole numbers without ``.0``), counts as decimal integers.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.budget import FRONTLINE, split
from siting.coverage import CoverageSummary, evaluate
from siting.domain import Case, Plan, TravelMatrix
from siting.errors import InputError
from siting.problems import SiteRules

#: Default cut-off of the sparse travel times, minutes (pairs beyond it count as unreachable).
DEFAULT_CUTOFF_MINUTES = 120.0
UNKNOWN = "unknown"


def minutes_key(minutes: float) -> str:
    """The key of a travel-time limit in the page's optima: ``20`` -> ``"20"``, ``17.5`` -> ``"17.5"``.

    The shortest decimal that reads back as the same float64, whole numbers without ``.0``: the
    same text as JavaScript's ``String(x)`` for every limit a page offers (``minutesKey`` in
    ``maps/assets/explorer.js``). Not ``f"{x:g}"``, which keeps 6 significant digits
    (``f"{20.123456789:g}"`` is ``"20.1235"``, a key the page would never find).
    """
    x = float(minutes)
    if not math.isfinite(x):
        raise ValueError(f"a limit must be finite, got {x}")
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    text = repr(x)
    if "e" in text:  # not a limit anyone types; JavaScript writes exponents differently, refuse loudly
        raise ValueError(f"limit {x} has no plain decimal key")
    return text


def count_key(bases: int) -> str:
    """The key of a number of bases in the page's optima (``countKey`` in ``maps/assets/explorer.js``)."""
    return str(int(bases))


@dataclass(frozen=True)
class Optimum:
    """An exact MCLP optimum: ``bases`` (site ids) covering ``need_covered`` within ``minutes``."""

    minutes: float
    bases: tuple[str, ...]
    need_covered: float
    status: str


def idaci_quintiles(idaci: Sequence[float] | NDArray[np.float64]) -> list[str]:
    """Quintile labels ``"1"`` (most deprived) to ``"5"``, or ``unknown`` without a score."""
    v = np.asarray(idaci, dtype=np.float64)
    known = np.flatnonzero(np.isfinite(v))
    out = [UNKNOWN] * len(v)
    order = known[np.argsort(-v[known], kind="stable")]
    n = len(order)
    for r, i in enumerate(order):
        out[int(i)] = str(5 * r // n + 1)
    return out


def cut_matrix(matrix: TravelMatrix, cutoff_minutes: float) -> TravelMatrix:
    """``matrix`` with every time above ``cutoff_minutes`` made unreachable (``inf``)."""
    t = np.asarray(matrix.minutes, dtype=np.float32)
    cut = np.where(t <= cutoff_minutes, t, np.float32(np.inf)).astype(np.float32)
    return TravelMatrix(cut, matrix.demand_ids, matrix.site_ids, matrix.source)


def sparse_pairs(matrix: TravelMatrix, cutoff_minutes: float) -> tuple[NDArray[np.int32], NDArray[np.int32],
                                                                       NDArray[np.float32]]:
    """CSR by area of the pairs within the cut-off: ``(row pointer, site index, minutes)``."""
    t = np.asarray(matrix.minutes, dtype=np.float32)
    mask = t <= cutoff_minutes
    rows, cols = np.nonzero(mask)
    ptr = np.zeros(t.shape[0] + 1, dtype=np.int32)
    np.cumsum(mask.sum(axis=1), out=ptr[1:])
    return ptr, cols.astype(np.int32), t[rows, cols].astype(np.float32)


def b64(array: NDArray[Any]) -> str:
    """Little-endian bytes of ``array`` in base64 (read in the page as a typed array)."""
    return base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()).decode()


def budget_model(case: Case) -> dict[str, Any] | None:
    """The linear budget model of ``docs/explorer.md`` for the case, or ``None`` without two budgets."""
    from siting.outreach import case_calibration, planned_budget

    planned = planned_budget(case)
    if planned is None:
        return None
    try:
        cal = case_calibration(case)
    except InputError:
        return None
    c = cal.costs
    return {"name": planned.name, "total_gbp": planned.total_gbp,
            "management_central_gbp": c.management_central_gbp, "management_per_base_gbp": c.management_per_base_gbp,
            "building_central_gbp": c.building_central_gbp, "building_per_base_gbp": c.building_per_base_gbp,
            "family_support_share": cal.family_support_share, "contingency_share": cal.contingency_share}


def budget_split(model: dict[str, Any], bases: int) -> dict[str, float]:
    """Pounds per category and ``frontline_share`` with ``bases`` kept (:func:`siting.budget.split`)."""
    from siting.budget import OverheadCosts

    costs = OverheadCosts(building_per_base_gbp=model["building_per_base_gbp"],
                          management_per_base_gbp=model["management_per_base_gbp"],
                          building_central_gbp=model["building_central_gbp"],
                          management_central_gbp=model["management_central_gbp"])
    parts = split(model["total_gbp"], bases, costs, family_support_share=model["family_support_share"],
                  contingency_share=model["contingency_share"])
    return {**parts, "frontline_share": parts[FRONTLINE] / model["total_gbp"]}


def compute_optima(case: Case, matrix: TravelMatrix, *, limits: Iterable[float], counts: Iterable[int],
                   rules: SiteRules | None = None,
                   progress: Callable[[int, int], None] | None = None) -> list[Optimum]:
    """Exact MCLP optima for every limit and number of bases (solved with ``solvers``, verified).

    ``rules``: the scenario's site rules (rule set, must keep/close, per-district limits), obeyed by
    every optimum. Only proven optima are returned: a run stopped early, or a count the rules make
    infeasible, is left out (the page then says no optimum was computed rather than show a wrong one).
    """
    from siting.problems import build_problem
    from solvers import solve

    jobs = [(float(m), int(p)) for m in sorted(set(limits)) for p in sorted(set(counts))]
    out = []
    for k, (m, p) in enumerate(jobs):
        result = solve(build_problem(case, matrix, model="mclp", bases=p, minutes=m, rules=rules or SiteRules()))
        if result.status.value == "optimal" and result.verified:
            bases = tuple(case.sites.ids[j] for j in sorted(result.selected))
            covered = evaluate(case, matrix, bases, minutes=m).need_covered
            out.append(Optimum(m, bases, covered, result.status.value))
        if progress is not None:
            progress(k + 1, len(jobs))
    return out


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def explorer_data(case: Case, matrix: TravelMatrix, *, initial_bases: Sequence[str], minutes: float,
                  limits: Sequence[float], optima: Sequence[Optimum] = (),
                  cutoff_minutes: float = DEFAULT_CUTOFF_MINUTES, title: str = "",
                  solutions: Sequence[tuple[str, Sequence[str], float]] = (), plan: Plan | None = None,
                  can_be_base: Sequence[bool] | None = None, ruled_out: dict[str, str] | None = None,
                  rules: str = "") -> dict[str, Any]:
    """Everything the page needs (JSON-able; texts raw, the page inserts them as text).

    Args:
        case, matrix: the case and its travel matrix.
        initial_bases: the plan shown first (the solution in hand).
        minutes: the travel-time limit shown first.
        limits: the limits offered in the page (those with optima first of all).
        optima: exact optima (:func:`compute_optima`).
        cutoff_minutes: pairs above it are left out and count as unreachable.
        title: the page title.
        solutions: other plans to offer (label, site ids, minutes), e.g. a sweep's solutions.
        plan: the plan in hand offered by the page (default: the case's first plan).
        can_be_base: per site, whether the page lets the user keep it (default: the case's buildings
            that can be bases; a scenario's rules rule more out).
        ruled_out: site id -> why it cannot be kept (shown in the page).
        rules: the rules the optima obey, in one sentence ('' without rules).
    """
    if not cutoff_minutes > 0:
        raise InputError(f"the cut-off must be positive, got {cutoff_minutes}", source="--cutoff-minutes")
    if minutes > cutoff_minutes:
        raise InputError(f"the travel-time limit {minutes:g} is above the cut-off {cutoff_minutes:g}",
                         source="--cutoff-minutes")
    d = case.demand.frame
    s = case.sites.frame
    districts = sorted(set(d["district"].astype(str)) | set(s["district"].astype(str)))
    dpos = {x: k for k, x in enumerate(districts)}
    ruc = d["ruc"].fillna(UNKNOWN).astype(str).tolist() if "ruc" in d else [UNKNOWN] * len(d)
    ruc_classes = sorted(set(ruc))
    idaci = d["idaci"].to_numpy(dtype=np.float64) if "idaci" in d else np.full(len(d), np.nan)
    ptr, site, mins = sparse_pairs(matrix, cutoff_minutes)
    pos = {sid: k for k, sid in enumerate(case.sites.ids)}
    plan = case.plan_in_hand if plan is None else plan
    allowed = [bool(x) for x in (case.sites.can_be_base if can_be_base is None else can_be_base)]
    if len(allowed) != len(case.sites):
        raise ValueError(f"can_be_base has {len(allowed)} entries for {len(case.sites)} sites")
    why = {**{s: "outreach venue: cannot be a base" for s, c in zip(case.sites.ids, case.sites.can_be_base,
                                                                     strict=True) if not c}, **(ruled_out or {})}

    def idx(ids: Iterable[str]) -> list[int]:
        return sorted(pos[b] for b in ids if b in pos)

    opt: dict[str, dict[str, Any]] = {}
    for o in optima:
        opt.setdefault(minutes_key(o.minutes), {})[count_key(len(o.bases))] = {"bases": idx(o.bases),
                                                                                "covered": o.need_covered}
    return {
        "title": title,
        "minutes": float(minutes),
        "limits": sorted({float(m) for m in limits} | {float(minutes)}),
        "cutoff": float(cutoff_minutes),
        "areas": {
            "ids": d["id"].astype(str).tolist(), "names": d["name"].fillna("").astype(str).tolist(),
            "district": [dpos[str(x)] for x in d["district"]], "weight": [float(w) for w in d["weight"]],
            "rural": [1 if r else 0 for r in d["rural"].to_numpy(dtype=bool)],
            "ruc": [ruc_classes.index(r) for r in ruc], "quintile": idaci_quintiles(idaci),
        },
        "districts": districts,
        "rucClasses": ruc_classes,
        "sites": {
            "ids": case.sites.ids, "names": s["name"].fillna("").astype(str).tolist(),
            "district": [dpos[str(x)] for x in s["district"]],
            "lat": [round(float(x), 6) for x in s["lat"]], "lon": [round(float(x), 6) for x in s["lon"]],
            "canBase": [1 if c else 0 for c in allowed],
            "why": [why.get(sid, "not allowed") if not ok else "" for sid, ok in zip(case.sites.ids, allowed,
                                                                                     strict=True)],
        },
        "rules": rules,
        "pairs": {"ptr": b64(ptr), "site": b64(site), "minutes": b64(mins), "count": len(site)},
        "initial": idx(initial_bases),
        "planInHand": {"name": plan.name, "description": plan.description, "bases": idx(plan.site_ids)}
        if plan else None,
        "solutions": [{"label": label, "bases": idx(b), "minutes": float(m)} for label, b, m in solutions],
        "optima": opt,
        "budget": budget_model(case),
        "provenance": case.provenance,
    }


def group_table(areas: pd.DataFrame, groups: Sequence[str], *, key: str) -> pd.DataFrame:
    """Need, need covered, share and need-weighted mean travel per group (``docs/explorer.md``)."""
    a = areas.assign(**{key: list(groups)})
    finite = np.isfinite(a["base_minutes"].to_numpy(dtype=np.float64))
    w = a["weight"].to_numpy(dtype=np.float64)
    a = a.assign(covered_weight=np.where(a["covered"], w, 0.0), fw=np.where(finite, w, 0.0),
                 wt=np.where(finite, w * np.where(finite, a["base_minutes"], 0.0), 0.0))
    g = a.groupby(key, as_index=False, sort=True)[["weight", "covered_weight", "fw", "wt"]].sum()
    g["share"] = g["covered_weight"] / g["weight"].where(g["weight"] > 0)
    g["mean_minutes"] = g["wt"] / g["fw"].where(g["fw"] > 0)
    return g.drop(columns=["fw", "wt"])


@dataclass(frozen=True)
class ReferenceFigures:
    """The Python figures of one plan, as the page shows them."""

    coverage: CoverageSummary
    quintiles: pd.DataFrame
    ruc: pd.DataFrame
    budget: dict[str, float] | None
    optimum_covered: float | None


def reference_figures(case: Case, matrix: TravelMatrix, bases: Sequence[str], *, minutes: float,
                      cutoff_minutes: float = DEFAULT_CUTOFF_MINUTES,
                      optima: Sequence[Optimum] = ()) -> ReferenceFigures:
    """The figures of ``bases`` with ``minutes`` computed in Python (the reference the page must equal)."""
    order = {sid: k for k, sid in enumerate(case.sites.ids)}
    ordered = sorted(bases, key=lambda b: order[b])
    cov = evaluate(case, cut_matrix(matrix, cutoff_minutes), ordered, minutes=minutes)
    d = case.demand.frame
    idaci = d["idaci"].to_numpy(dtype=np.float64) if "idaci" in d else np.full(len(d), np.nan)
    ruc = d["ruc"].fillna(UNKNOWN).astype(str).tolist() if "ruc" in d else [UNKNOWN] * len(d)
    model = budget_model(case)
    best = [o.need_covered for o in optima if o.minutes == minutes and len(o.bases) == len(bases)]
    return ReferenceFigures(cov, group_table(cov.areas, idaci_quintiles(idaci), key="group"),
                            group_table(cov.areas, ruc, key="group"),
                            budget_split(model, len(bases)) if model else None, best[0] if best else None)

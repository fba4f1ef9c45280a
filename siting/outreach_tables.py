"""Outreach plans as tables: per base, per area, per district and class, the budget, and plan differences."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.budget import CATEGORIES, FRONTLINE
from siting.domain import Case, TravelMatrix
from siting.outreach_params import OutreachParams, plan_problem
from solvers import Problem
from solvers.formulations.outreach import (
    Allocation,
    OutreachMeasures,
    allocate_for_bases,
    measure,
    spec_of,
)

# --- comparing plans -------------------------------------------------------------------------------


def site_differences(case: Case, matrix: TravelMatrix, params: OutreachParams, *, optimal_ids: Sequence[str],
                     plan_ids: Sequence[str], plan_name: str = "plan") -> pd.DataFrame:
    """What each site kept by one plan but not the other costs or gains.

    For every site in exactly one of the two plans: the change in contact hours and spare staff
    hours of the plan in hand if that one choice were reversed (the site added or dropped), and
    likewise for the optimal plan, with the site's overhead (staff hours it costs a year).
    """
    problem = plan_problem(case, matrix, params, model_floors=False)
    spec = spec_of(problem)
    ids = case.sites.ids
    frame = case.sites.frame

    def run(sel: Iterable[str]) -> tuple[float, float]:
        idx = sorted(ids.index(s) for s in sel)
        fa = allocate_for_bases(problem, idx)
        if fa.allocation is None:
            return math.nan, math.nan
        ms = measure(problem, idx, fa.allocation)
        return ms.contact_hours, ms.spare_staff_hours

    opt, plan = set(optimal_ids), set(plan_ids)
    base_opt, base_plan = run(opt), run(plan)
    rows = []
    for s in sorted(opt ^ plan, key=ids.index):
        j = ids.index(s)
        in_opt = s in opt
        plan_toggled = run(plan - {s} if s in plan else plan | {s})
        opt_toggled = run(opt - {s} if in_opt else opt | {s})
        rows.append({
            "id": s, "name": frame["name"].iloc[j], "district": frame["district"].iloc[j],
            "in_optimal": in_opt, f"in_{plan_name}": s in plan,
            "overhead_gbp": float(spec.base_cost_gbp[j]),
            "overhead_staff_hours": float(spec.base_cost_gbp[j] * spec.staff_hours_per_gbp),
            f"{plan_name}_delta_contact_hours": plan_toggled[0] - base_plan[0],
            f"{plan_name}_delta_spare_staff_hours": plan_toggled[1] - base_plan[1],
            "optimal_delta_contact_hours": opt_toggled[0] - base_opt[0],
            "optimal_delta_spare_staff_hours": opt_toggled[1] - base_opt[1],
        })
    return pd.DataFrame(rows)


# --- tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachTables:
    """A plan's outputs as tables.

    Attributes:
        bases: per kept base: staff, driving and contact hours, areas served, costs.
        areas: per area: need hours, served share, contact hours, serving base and drive.
        by_district: per district: bases, need and contact hours, served share.
        by_class: per rural/urban class: need and contact hours, served share.
        worst_served: the areas with the lowest served share (then the most unmet need).
        budget: the budget split: category, amount, share.
    """

    bases: pd.DataFrame
    areas: pd.DataFrame
    by_district: pd.DataFrame
    by_class: pd.DataFrame
    worst_served: pd.DataFrame
    budget: pd.DataFrame


def tables(case: Case, problem: Problem, selected: Sequence[int], allocation: Allocation,
           measures: OutreachMeasures, *, worst: int = 10) -> OutreachTables:
    """Interpret ``allocation`` for ``case`` as tables."""
    spec = spec_of(problem)
    sites = case.sites.frame
    sel = sorted(int(j) for j in selected)
    bases = pd.DataFrame({
        "id": sites["id"].iloc[sel].to_numpy(), "name": sites["name"].iloc[sel].to_numpy(),
        "district": sites["district"].iloc[sel].to_numpy(), "kind": sites["kind"].iloc[sel].to_numpy(),
        "lon": sites["lon"].iloc[sel].to_numpy(), "lat": sites["lat"].iloc[sel].to_numpy(),
        "staff_hours": measures.base_staff_hours[sel], "driving_hours": measures.base_driving_hours[sel],
        "contact_hours": measures.base_contact_hours[sel], "areas_served": measures.base_areas[sel],
        "staff_posts": measures.base_staff_hours[sel] / spec.productive_hours_per_post,
        "building_cost_gbp": np.asarray(spec.building_cost_gbp)[sel],
        "management_cost_gbp": np.asarray(spec.management_cost_gbp)[sel],
    })
    demand = case.demand.frame
    h = np.asarray(spec.need_hours, dtype=np.float64)
    a, j, x = allocation
    n = len(demand)
    main = np.full(n, -1, dtype=np.int64)
    if a.size:
        order = np.lexsort((-x, a))
        first = np.ones(order.size, dtype=bool)
        first[1:] = a[order][1:] != a[order][:-1]
        main[a[order[first]]] = j[order[first]]
    cost = np.asarray(problem.cost, dtype=np.float64)
    drive = np.where(main >= 0, cost[np.arange(n), np.clip(main, 0, None)], np.nan)
    ids = np.asarray(case.sites.ids, dtype=object)
    areas = pd.DataFrame({
        "id": demand["id"], "name": demand["name"], "district": demand["district"], "rural": demand["rural"],
        "children_0_4": demand["children_0_4"], "idaci": demand["idaci"], "weight": demand["weight"],
        "need_hours": h, "served_share": measures.served, "contact_hours": h * measures.served,
        "unmet_hours": h * (1 - measures.served),
        "serving_base": [ids[k] if k >= 0 else None for k in main.tolist()],
        "drive_minutes": drive,
    })
    counts = pd.Series(sites["district"].iloc[sel].to_numpy()).value_counts()
    by_district = areas.groupby("district", as_index=False)[["need_hours", "contact_hours"]].sum()
    by_district["served_share"] = by_district["contact_hours"] / by_district["need_hours"].where(
        by_district["need_hours"] > 0)
    by_district.insert(1, "bases", by_district["district"].map(counts).fillna(0).astype(int))
    by_class = (areas.assign(area_class=np.where(areas["rural"], "rural", "urban"))
                .groupby("area_class", as_index=False)[["need_hours", "contact_hours"]].sum())
    by_class["served_share"] = by_class["contact_hours"] / by_class["need_hours"].where(by_class["need_hours"] > 0)
    worst_served = (areas[areas["need_hours"] > 0]
                    .sort_values(["served_share", "unmet_hours"], ascending=[True, False])
                    .head(worst)[["id", "name", "district", "rural", "need_hours", "served_share", "unmet_hours",
                                  "serving_base", "drive_minutes"]])
    total = sum(measures.budget_gbp.values())
    budget = pd.DataFrame({"category": list(CATEGORIES),
                           "amount_gbp": [measures.budget_gbp[k] for k in CATEGORIES],
                           "share": [measures.budget_gbp[k] / total for k in CATEGORIES]})
    return OutreachTables(bases, areas, by_district, by_class, worst_served, budget)


def budget_dict(measures: OutreachMeasures) -> dict[str, object]:
    """The budget split for a summary: total, amounts and shares by category, frontline share."""
    total = sum(measures.budget_gbp.values())
    return {"total_gbp": total, "amounts_gbp": dict(measures.budget_gbp),
            "shares": {k: v / total for k, v in measures.budget_gbp.items()},
            "frontline_share": measures.budget_gbp[FRONTLINE] / total,
            "staff_hours_available": measures.staff_hours_available}


__all__ = ["OutreachTables", "budget_dict", "site_differences", "tables"]

"""The outreach frontier: each point against brute force and the checker, the families' access, the recommendation rule.

The small cases are synthetic (a few areas and sites on a grid, minutes proportional to distance)
so that every set of bases can be enumerated; the recommendation rule is tested on hand-made
frontier tables.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from siting.budget import OverheadCosts
from siting.domain import Budget, Case, DemandAreas, Plan, Sites, TravelMatrix
from siting.outreach import POLISH_REL, OutreachParams, outreach_problem, with_spec
from siting.outreach_frontier import (
    families_access,
    frame_gains,
    frontier,
    frontier_frame,
    mark_efficient,
    recommend,
    worst_case_gain,
)
from siting.problems import SiteRules
from solvers import make_problem, solve
from solvers.check import evaluate
from solvers.formulations.outreach import OutreachSpec, access_share


def small_case(seed: int, *, n: int = 12, m: int = 6) -> tuple[Case, TravelMatrix]:
    """``n`` areas and ``m`` sites on a 40 x 40 km square; one minute per km plus two; two districts."""
    rng = np.random.default_rng(seed)
    ax, ay = rng.uniform(0, 40_000, n), rng.uniform(0, 40_000, n)
    sx, sy = rng.uniform(0, 40_000, m), rng.uniform(0, 40_000, m)
    children = rng.integers(5, 60, n).astype(float)
    demand = DemandAreas(pd.DataFrame({
        "id": [f"A{i}" for i in range(n)], "name": [f"area {i}" for i in range(n)], "lon": 0.0, "lat": 0.0,
        "x_m": ax, "y_m": ay, "district": ["west" if x < 20_000 else "east" for x in ax], "ruc": "x",
        "rural": rng.random(n) < 0.5, "children_0_4": children, "idaci": rng.uniform(0, 0.4, n), "weight": children,
    }))
    sites = Sites(pd.DataFrame({
        "id": [f"S{j}" for j in range(m)], "name": [f"site {j}" for j in range(m)], "lon": 0.0, "lat": 0.0,
        "x_m": sx, "y_m": sy, "district": ["west" if x < 20_000 else "east" for x in sx], "kind": "building",
        "suitable_base": True, "running_cost_gbp": np.nan,
    }))
    minutes = 2.0 + np.hypot(ax[:, None] - sx[None, :], ay[:, None] - sy[None, :]) / 1000.0
    case = Case("small", demand, sites, {"plan": Plan("plan", ("S0", "S1"))},
                {"b": Budget("b", {"frontline_delivery": 1.0}, 2)})
    return case, TravelMatrix(minutes, tuple(demand.ids), tuple(sites.ids))


def small_params(**changes: object) -> OutreachParams:
    """Money such that 1-4 bases keep a 60% frontline floor and staff hours bind with few, far bases."""
    base = OutreachParams(budget_gbp=60_000.0, overheads=OverheadCosts(building_per_base_gbp=2_000.0,
                                                                       management_per_base_gbp=3_500.0),
                          family_support_share=0.0, contingency_share=0.0, session_minutes=60.0,
                          max_drive_minutes=25.0)
    return replace(base, **changes)  # type: ignore[arg-type]


def brute_point(case: Case, matrix: TravelMatrix, params: OutreachParams, p: int, *, access_minutes: float,
                rules: SiteRules | None = None) -> tuple[float, float, float] | None:
    """(contact hours, access share, spare staff hours) of the lexicographic optimum, by enumeration + the checker."""
    problem = outreach_problem(case, matrix, params, bases=p, rules=rules)
    allowed = [j for j in range(problem.m) if problem.open_allowed()[j]]
    plans = []
    for sel in itertools.combinations(allowed, p):
        ev = evaluate(problem, list(sel))
        if ev.feasible:
            plans.append((sel, ev.objective))
    if not plans:
        return None
    c_best = max(c for _, c in plans)
    floor = c_best * (1 - POLISH_REL)
    w = case.demand.weight

    def access(sel: tuple[int, ...]) -> float:  # written out: no shared code with the model
        reached = [i for i in range(problem.n) if min(matrix.minutes[i, j] for j in sel) <= access_minutes]
        return float(w[reached].sum() / w.sum())

    top = [sel for sel, c in plans if c >= floor]
    a_best = max(access(sel) for sel in top)
    spare_problem = with_spec(problem, objective="spare", min_weighted_hours=floor, access_minutes=access_minutes)
    spares = [evaluate(spare_problem, list(sel)) for sel in top if access(sel) >= a_best - 1e-12]
    s_best = max(ev.objective for ev in spares if ev.feasible)
    return c_best, a_best, s_best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_frontier_points_match_brute_force(seed: int) -> None:
    case, matrix = small_case(seed)
    params = small_params()
    points = frontier(case, matrix, params, counts=range(1, 6), access_minutes=12.0)
    for pt in points:
        want = brute_point(case, matrix, params, pt.bases, access_minutes=12.0)
        if want is None:
            assert not pt.has_plan and pt.status == "infeasible", pt
            continue
        assert pt.status == "optimal" and pt.has_plan, pt
        assert pt.contact_hours == pytest.approx(want[0], rel=1e-6)
        assert pt.access_share == pytest.approx(want[1], abs=1e-9)
        assert pt.spare_staff_hours == pytest.approx(want[2], rel=1e-6, abs=1e-6)
        assert pt.spare_posts == pytest.approx(want[2] / params.productive_hours_per_post, rel=1e-6, abs=1e-9)
        # the plan passes the independent checker under every stage's constraints
        assert pt.solved is not None
        problem = pt.solved.problem
        final = with_spec(problem, objective="spare", min_weighted_hours=want[0] * (1 - POLISH_REL),
                          access_minutes=12.0, min_access_share=want[1] - 1e-9)
        ev = evaluate(final, list(pt.solved.selected))
        assert ev.feasible, ev.reason
        assert ev.objective == pytest.approx(pt.spare_staff_hours, rel=1e-6, abs=1e-6)
    # more bases than the floor allows: proven infeasible without a solve
    assert any(not pt.has_plan for pt in points)


def test_frontier_honours_site_rules() -> None:
    case, matrix = small_case(4)
    params = small_params()
    rules = SiteRules(must_close=("S2",), min_per_district=1)
    points = frontier(case, matrix, params, counts=range(2, 5), access_minutes=12.0, rules=rules)
    for pt in points:
        want = brute_point(case, matrix, params, pt.bases, access_minutes=12.0, rules=rules)
        assert (want is None) == (not pt.has_plan)
        if want is None:
            continue
        assert "S2" not in pt.site_ids
        districts = {case.sites.frame.set_index("id").loc[s, "district"] for s in pt.site_ids}
        assert districts == {"west", "east"}
        assert pt.access_share == pytest.approx(want[1], abs=1e-9)
        assert pt.spare_staff_hours == pytest.approx(want[2], rel=1e-6, abs=1e-6)


def test_access_objective_against_the_checker_and_backends() -> None:
    case, matrix = small_case(5)
    problem = outreach_problem(case, matrix, small_params(), bases=3)
    access = with_spec(problem, objective="access", access_minutes=10.0)
    results = {s: solve(access, solver=s) for s in ("highs", "cbc")}
    for s, r in results.items():
        assert r.status.value == "optimal" and r.verified, (s, r.message)
    assert results["highs"].objective == pytest.approx(results["cbc"].objective, abs=1e-9)
    best = max(access_share(access, list(sel)) for sel in itertools.combinations(range(problem.m), 3)
               if evaluate(access, list(sel)).feasible)
    assert results["highs"].objective == pytest.approx(best, abs=1e-9)
    # an access floor above what any 3 bases reach is infeasible
    over = with_spec(problem, objective="hours", access_minutes=10.0, min_access_share=min(1.0, best + 0.01))
    assert solve(over, solver="highs").status.value == "infeasible"


def test_families_access_by_hand() -> None:
    w = np.array([1.0, 2.0, 3.0, 0.0])
    t = np.array([[5.0, 30.0], [18.0, 21.0], [40.0, 22.5], [1.0, 1.0]])
    fam = families_access(w, t, [0, 1], access_minutes=20.0, error_minutes=3.0)
    # nearest: 5, 18, 22.5 (and 1 for the area without need)
    assert fam.share == pytest.approx(3 / 6)
    assert fam.share_low == pytest.approx(1 / 6)  # within 17
    assert fam.share_high == pytest.approx(1.0)  # within 23
    assert fam.mean_minutes == pytest.approx((5 + 2 * 18 + 3 * 22.5) / 6)
    assert fam.worst_minutes == pytest.approx(22.5)


def test_worst_case_gain_by_hand() -> None:
    # X = 20, e = 3: within means <= 17 for sure, > 23 out for sure
    w = np.ones(5)
    t = np.array([
        [10.0, 40.0, 40.0],  # B (sites 0, 1) reaches it surely, W (site 2) does not: +1
        [40.0, 21.0, 40.0],  # B reaches it at 21 (could be out), W not at all: could be equal -> 0
        [19.0, 40.0, 19.0],  # shared... no: B via site 0 at 19, W via site 2 at 19: both in possible -> 0
        [40.0, 40.0, 15.0],  # only W reaches it, surely: -1
        [40.0, 30.0, 22.0],  # W at 22 (could be in), B beyond 23: B can lose it -> -1
    ])
    assert worst_case_gain(w, t, [0, 1], [2], access_minutes=20.0, error_minutes=3.0) == pytest.approx(-2 / 5)
    # a base both plans keep moves the same way for both: no loss can be made up from it
    t2 = np.array([[19.0, 40.0], [19.0, 40.0]])
    assert worst_case_gain(np.ones(2), t2, [0, 1], [0], access_minutes=20.0, error_minutes=3.0) == 0.0
    assert worst_case_gain(np.ones(2), t2, [0], [0, 1], access_minutes=20.0, error_minutes=3.0) == 0.0
    # with no error the gain is the estimated difference
    est = access_share_of(t, [0, 1]) - access_share_of(t, [2])
    assert worst_case_gain(w, t, [0, 1], [2], access_minutes=20.0, error_minutes=0.0) == pytest.approx(est)


def access_share_of(t: np.ndarray, sel: list[int]) -> float:
    return float(np.mean(t[:, sel].min(axis=1) <= 20.0))


def table(rows: list[tuple[int, float, float]], *, floor_from: int | None = None,
          contact: dict[int, float] | None = None) -> pd.DataFrame:
    """A hand-made frontier: (bases, access share, spare posts) rows; counts from ``floor_from`` break the floor."""
    out = []
    for b, a, s in rows:
        ok = floor_from is None or b < floor_from
        out.append({"bases": b, "status": "optimal" if ok else "infeasible", "has_plan": ok,
                    "meets_frontline_floor": ok, "contact_hours": (contact or {}).get(b, 100.0) if ok else math.nan,
                    "access_share": a if ok else math.nan, "spare_posts": s if ok else math.nan,
                    "site_ids": ""})
    return pd.DataFrame(out)


def test_recommendation_single_count() -> None:
    f = table([(4, 0.50, 12.0), (5, 0.60, 10.0), (6, 0.70, 8.0), (7, 0.0, 0.0)], floor_from=7)
    gains = {(a, b): 0.05 * (a - b) for a in (4, 5, 6) for b in (4, 5, 6) if a != b}  # every step significant
    rec = recommend(f, gains=gains, access_minutes=20.0, error_minutes=2.8)
    assert rec.bases == 6 and rec.equally_good == (6,) and not rec.is_range
    assert rec.sentence.startswith("Recommend 6 bases") and "7 or more bases break the frontline floor" in rec.sentence


def test_recommendation_range_goes_to_the_most_spare_posts() -> None:
    f = table([(4, 0.50, 12.0), (5, 0.60, 10.0), (6, 0.70, 8.0)])
    gains = {(a, b): 0.05 * (a - b) for a in (4, 5, 6) for b in (4, 5, 6) if a != b}
    gains[(6, 5)] = -0.01  # 6 is not significantly better than 5
    rec = recommend(f, gains=gains)
    assert rec.equally_good == (5, 6) and rec.bases == 5 and (rec.low, rec.high) == (5, 6)
    assert "one of 5 to 6" in rec.sentence and "10.0" in rec.sentence


def test_flat_frontier_reports_a_range_not_a_count() -> None:
    f = table([(8, 0.9, 5.0), (9, 0.9, 5.0), (10, 0.9, 5.0), (11, 0.9, 5.0)])
    rec = recommend(f, gains={(a, b): 0.0 for a in range(8, 12) for b in range(8, 12) if a != b})
    assert rec.bases is None and rec.equally_good == (8, 9, 10, 11) and (rec.low, rec.high) == (8, 11)
    assert rec.sentence.startswith("No single number: 8 to 11 bases")
    # without the error allowance (no gains) it is the same: equal access, equal spare posts
    assert recommend(f).bases is None


def test_dominated_and_ineligible_counts_are_never_recommended() -> None:
    # 5 serves less need than the others; 7 is dominated by 6 (less access and fewer spare posts)
    f = table([(5, 0.95, 30.0), (6, 0.80, 10.0), (7, 0.78, 9.0), (8, 0.85, 6.0)], contact={5: 90.0})
    framed = mark_efficient(f)
    assert list(framed["eligible"]) == [False, True, True, True]
    assert list(framed["efficient"]) == [False, True, False, True]
    rec = recommend(f)  # no gains: estimated differences decide, so 8 is better for families than 6
    assert rec.bases == 8 and rec.equally_good == (8,)
    assert recommend(f, min_spare_posts=7.0).bases == 6  # the epsilon on the service's side
    assert recommend(f, min_spare_posts=50.0).bases is None


def test_frame_gains_on_a_frontier() -> None:
    case, matrix = small_case(6)
    points = frontier(case, matrix, small_params(), counts=range(1, 5), access_minutes=12.0)
    frame = frontier_frame(points)
    gains = frame_gains(case.demand.weight, matrix.minutes, case.sites.ids, frame, access_minutes=12.0,
                        error_minutes=0.0)
    acc = frame.set_index("bases")["access_share"]
    for (a, b), g in gains.items():
        assert g == pytest.approx(acc[a] - acc[b], abs=1e-12)
    # with an error allowance a gain can only shrink
    wide = frame_gains(case.demand.weight, matrix.minutes, case.sites.ids, frame, access_minutes=12.0,
                       error_minutes=2.8)
    assert all(wide[k] <= gains[k] + 1e-12 for k in gains)


def test_access_is_reported_in_the_spec_checker() -> None:
    spec = OutreachSpec(need_hours=np.array([10.0, 10.0]), hour_weight=np.ones(2), rural=np.zeros(2, bool),
                        building_cost_gbp=np.zeros(2), management_cost_gbp=np.zeros(2), budget_gbp=1e6,
                        cost_per_post_gbp=1000.0, productive_hours_per_post=100.0, session_minutes=60.0,
                        max_drive_minutes=60.0, objective="access", access_minutes=15.0)
    problem = make_problem("outreach", [1.0, 3.0], [[10.0, 50.0], [20.0, 5.0]], p=1, extra=spec)
    assert evaluate(problem, [0]).objective == pytest.approx(0.25)
    assert evaluate(problem, [1]).objective == pytest.approx(0.75)
    r = solve(problem, solver="highs")
    assert r.selected == (1,) and r.objective == pytest.approx(0.75)

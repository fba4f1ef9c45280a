"""Robustness of the outreach recommendation: the tornado recomputed independently, sampled sites, calibrations."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pandas as pd
import pytest

from scenarios.outreach_robust import RobustnessSettings, robustness
from siting.domain import Budget, Case
from siting.outreach import POLISH_REL, outreach_problem, with_spec
from siting.outreach_frontier import frame_gains, frontier, frontier_frame, recommend
from siting.outreach_robust import PARAMETERS, calibration_params, resolved, sample_tasks, scaled, tornado_tasks
from siting.problems import SiteRules
from solvers import SolveOptions
from solvers.check import evaluate
from tests.test_outreach_frontier import small_case, small_params

ACCESS = 12.0


def brute_frontier(case, matrix, params, counts, *, access_minutes):  # type: ignore[no-untyped-def]
    """A frontier table by enumeration and the independent checker (no MIP)."""
    rows = []
    w = case.demand.weight
    for p in counts:
        problem = outreach_problem(case, matrix, params, bases=p)
        spec = problem.extra
        plans = [(sel, evaluate(problem, list(sel))) for sel in itertools.combinations(range(problem.m), p)]
        plans = [(sel, ev.objective) for sel, ev in plans if ev.feasible]
        if not plans:
            rows.append({"bases": p, "status": "infeasible", "has_plan": False, "meets_frontline_floor": False,
                         "contact_hours": float("nan"), "access_share": float("nan"),
                         "spare_posts": float("nan"), "site_ids": ""})
            continue
        c_best = max(c for _, c in plans)
        top = [sel for sel, c in plans if c >= c_best * (1 - POLISH_REL)]

        def access(sel, n=problem.n):  # type: ignore[no-untyped-def]
            return sum(w[i] for i in range(n) if matrix.minutes[i, list(sel)].min() <= access_minutes) / w.sum()

        a_best = max(access(sel) for sel in top)
        spare_problem = with_spec(problem, objective="spare", min_weighted_hours=c_best * (1 - POLISH_REL))
        best = max(((sel, evaluate(spare_problem, list(sel)).objective) for sel in top
                    if access(sel) >= a_best - 1e-12), key=lambda t: t[1])
        rows.append({"bases": p, "status": "optimal", "has_plan": True, "meets_frontline_floor": True,
                     "contact_hours": c_best, "access_share": a_best,
                     "spare_posts": best[1] / spec.productive_hours_per_post,
                     "site_ids": " ".join(case.sites.ids[j] for j in best[0])})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    case, matrix = small_case(7)
    case = Case(case.name, case.demand, case.sites, case.plans,
                {"old": Budget("old", {"frontline_delivery": 30_000.0, "management_and_admin": 40_000.0,
                                       "buildings_and_infrastructure": 10_000.0, "family_support_fund": 0.0,
                                       "contingency_and_reserves": 0.0}, 6),
                 "new": Budget("new", {"frontline_delivery": 42_000.0, "management_and_admin": 12_000.0,
                                       "buildings_and_infrastructure": 6_000.0, "family_support_fund": 0.0,
                                       "contingency_and_reserves": 0.0}, 2)})
    params = replace(small_params(), budget_gbp=None, overheads=None, family_support_share=None,
                     contingency_share=None)
    return case, matrix, params


def test_scaled_changes_one_parameter_only(small) -> None:  # type: ignore[no-untyped-def]
    case, _, params = small
    base = resolved(case, params)
    assert base.budget_gbp == pytest.approx(60_000.0) and base.overheads is not None
    up = scaled(base, {"session_minutes": 1.25, "management_per_base_gbp": 0.75})
    assert up.session_minutes == pytest.approx(75.0)
    assert up.overheads is not None
    assert up.overheads.management_per_base_gbp == pytest.approx(0.75 * base.overheads.management_per_base_gbp)
    assert up.overheads.building_per_base_gbp == base.overheads.building_per_base_gbp
    assert up.budget_gbp == base.budget_gbp
    tasks = tornado_tasks(case, params, access_minutes=ACCESS, counts=(1, 2, 3))
    assert len(tasks) == 2 * len(PARAMETERS)
    x = [t for t in tasks if t.parameter == "access_minutes"]
    assert [t.access_minutes for t in x] == [pytest.approx(9.0), pytest.approx(15.0)]
    samples = sample_tasks(case, params, access_minutes=ACCESS, bases=2, samples=5, seed=3)
    again = sample_tasks(case, params, access_minutes=ACCESS, bases=2, samples=5, seed=3)
    assert [t.factors for t in samples] == [t.factors for t in again]  # seeded
    assert all(0.75 <= f <= 1.25 for t in samples for _, f in t.factors)


def test_central_management_calibration(small) -> None:  # type: ignore[no-untyped-def]
    case, _, params = small
    cals = calibration_params(case, params)
    central = cals["central_management"].overheads
    assert central is not None and central.management_per_base_gbp == 0.0
    assert central.management_central_gbp == pytest.approx(12_000.0)  # the planned budget's management
    assert cals["per_base"].overheads == resolved(case, params).overheads


@pytest.mark.slow
def test_tornado_row_recomputed_independently(small) -> None:  # type: ignore[no-untyped-def]
    case, matrix, params = small
    counts = (1, 2, 3, 4)
    base_frame = frontier_frame(frontier(case, matrix, resolved(case, params), counts=counts, access_minutes=ACCESS))
    base_gains = frame_gains(case.demand.weight, matrix.minutes, case.sites.ids, base_frame, access_minutes=ACCESS)
    rec = recommend(base_frame, gains=base_gains, access_minutes=ACCESS)
    assert rec.bases is not None
    chosen = base_frame.set_index("bases").loc[rec.bases, "site_ids"].split()
    result = robustness(case, matrix, params, base_frame, baseline_gains=base_gains, recommendation=rec,
                        recommended_sites=chosen, counts=counts, access_minutes=ACCESS, error_minutes=2.8,
                        min_spare_posts=0.0, rules=SiteRules(), solver="auto", options=SolveOptions(),
                        settings=RobustnessSettings(samples=6, scheduler="none", seed=1, progress=False))
    assert not result.failed
    assert len(result.tornado) == 2 * len(PARAMETERS)
    # one row, recomputed by brute force: sessions 25% longer
    row = result.tornado.set_index(["parameter", "factor"]).loc[("session_minutes", 1.25)]
    varied = scaled(resolved(case, params), {"session_minutes": 1.25})
    brute = brute_frontier(case, matrix, varied, counts, access_minutes=ACCESS)
    gains = frame_gains(case.demand.weight, matrix.minutes, case.sites.ids, brute, access_minutes=ACCESS)
    want = recommend(brute, gains=gains, access_minutes=ACCESS)
    assert row["bases"] == want.bases and row["equally_good"] == " ".join(str(q) for q in want.equally_good)
    pick = brute.set_index("bases").loc[want.bases if want.bases is not None else want.low]
    assert row["access_share"] == pytest.approx(pick["access_share"], abs=1e-9)
    assert row["spare_posts"] == pytest.approx(pick["spare_posts"], rel=1e-6)
    assert row["baseline_bases"] == rec.bases
    # the sampled plans have the recommended number of bases; frequencies count them
    freq = result.frequency
    assert result.samples == 6 and (freq["samples"] == 6).all()
    assert freq["chosen"].sum() == 6 * len(chosen)
    assert set(freq.loc[freq["in_recommendation"], "id"]) == set(chosen)
    # both calibrations, each with its own recommendation
    assert set(result.calibrations["calibration"]) == {"per_base", "central_management"}
    assert set(result.recommendations) == {"per_base", "central_management"}


def test_run_auto_on_a_small_case_honours_the_rules(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from scenarios.solve import SolveRequest, run, write_outcome

    case, matrix, _ = small
    request = SolveRequest(model="outreach", bases="auto", minutes=ACCESS,  # type: ignore[arg-type]
                           rules=SiteRules(must_close=("S1",)),
                           params={"session_minutes": 60.0, "max_drive_minutes": 25.0,
                                   "robustness": {"samples": 3, "scheduler": "none", "progress": False}})
    out = run(case, matrix, request)
    s = out.summary
    frontier = out.tables["frontier.csv"]
    assert frontier["bases"].min() == 1  # widened down to the counts the frontline floor allows
    assert not frontier["site_ids"].str.contains("S1").any()
    assert "S1" not in s["bases"]
    rec = s["recommendation"]
    assert rec["sentence"] and s["number_of_bases"] == rec["shown_bases"]
    assert {"tornado.csv", "site_frequency.csv", "calibrations.csv"} <= set(out.tables)
    assert {"frontier.png", "tornado.png", "site_frequency.png"} <= set(out.files)
    freq = out.tables["site_frequency.csv"]
    assert freq.loc[freq["id"] == "S1", "chosen"].sum() == 0  # the sampled plans keep the rules too
    calib = out.tables["calibrations.csv"]
    assert not calib["site_ids"].str.contains("S1").any()
    write_outcome(out, tmp_path / "o")
    assert (tmp_path / "o" / "tornado.png").read_bytes()[:4] == b"\x89PNG"

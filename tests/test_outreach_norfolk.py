"""The outreach model on Norfolk: backends agree, plans in hand, the old model, an unaffordable budget."""

from __future__ import annotations

import math

import pytest

from siting.outreach import (
    CurvePoint,
    OutreachParams,
    best_point,
    evaluate_plan,
    outreach_problem,
    solve_outreach,
    tied_points,
)
from solvers import Status
from solvers.formulations.outreach import OutreachSpec
from solvers.outreach_check import check_allocation


@pytest.mark.slow
def test_backends_agree_on_norfolk_when_staff_hours_bind(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    # more need than 12 bases' staff can serve: the staff-hours row binds and the choice matters
    params = OutreachParams(targeted_hours_per_child=14.0)
    problem = outreach_problem(case, matrix, params, bases=12)
    outs = {s: solve_outreach(problem, solver=s, polish=False) for s in ("highs", "cbc")}
    for s, out in outs.items():
        assert out.result.status is Status.OPTIMAL and out.result.verified, (s, out.result.message)
        assert out.allocation is not None and out.measures is not None
        assert check_allocation(problem, out.selected, out.allocation).feasible
        assert out.measures.staff_hours_used == pytest.approx(out.measures.staff_hours_available, rel=1e-6)
        assert out.measures.contact_hours < out.measures.need_hours
    assert outs["highs"].result.objective == pytest.approx(outs["cbc"].result.objective, rel=1e-6)


@pytest.fixture(scope="module")
def fifteen(norfolk_case):  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    problem = outreach_problem(case, matrix, OutreachParams(), bases=15)
    return solve_outreach(problem)


def test_fifteen_bases_beat_or_match_the_councils_fifteen(norfolk_case, fifteen) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    out = fifteen
    assert out.result.status is Status.OPTIMAL and out.result.verified
    assert len(out.selected) == 15 and out.measures is not None
    assert "allocation" in out.result.details
    council = evaluate_plan(case, matrix, OutreachParams(), case.plans["council_2019"].site_ids, name="council")
    assert council.measures is not None and council.meets_model
    assert out.measures.weighted_contact_hours >= council.measures.weighted_contact_hours - 1e-6
    # equal per-base costs: any 15 bases split the budget the same way (61.4% frontline)
    assert out.measures.frontline_share == pytest.approx(council.measures.frontline_share)
    assert out.measures.frontline_share == pytest.approx(0.6137, abs=1e-3)
    # the tie-break keeps the contact hours and leaves at least the first stage's spare hours
    assert out.tie_break is not None and out.tie_break.status is Status.OPTIMAL
    assert out.measures.weighted_contact_hours == pytest.approx(out.result.objective, rel=1e-8)


def test_old_model_reproduces_the_published_split(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    old = case.budgets["children_centres_2018"]
    ev = evaluate_plan(case, matrix, OutreachParams(), case.sites.ids, name="old", budget=old)
    assert ev.measures is not None
    assert ev.measures.frontline_share == pytest.approx(0.39, abs=0.015)
    assert sum(ev.measures.budget_gbp.values()) == pytest.approx(old.total_gbp)
    assert not ev.meets_model and "frontline" in ev.reason  # 39% is below the 60% floor
    at_new = evaluate_plan(case, matrix, OutreachParams(), case.sites.ids, name="old at the new budget")
    assert at_new.measures is None or at_new.measures.budget_gbp["frontline_delivery"] < 0


def test_unaffordable_budget_is_infeasible_with_its_shortfall(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, matrix = norfolk_case
    params = OutreachParams(budget_gbp=1_000_000.0)
    problem = outreach_problem(case, matrix, params, bases=15)
    out = solve_outreach(problem)
    assert out.result.status is Status.INFEASIBLE
    spec = problem.extra
    assert isinstance(spec, OutreachSpec)
    frontline = spec.frontline_without_bases_gbp - 15 * float(spec.base_cost_gbp[0])
    expected = (0.6 * spec.budget_gbp - frontline) / 0.4
    assert out.shortfall_gbp == pytest.approx(expected, rel=1e-6)
    assert f"falls short by {expected:,.0f} GBP" in out.result.message


def _pt(bases: int, objective: float, spare: float, ok: bool = True) -> CurvePoint:
    return CurvePoint(bases, "optimal", ok, objective=objective, contact_hours=objective, spare_staff_hours=spare)


def test_best_point_is_the_argmax_then_most_spare_then_fewest() -> None:
    pts = [_pt(5, 90.0, 50.0), _pt(6, 100.0, 10.0), _pt(7, 100.0, 30.0), _pt(8, 100.0, 30.0),
           _pt(9, 120.0, 99.0, ok=False)]
    assert [p.bases for p in tied_points(pts)] == [6, 7, 8]
    best = best_point(pts)
    assert best is not None and best.bases == 7
    assert best_point([_pt(4, math.nan, 0.0), _pt(5, 1.0, 0.0, ok=False)]) is None

"""Budget calibration, parameters and need hours of the outreach model (domain side)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.budget import (
    BUILDINGS,
    CATEGORIES,
    FRONTLINE,
    MANAGEMENT,
    OverheadCosts,
    StaffCosts,
    calibrate_overheads,
    nnls_two,
    split,
)
from siting.domain import Budget
from siting.errors import InputError
from siting.outreach import OutreachParams, make_spec, need_hours

PUBLISHED_FRONTLINE = {"children_centres_2018": 0.39, "early_childhood_family_service_2019": 0.62}


def _budget(name: str, bases: int, amounts: dict[str, float]) -> Budget:
    return Budget(name, amounts, bases)


def test_calibration_reproduces_the_councils_shares(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, _ = norfolk_case
    old, new = case.budgets["children_centres_2018"], case.budgets["early_childhood_family_service_2019"]
    cal = calibrate_overheads(old, new)
    c = cal.costs
    assert min(c.building_per_base_gbp, c.management_per_base_gbp) > 0
    assert min(c.building_central_gbp, c.management_central_gbp) >= 0
    # every category of both configurations within one percentage point of the published table
    assert cal.max_error < 0.01
    for check in cal.checks:
        assert check.modelled[FRONTLINE] == pytest.approx(PUBLISHED_FRONTLINE[check.name], abs=0.015)
        assert sum(check.modelled.values()) == pytest.approx(1.0)
    # the buildings system has a non-negative exact solution, so it is reproduced exactly
    assert c.building_gbp(53) == pytest.approx(old.categories_gbp[BUILDINGS])
    assert c.building_gbp(15) == pytest.approx(new.categories_gbp[BUILDINGS])
    # the management system's exact solution has a negative central part: the fit clamps it to 0
    exact_central = new.categories_gbp[MANAGEMENT] - 15 * (
        (old.categories_gbp[MANAGEMENT] - new.categories_gbp[MANAGEMENT]) / (53 - 15))
    assert exact_central < 0 and c.management_central_gbp == 0.0
    assert cal.family_support_share == pytest.approx(250_000 / new.total_gbp)


def test_calibration_solves_the_two_by_two_system_exactly() -> None:
    # management 100k central + 20k per base; buildings 50k + 10k per base, on two budgets
    old = _budget("old", 40, {FRONTLINE: 500_000, MANAGEMENT: 900_000, BUILDINGS: 450_000,
                              "family_support_fund": 50_000, "contingency_and_reserves": 20_000})
    new = _budget("new", 10, {FRONTLINE: 600_000, MANAGEMENT: 300_000, BUILDINGS: 150_000,
                              "family_support_fund": 40_000, "contingency_and_reserves": 10_000})
    cal = calibrate_overheads(old, new)
    assert cal.costs.management_central_gbp == pytest.approx(100_000)
    assert cal.costs.management_per_base_gbp == pytest.approx(20_000)
    assert cal.costs.building_central_gbp == pytest.approx(50_000)
    assert cal.costs.building_per_base_gbp == pytest.approx(10_000)
    assert cal.max_error == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_two_unknown_nnls_matches_scipy(seed: int) -> None:
    """The enumeration of supports gives scipy's non-negative least squares (residual and solution)."""
    from scipy.optimize import nnls

    rng = np.random.default_rng(seed)
    for _ in range(300):
        rows = int(rng.integers(2, 5))
        a = rng.normal(size=(rows, 2)) * rng.choice([1e-6, 1.0, 1e3], size=2)
        b = rng.normal(size=rows)
        ref, _ = nnls(a, b)
        got = nnls_two(a, b)
        assert np.all(got >= 0)
        res_ref, res_got = float(np.sum((a @ ref - b) ** 2)), float(np.sum((a @ got - b) ** 2))
        assert res_got <= res_ref * (1 + 1e-9) + 1e-15
        assert got == pytest.approx(ref, rel=1e-6, abs=1e-9 * float(np.abs(ref).max(initial=1.0)))


def test_calibration_needs_two_counts() -> None:
    b = _budget("a", 10, dict.fromkeys(CATEGORIES, 1.0))
    with pytest.raises(InputError, match="different numbers of bases"):
        calibrate_overheads(b, _budget("b", 10, dict.fromkeys(CATEGORIES, 2.0)))


def test_split_and_staff_hours() -> None:
    costs = OverheadCosts(building_per_base_gbp=10.0, management_per_base_gbp=20.0, building_central_gbp=5.0,
                          management_central_gbp=7.0)
    s = split(1000.0, 3, costs, family_support_share=0.05, contingency_share=0.01)
    assert s == pytest.approx({FRONTLINE: 1000 - 37 - 65 - 50 - 10, MANAGEMENT: 67.0, BUILDINGS: 35.0,
                               "family_support_fund": 50.0, "contingency_and_reserves": 10.0})
    assert StaffCosts().hours(35_000.0) == pytest.approx(1_500.0)


def test_need_hours_formula(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, _ = norfolk_case
    d = case.demand.frame
    h = need_hours(case.demand, universal_hours_per_child=1.0, targeted_hours_per_child=8.0)
    assert h == pytest.approx(d["children_0_4"] * (1.0 + 8.0 * d["idaci"]))
    # documented totals: 44,201 children, about 6,940 in income-deprived families
    assert h.sum() == pytest.approx(44_201 + 8 * (d["children_0_4"] * d["idaci"]).sum())
    assert 99_000 < h.sum() < 100_500


def test_spec_follows_the_calibration_and_overrides(norfolk_case) -> None:  # type: ignore[no-untyped-def]
    case, _ = norfolk_case
    spec = make_spec(case, OutreachParams())
    assert spec.budget_gbp == pytest.approx(5_232_177)
    assert spec.family_support_gbp == pytest.approx(250_000)
    assert spec.contingency_gbp == pytest.approx(32_177)
    assert np.all(spec.base_cost_gbp == spec.base_cost_gbp[0])
    site = case.sites.ids[3]
    spec2 = make_spec(case, OutreachParams(site_costs_gbp={site: (1000.0, 2000.0)}, budget_gbp=6e6))
    assert spec2.base_cost_gbp[3] == pytest.approx(3000.0) and spec2.budget_gbp == 6e6


@pytest.mark.parametrize(("values", "field"), [
    ({"session_minutes": 0}, "session_minutes"),
    ({"cost_per_post_gbp": -35_000}, "cost_per_post_gbp"),
    ({"productive_hours_per_post": 0}, "productive_hours_per_post"),
    ({"max_drive_minutes": -1}, "max_drive_minutes"),
    ({"budget_gbp": 0}, "budget_gbp"),
    ({"frontline_floor": 1.5}, "frontline_floor"),
    ({"building_per_base_gbp": 0, "management_per_base_gbp": 5}, "building_per_base_gbp"),
    ({"site_costs_gbp": {"BR01": [0, 10]}}, "site_costs_gbp[BR01] building"),
    ({"targeted_hours_per_child": "many"}, "targeted_hours_per_child"),
    ({"sessions": 3}, "sessions"),
])
def test_bad_parameters_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as exc:
        OutreachParams.from_mapping(values)
    assert exc.value.field == field
    assert "\n" not in str(exc.value)

"""The optimum against the plan in hand, judged against the travel-time error (Norfolk)."""

from __future__ import annotations

import numpy as np

from scenarios import norfolk
from scenarios.versus_plan import versus_plan

FREE_OPTIMUM_15 = ("BR03", "BR04", "BR07", "BR08", "BL03", "BL05", "GY03", "KL03", "KL05", "KL06", "NN01", "NN03",
                   "NW04", "SN01", "SN02")  # the 20-minute MCLP optimum without the council's rules (36,837)
COUNCIL_RULES_OPTIMUM_15 = ("BR01", "BR02", "BL01", "BL02", "GY01", "GY03", "KL01", "KL07", "NN01", "NN02", "NW01",
                            "NW02", "NW03", "SN01", "SN02")


def _covered(case, matrix, ids):  # type: ignore[no-untyped-def]
    cols = case.sites.index_of(list(ids))
    best = np.asarray(matrix.minutes, dtype=np.float64)[:, cols].min(axis=1)
    return float(case.demand.weight[best <= 20.0].sum())


def test_a_large_gain_is_significant_and_a_small_one_is_not() -> None:
    case = norfolk.load()
    matrix = norfolk.travel_matrix(case)
    plan = case.plans["council_2019"].site_ids
    free = versus_plan(case, matrix, FREE_OPTIMUM_15, plan, minutes=20.0)
    ruled = versus_plan(case, matrix, COUNCIL_RULES_OPTIMUM_15, plan, minutes=20.0)
    assert free is not None and ruled is not None
    # the differences are the raw matrix's, recomputed here
    want = _covered(case, matrix, FREE_OPTIMUM_15) - _covered(case, matrix, plan)
    assert abs(float(free["need_covered_difference"]) - want) < 1e-6
    assert round(float(free["need_covered_difference"])) == 5266
    assert round(float(ruled["need_covered_difference"])) == 278
    assert free["need_covered_verdict"] == "significant"
    assert ruled["need_covered_verdict"] == "not significant"
    assert 0.0 < float(ruled["need_covered_share_optimum_better"]) < 0.95


def test_no_claim_outside_norfolk() -> None:
    case = norfolk.load()
    other = type(case)(**{**case.__dict__, "name": "elsewhere"})
    assert versus_plan(other, norfolk.travel_matrix(case), COUNCIL_RULES_OPTIMUM_15, ("BR01",), minutes=20.0) is None


def test_perturbed_columns_are_the_whole_matrices_columns_bit_for_bit() -> None:
    """The draws of the plans' columns only (what ``versus_plan`` uses) equal those columns of the whole perturbed
    matrices: the same random numbers in the same order."""
    from siting.geo import distance_km
    from siting.significance import perturbed_columns, perturbed_matrices

    case = norfolk.load()
    matrix = norfolk.travel_matrix(case)
    residuals = norfolk.heldout_residuals()
    km = distance_km(case.demand.x_m, case.demand.y_m, case.sites.x_m, case.sites.y_m)
    cols = [0, 3, 17, 52]
    got = perturbed_columns(matrix.minutes, km, residuals, cols, draws=5, seed=7)
    whole = perturbed_matrices(matrix.minutes, km, residuals, draws=5, seed=7)
    for d in range(5):
        assert np.array_equal(got[d], whole()[:, cols]), d

"""The ``estimate`` travel source picks the estimator calibrated where the points are, and says so."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import england, estimate, norfolk
from siting import grid_estimator
from siting.domain import Sites
from siting.errors import InputError


def test_norfolk_points_use_norfolks_own_calibration() -> None:
    case = norfolk.load()
    got = estimate.estimate_matrix(case.demand, case.sites)
    assert got.estimator == "Norfolk straight-line estimator"
    np.testing.assert_array_equal(got.matrix.minutes, norfolk.travel_matrix(case).minutes)
    assert got.heldout_mae_minutes == pytest.approx(norfolk.estimator()[1].lodo_mae_minutes)


def test_elsewhere_in_england_the_england_estimator_serves_and_is_named() -> None:
    case = england.load(england.find_authority("Suffolk"))
    got = estimate.estimate_matrix(case.demand, case.sites)
    assert got.estimator == "England straight-line estimator"
    est = grid_estimator.load_england()
    i, j = 7, 3  # one pair recomputed independently through the pair formula
    want = est.pair_minutes(case.demand.x_m[[i]], case.demand.y_m[[i]], case.sites.x_m[[j]], case.sites.y_m[[j]])
    assert got.matrix.minutes[i, j] == pytest.approx(float(want[0]), rel=1e-5)
    assert "England straight-line estimator" in got.note
    assert got.heldout_mae_minutes <= 4.0


def test_a_site_outside_the_calibrated_area_is_refused_by_id() -> None:
    case = england.load(england.find_authority("Suffolk"))
    frame = case.sites.frame.copy()
    frame.loc[frame.index[2], "x_m"] = 900_000.0  # out in the North Sea / the Netherlands
    with pytest.raises(InputError, match=rf"site {frame['id'].iloc[2]} lies outside England"):
        estimate.estimate_matrix(case.demand, Sites(frame), source="s.yaml")
